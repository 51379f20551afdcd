// suma-redis ctl against real processes: three fresh redis-servers (no replicaof) and three
// sentinels that monitor nothing, turned into a group by `ctl init` and served by the proxy.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostPort } from '../../src/config.js';
import { query } from '../helpers/group.js';
import { waitFor } from '../helpers/poll.js';
import { freePort } from '../helpers/ports.js';
import { startProxyProcess, type ProxyProcess } from '../helpers/proxy.js';
import { startRedis, type RedisProcess } from '../helpers/redis.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/suma-redis.js');
const NAME = 'ctltest';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `suma-redis ctl ...args` with no SUMA_* variable of the caller's. */
function ctl(...args: string[]): Promise<Run> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SUMA_')));
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'ctl', ...args], { env, timeout: 90_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

interface SentinelProcess extends HostPort {
  child: ChildProcess;
  stop(): Promise<void>;
}

/** A sentinel with a config file of its own (Sentinel refuses to run without one) that monitors nothing. */
async function startSentinel(): Promise<SentinelProcess> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'suma-redis-ctl-test-'));
  const conf = path.join(dir, 'sentinel.conf');
  writeFileSync(conf, `port ${port}\nbind 127.0.0.1\ndir "${dir}"\n`);
  const child = spawn('redis-sentinel', [conf], { stdio: 'ignore' });
  await waitFor(() => query({ host: '127.0.0.1', port }, undefined, 'PING').then((r) => r === 'PONG'), {
    timeoutMs: 10_000,
    intervalMs: 50,
    message: `sentinel on ${port} did not start`,
  });
  return {
    host: '127.0.0.1',
    port,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function addr(r: RedisProcess): HostPort {
  return { host: '127.0.0.1', port: r.port };
}

function fields(flat: unknown): Map<string, string> {
  const list = flat as string[];
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < list.length; i += 2) map.set(list[i]!, list[i + 1]!);
  return map;
}

