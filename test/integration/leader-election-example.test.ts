// Runs examples/leader-election.mjs (the guide's example, docs/leader-election.md) against a real
// proxy: one instance becomes leader, renews, works under its fencing epoch and stops cleanly; a
// second one takes over at once when the first is killed out of traffic.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisProcess } from '../helpers/redis.js';
import { startProxyProcess, type ProxyProcess } from '../helpers/proxy.js';
import { waitFor } from '../helpers/poll.js';

const EXAMPLE = path.resolve(import.meta.dirname, '../../examples/leader-election.mjs');
const TTL = 3000;

let redis: RedisProcess;
let proxy: ProxyProcess;
let c: Redis;
const running: Instance[] = [];

interface Instance {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function startExample(election: string, vip: string): Instance {
  const child = spawn(process.execPath, [EXAMPLE], {
    env: { ...process.env, SUMA_PORT: String(proxy.port), ELECTION: election, MY_VIP: vip, LEASE_TTL_MS: String(TTL), WORK_EVERY_MS: '200' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const instance = { child, output: () => out, exited };
  running.push(instance);
  return instance;
}

const epochOf = (output: string): string | undefined => /leader epoch=(\d+)/.exec(output)?.[1];

beforeAll(async () => {
  redis = await startRedis();
  proxy = await startProxyProcess(['--upstream', `127.0.0.1:${redis.port}`, '--log-level', 'warn']);
  c = new Redis({ port: proxy.port });
});

afterAll(async () => {
  for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  c?.disconnect();
  await proxy?.stop();
  await redis?.stop();
});

describe('examples/leader-election.mjs', () => {
  it('becomes leader, keeps the lease past its TTL, works under its epoch, and resigns on SIGTERM', async () => {
    const a = startExample('example_e1', 'host-a');
    const epoch = await waitFor(() => epochOf(a.output()), { timeoutMs: 10_000, message: 'the example did not become leader' });
    // Renewals every TTL/3 keep the same lease well past one TTL.
    await new Promise((resolve) => setTimeout(resolve, TTL + 1500));
    expect(await c.call('sumavlib.suma_try_leader', 'example_e1', 'host-x', 'WITHEPOCH')).toEqual([0, 'host-a', epoch, expect.any(Number)]);
    expect(a.output()).not.toContain('stopped leader work');
    expect(await c.hget('example:example_e1:work', 'epoch')).toBe(epoch);
    expect(Number(await c.hget('example:example_e1:work', 'ticks'))).toBeGreaterThan(5);

    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(a.output()).toContain(`stopped leader work epoch=${epoch}: shutting down`);
    expect(a.output()).toMatch(/ host-a stopped\n$/);
    // It resigned: the election is free at once, not after the TTL.
    expect(await c.call('sumavlib.suma_try_leader', 'example_e1', 'host-x')).toBe(1);
  });

  it('a follower takes over at once, with a higher epoch, when the leader is killed out of traffic', async () => {
    const a = startExample('example_e2', 'host-a');
    const first = await waitFor(() => epochOf(a.output()), { timeoutMs: 10_000, message: 'host-a did not become leader' });
    const b = startExample('example_e2', 'host-b');
    await waitFor(() => b.output().includes('follower leader=host-a'), { timeoutMs: 10_000, message: 'host-b did not follow' });

    const killedAt = Date.now();
    expect(await c.call('sumavlib.suma_vip_kill', 'ops', 'host-a', 'REASON', 'example')).toBe(1);
    const second = await waitFor(() => epochOf(b.output()), { timeoutMs: 5000, message: 'host-b did not take over' });
    // The event, not the next tick, brought it in.
    expect(Date.now() - killedAt).toBeLessThan(TTL / 3);
    expect(BigInt(second)).toBeGreaterThan(BigInt(first));
    await waitFor(() => a.output().includes(`stopped leader work epoch=${first}: killed`), { timeoutMs: 5000, message: 'host-a kept working' });
    await waitFor(async () => (await c.hget('example:example_e2:work', 'by')) === 'host-b', { timeoutMs: 5000, message: 'host-b did not work' });
    expect(await c.hget('example:example_e2:work', 'epoch')).toBe(second);

    for (const r of [a, b]) r.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
  });

  it('stops leader work at its deadline when renewals cannot get through, and leads again after', async () => {
    const c3 = startExample('example_e3', 'host-c');
    const epoch = await waitFor(() => epochOf(c3.output()), { timeoutMs: 10_000, message: 'host-c did not become leader' });
    const stoppedAt = Date.now();
    process.kill(proxy.pid, 'SIGSTOP');
    try {
      await waitFor(() => c3.output().includes('lease deadline passed'), { timeoutMs: TTL + 2000, message: 'host-c worked past its deadline' });
      // Not before the lease could have run out on the master either: at most one renewal interval early.
      expect(Date.now() - stoppedAt).toBeGreaterThan(TTL - TTL / 3 - 100);
    } finally {
      process.kill(proxy.pid, 'SIGCONT');
    }
    // Once renewals get through again it leads again (nobody else wanted the election).
    await waitFor(() => c3.output().split('leader epoch=').length === 3, { timeoutMs: 10_000, message: 'host-c did not lead again' });
    expect(c3.output()).toContain(`stopped leader work epoch=${epoch}: lease deadline passed without a renewal`);
    c3.child.kill('SIGTERM');
    expect(await c3.exited).toBe(0);
  });
});
