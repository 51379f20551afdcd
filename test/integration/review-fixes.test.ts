// Cases found by reviewing the data path: each once hung a client, opened upstream connections
// for nobody, or reached a node that was not a master.

import Redis from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRedis, type RedisProcess } from '../helpers/redis.js';
import { startProxyProcess } from '../helpers/proxy.js';
import { rawExchange } from '../helpers/resp.js';
import { waitFor } from '../helpers/poll.js';

let redis: RedisProcess;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
});

it('a SUBSCRIBE that Redis refuses as a whole (NOPERM) answers one error and the connection goes on', async () => {
  const admin = new Redis({ port: redis.port });
  await admin.call('ACL', 'SETUSER', 'nopubsub', 'on', '>pw', '~*', '+@all', '-@pubsub');
  const proxy = await startProxyProcess(['--upstream', `127.0.0.1:${redis.port}`, '--upstream-username', 'nopubsub', '--upstream-password', 'pw', '--log-level', 'warn']);
  try {
    const { reply } = await rawExchange(proxy.port, 'SELECT 1\r\nSUBSCRIBE a b c\r\nPING\r\nHELLO 2 SETNAME x\r\n', 4, 5000);
    expect(reply).toMatch(/^\+OK\r\n-NOPERM [^\r\n]*\r\n\+PONG\r\n\*14\r\n/);
  } finally {
    await proxy.stop();
    admin.disconnect();
  }
});

it('HELLO SETNAME without authentication opens nothing upstream', async () => {
  const proxy = await startProxyProcess(['--upstream', `127.0.0.1:${redis.port}`, '--log-level', 'warn'], { SUMA_REQUIREPASS: 'pw' });
  const admin = new Redis({ port: redis.port });
  try {
    const before = String(await admin.client('LIST')).trim().split('\n').length;
    const replies = await Promise.all(Array.from({ length: 10 }, () => rawExchange(proxy.port, 'HELLO 2 SETNAME x\r\n', 1)));
    for (const r of replies) expect(r.reply).toBe('-NOAUTH Authentication required.\r\n');
    const after = String(await admin.client('LIST')).trim().split('\n').length;
    expect(after).toBeLessThanOrEqual(before);
  } finally {
    admin.disconnect();
    await proxy.stop();
  }
});

it('pointed at a replica, the proxy writes nothing there: commands wait for the handshake and get TRYAGAIN', async () => {
  const replica = await startRedis(['--replicaof', '127.0.0.1', String(redis.port), '--replica-read-only', 'no']);
  const proxy = await startProxyProcess(['--upstream', `127.0.0.1:${replica.port}`, '--failover-window', '500', '--log-level', 'warn']);
  const direct = new Redis({ port: replica.port });
  try {
    const { reply } = await rawExchange(proxy.port, 'SET written-through-proxy 1\r\n', 1, 5000);
    expect(reply).toMatch(/^-TRYAGAIN /);
    await waitFor(async () => (await direct.info('replication')).includes('master_link_status:up'), { timeoutMs: 10_000, message: 'replica not linked' });
    expect(await direct.exists('written-through-proxy')).toBe(0);
  } finally {
    direct.disconnect();
    await proxy.stop();
    await replica.stop();
  }
});

it('SELECT inside MULTI is replayed after the session reconnects: writes stay in the selected db', async () => {
  const proxy = await startProxyProcess(['--upstream', `127.0.0.1:${redis.port}`, '--log-level', 'warn']);
  const client = new Redis({ port: proxy.port, maxRetriesPerRequest: 0 });
  const admin = new Redis({ port: redis.port });
  try {
    await client.select(1);
    expect(await client.multi().select(2).exec()).toEqual([[null, 'OK']]);
    const id = await client.client('ID');
    await admin.client('KILL', 'ID', String(id));
    await waitFor(async () => (await client.set('where-am-i', 'here').catch(() => null)) === 'OK', { timeoutMs: 10_000, message: 'no write after the reconnect' });
    await admin.select(2);
    expect(await admin.exists('where-am-i')).toBe(1);
    await admin.select(1);
    expect(await admin.exists('where-am-i')).toBe(0);
  } finally {
    client.disconnect();
    admin.disconnect();
    await proxy.stop();
  }
});
