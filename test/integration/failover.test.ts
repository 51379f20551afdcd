// A real Sentinel failover under load: SIGKILL of the master while twenty clients write through
// the proxy. Every write is answered (acknowledged or an error), the same client connections
// write again after the promotion, and subscribers keep receiving.

import { once } from 'node:events';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGroup, type TestGroup } from '../helpers/group.js';
import { startProxyProcess, type ProxyProcess } from '../helpers/proxy.js';
import { waitFor } from '../helpers/poll.js';

const WINDOW_MS = 20_000;

let group: TestGroup;
let proxy: ProxyProcess;

beforeAll(async () => {
  group = await startTestGroup();
  const sentinels = group.sentinelAddrs().flatMap((s) => ['--sentinel', `${s.host}:${s.port}`]);
  proxy = await startProxyProcess([...sentinels, '--master-name', group.masterName, '--failover-window', String(WINDOW_MS), '--log-level', 'warn']);
});

afterAll(async () => {
  await proxy?.stop();
  await group?.stop();
});

/** An ioredis client that must keep its one connection: reconnects are counted, never hidden. */
async function steadyClient(port: number): Promise<{ redis: Redis; closes: () => number }> {
  const redis = new Redis({ port, maxRetriesPerRequest: 0, enableOfflineQueue: false, autoResendUnfulfilledCommands: false });
  await once(redis, 'ready');
  let closes = 0;
  redis.on('close', () => closes++);
  return { redis, closes: () => closes };
}

describe('failover through the proxy', () => {
  it('SIGKILL of the master: every write is answered, connections survive, subscribers keep receiving', async () => {
    const subscriber = await steadyClient(proxy.port);
    const received: string[] = [];
    subscriber.redis.on('message', (_channel: string, message: string) => received.push(message));
    await subscriber.redis.subscribe('events');

    const inTransaction = await steadyClient(proxy.port);
    await inTransaction.redis.multi({ pipeline: false });
    await inTransaction.redis.set('tx-key', 'queued');

    const blocked = await steadyClient(proxy.port);
    const blockedResult = blocked.redis.blpop('never-filled', 0).then(
      () => 'released',
      (err: Error) => err.message,
    );

    const writers = await Promise.all(Array.from({ length: 20 }, () => steadyClient(proxy.port)));
    const counts = { ok: 0, errors: 0, hung: 0 };
    const errorKinds = new Map<string, number>();
    let writing = true;
    const loops = writers.map(async ({ redis }, i) => {
      let n = 0;
      while (writing) {
        const started = Date.now();
        try {
          await redis.set(`writer:${i}`, String(n++));
          counts.ok++;
        } catch (err) {
          counts.errors++;
          const kind = (err as Error).message.split(' ')[0]!;
          errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
        }
        if (Date.now() - started > WINDOW_MS + 5000) counts.hung++;
      }
    });

    await waitFor(() => counts.ok > 200, { timeoutMs: 10_000, message: 'writers did not start' });
    const old = await group.killMaster('SIGKILL');
    const promoted = await group.waitForPromotion(old, 60_000);
    expect(promoted).not.toEqual(old);

    const okAtPromotion = counts.ok;
    await waitFor(() => counts.ok > okAtPromotion + 200, { timeoutMs: 15_000, message: 'writes did not resume on the new master' });
    writing = false;
    await Promise.all(loops);

    expect(counts.hung).toBe(0);
    expect([...errorKinds.keys()].every((k) => k === 'UNCERTAIN' || k === 'TRYAGAIN')).toBe(true);
    for (const w of writers) expect(w.closes()).toBe(0);

    // The subscriber from before the failover receives what is published after it.
    const publisher = new Redis({ port: proxy.port });
    await waitFor(
      async () => {
        await publisher.publish('events', 'after-failover');
        return received.includes('after-failover');
      },
      { timeoutMs: 10_000, intervalMs: 200, message: 'subscriber did not receive after the failover' },
    );
    expect(subscriber.closes()).toBe(0);

    // The open transaction is aborted with an error; the blocked client got an error.
    await expect(inTransaction.redis.exec()).rejects.toThrow(/EXECABORT/);
    expect(await blockedResult).toMatch(/^UNCERTAIN/);

    // And the last acknowledged value of each writer is on the new master.
    const direct = new Redis({ host: promoted.host, port: promoted.port });
    expect(await direct.info('replication')).toContain('role:master');

    console.info(`failover: ${counts.ok} writes acknowledged, ${counts.errors} answered with an error (${[...errorKinds].map(([k, v]) => `${k} ${v}`).join(', ')})`);
    for (const c of [publisher, direct, subscriber.redis, inTransaction.redis, blocked.redis, ...writers.map((w) => w.redis)]) c.disconnect();
  }, 120_000);

  it('follows the new master within a second of +switch-master', async () => {
    const watcher = new Redis({ port: group.sentinelAddrs()[0]!.port });
    const switched = new Promise<number>((resolve) => watcher.on('message', () => resolve(Date.now())));
    await watcher.subscribe('+switch-master');
    const client = new Redis({ port: proxy.port, maxRetriesPerRequest: 0 });
    const old = await group.killMaster('SIGKILL');
    const eventAt = await switched;
    await waitFor(
      async () => {
        const role = await client.info('server').catch(() => '');
        const port = /tcp_port:(\d+)/.exec(role)?.[1];
        return port !== undefined && Number(port) !== old.port;
      },
      { timeoutMs: 10_000, intervalMs: 20, message: 'proxy did not follow the new master' },
    );
    const followMs = Date.now() - eventAt;
    console.info(`proxy followed the new master ${followMs} ms after +switch-master`);
    expect(followMs).toBeLessThan(1000);
    watcher.disconnect();
    client.disconnect();
  }, 120_000);
});
