// SIGTERM: the proxy stops accepting, answers every command it already read, ends each
// connection with a FIN (subscribers too) and exits 0.

import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRedis, type RedisProcess } from '../helpers/redis.js';
import { startProxyProcess } from '../helpers/proxy.js';
import { countReplies, rawExchange } from '../helpers/resp.js';
import { waitFor } from '../helpers/poll.js';

let redis: RedisProcess;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
});

interface Observed {
  bytes: Buffer;
  ended: boolean;
  reset: boolean;
}

async function clientList(port: number): Promise<string> {
  return (await rawExchange(port, 'CLIENT LIST\r\n', 1)).reply;
}

function observe(port: number, request: string): { socket: net.Socket; seen: Observed } {
  const seen: Observed = { bytes: Buffer.alloc(0), ended: false, reset: false };
  const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
  socket.on('data', (chunk: Buffer) => (seen.bytes = Buffer.concat([seen.bytes, chunk])));
  socket.on('end', () => (seen.ended = true));
  socket.on('error', () => (seen.reset = true));
  return { socket, seen };
}

it('SIGTERM during a pipelined load answers every command read, then ends connections cleanly', async () => {
  const proxy = await startProxyProcess(['--upstream', `127.0.0.1:${redis.port}`, '--log-level', 'warn']);
  const pipeline = 'BLPOP shutdown-queue 1\r\n' + 'INCR shutdown-counter\r\n'.repeat(500);
  const workers = Array.from({ length: 10 }, () => observe(proxy.port, pipeline));
  const subscriber = observe(proxy.port, 'SUBSCRIBE news\r\n');
  await waitFor(() => subscriber.seen.bytes.length > 0, { timeoutMs: 5000, message: 'subscriber not subscribed' });
  // Each pipeline starts with a BLPOP that times out after a second: until then all of it is owed.
  await waitFor(async () => (await clientList(redis.port)).split('cmd=blpop').length > 10, { timeoutMs: 5000, intervalMs: 10, message: 'the BLPOPs did not block' });

  const exitCode = await proxy.stop('SIGTERM');

  expect(exitCode).toBe(0);
  for (const { seen } of workers) {
    await waitFor(() => seen.ended || seen.reset, { timeoutMs: 5000, message: 'connection not ended' });
    expect(seen.reset).toBe(false);
    expect(countReplies(seen.bytes)).toBe(501);
  }
  expect(subscriber.seen.ended).toBe(true);
  expect(subscriber.seen.reset).toBe(false);
}, 30_000);

it('stops accepting at once and exits within the shutdown deadline even if a client never reads', async () => {
  const proxy = await startProxyProcess(['--upstream', `127.0.0.1:${redis.port}`, '--shutdown-timeout', '500', '--log-level', 'warn']);
  const stuck = net.connect(proxy.port, '127.0.0.1', () => stuck.write('BLPOP never 0\r\n'));
  stuck.on('error', () => {});
  await waitFor(() => stuck.readyState === 'open', { timeoutMs: 2000, message: 'no connection' });
  const started = Date.now();
  expect(await proxy.stop('SIGTERM')).toBe(0);
  expect(Date.now() - started).toBeLessThan(5000);
  stuck.destroy();
}, 30_000);
