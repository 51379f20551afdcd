// Runs examples/config-push.mjs (the guide's example, docs/config-push.md) against real proxies:
// it loads the config, applies each change published through another proxy, and after its
// connection is cut for 500 publishes (a TCP relay in front of its proxy goes away and comes
// back) it catches up and ends with every revision exactly once, in order.

import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisProcess } from '../helpers/redis.js';
import { startProxyProcess, type ProxyProcess } from '../helpers/proxy.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/poll.js';

const EXAMPLE = path.resolve(import.meta.dirname, '../../examples/config-push.mjs');

let redis: RedisProcess;
let publisherProxy: ProxyProcess;
let subscriberProxy: ProxyProcess;
let publisher: Redis;
let relay: Relay;
let example: ChildProcess | null = null;

/** A TCP relay to a proxy that can be cut (every connection dropped, nothing accepted) and restored. */
interface Relay {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

async function startRelay(target: number): Promise<Relay> {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  const listen = (): Promise<void> =>
    new Promise((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(target, '127.0.0.1');
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('error', () => {});
          s.on('close', () => {
            sockets.delete(s);
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => resolve());
    });
  const cut = async (): Promise<void> => {
    const closing = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    for (const s of sockets) s.destroy();
    await closing;
    server = null;
  };
  await listen();
  return { port, cut, restore: listen, close: cut };
}

beforeAll(async () => {
  redis = await startRedis();
  const args = ['--upstream', `127.0.0.1:${redis.port}`, '--log-level', 'warn'];
  [publisherProxy, subscriberProxy] = await Promise.all([startProxyProcess(args), startProxyProcess(args)]);
  publisher = new Redis({ port: publisherProxy.port });
  relay = await startRelay(subscriberProxy.port);
});

afterAll(async () => {
  if (example && example.exitCode === null) example.kill('SIGKILL');
  publisher?.disconnect();
  await relay?.close();
  await Promise.all([publisherProxy?.stop(), subscriberProxy?.stop()]);
  await redis?.stop();
});

interface Change {
  kind: 'applied' | 'deleted';
  key: string;
  rev: number;
}

function changesIn(output: string): Change[] {
  return [...output.matchAll(/ (applied|deleted) (\S+) rev=(\d+)/g)].map((m) => ({ kind: m[1] as Change['kind'], key: m[2]!, rev: Number(m[3]) }));
}

describe('examples/config-push.mjs', () => {
  it('loads, applies changes in revision order, and resumes after a cut with every revision exactly once', async () => {
    const rev = async (...args: string[]): Promise<number> => ((await publisher.call('sumavlib.suma_diamond_publish', ...args, 'WITHREV')) as [number, number])[1];
    for (let i = 0; i < 5; i++) await rev('app', `svc.k${i}`, `initial ${i}`);
    await rev('app', 'other.k', 'not ours');

    let out = '';
    example = spawn(process.execPath, [EXAMPLE], {
      env: { ...process.env, SUMA_PORT: String(relay.port), PREFIX: 'svc.', CHECK_EVERY_MS: '60000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    example.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    example.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => example!.once('exit', (code) => resolve(code)));
    await waitFor(() => out.includes('loaded 5 keys'), { timeoutMs: 10_000, message: 'the example did not load the config' });
    expect(changesIn(out).map((c) => c.key).sort()).toEqual(['svc.k0', 'svc.k1', 'svc.k2', 'svc.k3', 'svc.k4']);
    const loadedLines = changesIn(out).length;

    const published: Change[] = [];
    const change = async (i: number): Promise<void> => {
      const key = `svc.k${i % 20}`;
      published.push({ kind: 'applied', key, rev: await rev('app', key, `value ${i}`) });
    };
    for (let i = 0; i < 10; i++) await change(i);
    await waitFor(() => changesIn(out).length === loadedLines + 10, { timeoutMs: 5000, message: 'live changes were not applied' });

    await relay.cut();
    for (let i = 10; i < 510; i++) await change(i);
    // A deletion and a value too large to travel in its event, while cut off.
    const [, deleted] = (await publisher.call('sumavlib.suma_diamond_delete', 'app', 'svc.k3', 'WITHREV')) as [number, number];
    published.push({ kind: 'deleted', key: 'svc.k3', rev: deleted });
    published.push({ kind: 'applied', key: 'svc.big', rev: await rev('app', 'svc.big', 'B'.repeat(10_000)) });
    await rev('app', 'other.k', 'still not ours');
    await relay.restore();

    await waitFor(() => out.includes('reconnected: catching up'), { timeoutMs: 15_000, message: 'the example did not reconnect' });
    for (let i = 510; i < 520; i++) await change(i);
    const last = published.at(-1)!.rev;
    await waitFor(() => changesIn(out).some((c) => c.rev === last), { timeoutMs: 10_000, message: 'the example did not catch up' });

    const applied = changesIn(out).slice(loadedLines);
    expect(applied).toEqual(published);
    expect(new Set(applied.map((c) => c.rev)).size).toBe(published.length);
    for (let i = 1; i < applied.length; i++) expect(applied[i]!.rev).toBeGreaterThan(applied[i - 1]!.rev);
    expect(out).not.toContain('other.k');

    example.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toMatch(/ stopped\n$/);
  });
});