function infoField(info: unknown, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)\\r?$`, 'm').exec(String(info))?.[1];
}

describe('suma-redis ctl', () => {
  let nodes: RedisProcess[] = [];
  let sentinels: SentinelProcess[] = [];
  let proxy: ProxyProcess | undefined;
  let groupFlags: string[] = [];
  let sentinelFlags: string[] = [];

  beforeAll(async () => {
    nodes = await Promise.all([startRedis(), startRedis(), startRedis()]);
    sentinels = await Promise.all([startSentinel(), startSentinel(), startSentinel()]);
    sentinelFlags = sentinels.flatMap((s) => ['--sentinel', `${s.host}:${s.port}`]);
    groupFlags = ['--master-name', NAME, ...nodes.flatMap((n) => ['--node', `127.0.0.1:${n.port}`]), ...sentinelFlags];
  });

  afterAll(async () => {
    await proxy?.stop('SIGKILL');
    await Promise.all([...nodes.map((n) => n.stop()), ...sentinels.map((s) => s.stop())]);
  });

  it('init turns fresh servers into a group the proxy serves, and a second run changes nothing', async () => {
    const first = await ctl('init', ...groupFlags, '--down-after', '1000', '--failover-timeout', '6000');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^${NAME}: master 127\\.0\\.0\\.1:${nodes[0]!.port}, 2 replicas linked, 3 sentinels, quorum 2 reachable; \\d+ changes$`, 'm'));

    expect(((await query(addr(nodes[0]!), undefined, 'ROLE')) as unknown[])[0]).toBe('master');
    for (const replica of nodes.slice(1)) {
      const role = (await query(addr(replica), undefined, 'ROLE')) as unknown[];
      expect(role.slice(0, 3)).toEqual(['slave', '127.0.0.1', nodes[0]!.port]);
    }
    for (const s of sentinels) {
      const m = fields(await query(s, undefined, 'SENTINEL', 'MASTER', NAME));
      expect(m.get('ip')).toBe('127.0.0.1');
      expect(m.get('port')).toBe(String(nodes[0]!.port));
      expect(m.get('quorum')).toBe('2');
      expect(m.get('down-after-milliseconds')).toBe('1000');
      expect(m.get('failover-timeout')).toBe('6000');
      expect(m.get('num-slaves')).toBe('2');
      expect(m.get('num-other-sentinels')).toBe('2');
      expect(await query(s, undefined, 'SENTINEL', 'CKQUORUM', NAME)).toMatch(/^OK/);
    }

    const fullSyncs = infoField(await query(addr(nodes[0]!), undefined, 'INFO', 'stats'), 'sync_full');
    const replId = infoField(await query(addr(nodes[0]!), undefined, 'INFO', 'replication'), 'master_replid');
    const second = await ctl('init', ...groupFlags, '--down-after', '1000', '--failover-timeout', '6000');
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/; no changes\n$/);
    const lines = second.stdout.trimEnd().split('\n');
    expect(lines.slice(0, -1).every((line) => line.endsWith('(unchanged)') || line.includes('without a config file'))).toBe(true);
    expect(infoField(await query(addr(nodes[0]!), undefined, 'INFO', 'stats'), 'sync_full')).toBe(fullSyncs);
    expect(infoField(await query(addr(nodes[0]!), undefined, 'INFO', 'replication'), 'master_replid')).toBe(replId);

    proxy = await startProxyProcess(['--master-name', NAME, ...sentinelFlags, '--log-level', 'warn']);
    const client = new Redis({ port: proxy.port, maxRetriesPerRequest: 1 });
    try {
      expect(await client.set('ctl:key', 'through the proxy')).toBe('OK');
      expect(await client.get('ctl:key')).toBe('through the proxy');
      await waitFor(async () => (await query(addr(nodes[2]!), undefined, 'GET', 'ctl:key')) === 'through the proxy', {
        timeoutMs: 5000,
        message: 'the write did not reach a replica',
      });
    } finally {
      client.disconnect();
    }
  });

  it('status is clean on a healthy group and flags a replica that was stopped', async () => {
    const healthy = await ctl('status', '--master-name', NAME, ...sentinelFlags);
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toContain(`${NAME}: master 127.0.0.1:${nodes[0]!.port}`);
    expect(healthy.stdout).toMatch(new RegExp(`^127\\.0\\.0\\.1:${nodes[1]!.port} +replica +up +\\d+ +\\d+ +\\d+s +ok$`, 'm'));
    for (const s of sentinels) {
      expect(healthy.stdout).toMatch(new RegExp(`^127\\.0\\.0\\.1:${s.port} +127\\.0\\.0\\.1:${nodes[0]!.port} +0 +master +2 +3 +2 reachable$`, 'm'));
    }
    expect(healthy.stdout).toMatch(/OK: no warnings\n$/);

    const stopped = nodes[2]!;
    await stopped.kill('SIGKILL');
    const flagged = await ctl('status', '--master-name', NAME, ...sentinelFlags);
    expect(flagged.code).toBe(1);
    expect(flagged.stdout).toMatch(new RegExp(`^127\\.0\\.0\\.1:${stopped.port} +\\? .* unreachable$`, 'm'));
    expect(flagged.stdout).toContain(`WARNING: replica 127.0.0.1:${stopped.port} is unreachable`);

    const json = await ctl('status', '--master-name', NAME, ...sentinelFlags, '--json');
    const status = JSON.parse(json.stdout) as { healthy: boolean; nodes: { address: string; status: string }[]; warnings: string[] };
    expect(json.code).toBe(1);
    expect(status.healthy).toBe(false);
    expect(status.nodes.find((n) => n.address === `127.0.0.1:${stopped.port}`)?.status).toBe('unreachable');

    // It comes back without its configuration (no config file): init makes it a replica again.
    await stopped.restart();
    const repaired = await ctl('init', ...groupFlags, '--down-after', '1000', '--failover-timeout', '6000');
    expect(repaired.code).toBe(0);
    const role = (await query(addr(stopped), undefined, 'ROLE')) as unknown[];
    expect(role.slice(0, 3)).toEqual(['slave', '127.0.0.1', nodes[0]!.port]);
    await waitFor(async () => (await ctl('status', '--master-name', NAME, ...sentinelFlags)).code === 0, {
      timeoutMs: 30_000,
      intervalMs: 500,
      message: 'status did not become clean after the replica came back',
    });
  });

  it('failover moves the master and waits until the proxy follows; init afterwards changes nothing', async () => {
    const old = nodes[0]!.port;
    const run = await ctl('failover', '--master-name', NAME, ...sentinelFlags, '--proxy', `127.0.0.1:${proxy!.port}`);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const promoted = /^new master 127\.0\.0\.1:(\d+)/m.exec(run.stdout);
    expect(promoted).not.toBeNull();
    const port = Number(promoted![1]);
    expect(port).not.toBe(old);
    expect(run.stdout).toContain(`proxy 127.0.0.1:${proxy!.port} follows 127.0.0.1:${port} after`);
    expect(run.stdout).toContain(`old master 127.0.0.1:${old} replicates from 127.0.0.1:${port}`);
    expect(((await query({ host: '127.0.0.1', port }, undefined, 'ROLE')) as unknown[])[0]).toBe('master');

    const client = new Redis({ port: proxy!.port, maxRetriesPerRequest: 1 });
    try {
      expect(await client.set('ctl:after', 'failover')).toBe('OK');
    } finally {
      client.disconnect();
    }
    expect(await query({ host: '127.0.0.1', port }, undefined, 'GET', 'ctl:after')).toBe('failover');

    const again = await ctl('init', ...groupFlags, '--down-after', '1000', '--failover-timeout', '6000');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`${NAME}: master 127.0.0.1:${port}, 2 replicas linked`);
    expect(again.stdout).toMatch(/; no changes\n$/);
  });

  it('probe exits 0 for a proxy that answers (RESP or /livez) and 1 for a port nobody listens on', async () => {
    const live = await ctl('probe', '--address', `127.0.0.1:${proxy!.port}`);
    expect(live.code).toBe(0);
    expect(live.stdout).toBe(`127.0.0.1:${proxy!.port}: ok\n`);
    const livez = await ctl('probe', '--url', `http://127.0.0.1:${proxy!.adminPort}/livez`);
    expect(livez.code).toBe(0);
    expect(livez.stdout).toBe(`http://127.0.0.1:${proxy!.adminPort}/livez: 200\n`);
    const dead = await ctl('probe', '--address', `127.0.0.1:${await freePort()}`, '--timeout', '500', '--quiet');
    expect(dead.code).toBe(1);
    expect(dead.stdout).toBe('');
  });

  it('init refuses to make a node holding keys a replica unless forced', async () => {
    const [a, b] = await Promise.all([startRedis(), startRedis()]);
    try {
      await query(addr(b), undefined, 'SET', 'precious', '1');
      const run = await ctl('init', '--master-name', 'other', '--node', `127.0.0.1:${a.port}`, '--node', `127.0.0.1:${b.port}`, ...sentinelFlags);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`127.0.0.1:${b.port} (1 key) would become a replica of 127.0.0.1:${a.port} and lose its keys`);
      expect(((await query(addr(b), undefined, 'ROLE')) as unknown[])[0]).toBe('master');
      expect(await query(addr(b), undefined, 'GET', 'precious')).toBe('1');
      for (const s of sentinels) expect(await query(s, undefined, 'SENTINEL', 'MASTERS')).toEqual([expect.anything()]);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('usage errors exit 2 with one line', async () => {
    const noNodes = await ctl('init', ...sentinelFlags);
    expect(noNodes.code).toBe(2);
    expect(noNodes.stderr).toBe('suma-redis: --node: give every Redis node of the group\n');
    const unknown = await ctl('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
    const quorum = await ctl('init', '--node', '127.0.0.1:1', ...sentinelFlags, '--quorum', '4');
    expect(quorum.code).toBe(2);
    expect(quorum.stderr).toContain('--quorum: 4 is out of range (1..3)');
  });
});
