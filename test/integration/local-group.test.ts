// The local HA group every integration test stands on: it starts whole, each role answers as
// itself, a killed master is replaced, and stop() leaves neither a process nor the directory.

import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { query, startTestGroup, type TestGroup } from '../helpers/group.js';
import { isLive } from '../helpers/procs.js';

describe('a local group with default sizes', () => {
  let group: TestGroup;

  beforeAll(async () => {
    const t0 = performance.now();
    group = await startTestGroup();
    console.info(`group started in ${(performance.now() - t0).toFixed(0)} ms`);
  });

  afterAll(async () => {
    await group?.stop();
  });

  test('starts one master, two replicas and three sentinels in their own directory', async () => {
    expect(group.master.role).toBe('master');
    expect(group.replicas.map((r) => r.role)).toEqual(['replica', 'replica']);
    expect(group.sentinels.map((s) => s.role)).toEqual(['sentinel', 'sentinel', 'sentinel']);
    expect(group.dataNodes()).toEqual([group.master, ...group.replicas]);
    expect(readdirSync(group.dir).sort()).toEqual(['master', 'replica-1', 'replica-2', 'sentinel-1', 'sentinel-2', 'sentinel-3']);
    const ports = [...group.dataNodes(), ...group.sentinels].map((n) => n.port);
    expect(new Set(ports).size).toBe(6);
  });

  test('every role answers as itself', async () => {
    const role = (await query(group.master, undefined, 'ROLE')) as [string, number, [string, string, string][]];
    expect(role[0]).toBe('master');
    expect(role[2].map(([, port]) => Number(port)).sort()).toEqual(group.replicas.map((r) => r.port).sort());
    expect(await query(group.master, undefined, 'CONFIG', 'GET', 'min-replicas-to-write')).toEqual(['min-replicas-to-write', '1']);

    for (const replica of group.replicas) {
      const [kind, , masterPort, state] = (await query(replica, undefined, 'ROLE')) as [string, string, number, string];
      expect([kind, masterPort, state]).toEqual(['slave', group.master.port, 'connected']);
    }
    for (const sentinel of group.sentinels) {
      expect(await query(sentinel, undefined, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')).toEqual(['127.0.0.1', String(group.master.port)]);
    }
    expect(await group.currentMaster()).toEqual({ host: '127.0.0.1', port: group.master.port });
    expect(group.sentinelAddrs()).toEqual(group.sentinels.map((s) => ({ host: s.host, port: s.port })));
  });

  test('killMaster() and waitForPromotion() follow a failover to a replica', async () => {
    const t0 = performance.now();
    const old = await group.killMaster();
    expect(old).toEqual({ host: '127.0.0.1', port: group.master.port });
    expect(isLive(group.master.pid)).toBe(false);

    const promoted = await group.waitForPromotion(old);
    console.info(`new master ${promoted.port} confirmed ${(performance.now() - t0).toFixed(0)} ms after SIGKILL`);
    expect(group.replicas.map((r) => r.port)).toContain(promoted.port);
    expect(await group.currentMaster()).toEqual(promoted);
  });

  test('stop() ends every process and removes the directory, and may be called again', async () => {
    const nodes = [...group.dataNodes(), ...group.sentinels];
    await group.stop();
    expect(nodes.filter((n) => isLive(n.pid)).map((n) => n.port)).toEqual([]);
    expect(existsSync(group.dir)).toBe(false);
    await group.stop();
  });
});

describe('a local group with a password', () => {
  const password = 'pa ss"word\\';
  let group: TestGroup;

  beforeAll(async () => {
    group = await startTestGroup({ password, replicas: 1, sentinels: 1, quorum: 1 });
  });

  afterAll(async () => {
    await group?.stop();
  });

  test('data nodes require it and the sentinel uses it', async () => {
    await expect(query(group.master, undefined, 'PING')).rejects.toThrow(/NOAUTH/);
    expect(await query(group.master, password, 'PING')).toBe('PONG');
    const [replica] = (await query(group.sentinels[0]!, undefined, 'SENTINEL', 'REPLICAS', 'mymaster')) as string[][];
    expect(replica).toContain('master-link-status');
    expect(replica![replica!.indexOf('master-link-status') + 1]).toBe('ok');
  });

  test('stop() also ends processes frozen with SIGSTOP', async () => {
    const nodes = [...group.dataNodes(), ...group.sentinels];
    process.kill(group.replicas[0]!.pid, 'SIGSTOP');
    process.kill(group.sentinels[0]!.pid, 'SIGSTOP');
    await group.stop();
    expect(nodes.filter((n) => isLive(n.pid)).map((n) => n.port)).toEqual([]);
    expect(existsSync(group.dir)).toBe(false);
  });
});
