// Configuration publishing through the real proxy: revisions, MD5, IFREV, history, rollback,
// delete, events on the channels and in the log, limits and errors, and diamond_list (the bounded
// walk, the CURSOR iteration, and 100 000 keys while another client measures how long Redis is
// busy). On a Sentinel group with two proxies: publish -> subscriber latency over 1 000 publishes
// (printed as p50/p99), and a SIGKILL of the master between publishes that loses no acknowledged
// value and keeps revisions increasing.

import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys, tenant, SYSTEM_CHANNELS } from '../../src/state/keys.js';
import { startRedis, type RedisProcess } from '../helpers/redis.js';
import { clientPool } from '../helpers/clients.js';
import { startProxyProcess, type ProxyProcess } from '../helpers/proxy.js';
import { startTestGroup, type TestGroup } from '../helpers/group.js';
import { rawConnect, encodeCommand } from '../helpers/resp.js';
import { waitFor } from '../helpers/poll.js';

const run = promisify(execFile);
const T = tenant('agent.zy', 'diamond');
const TENANT_FLAGS = ['--owner', T.owner, '--business', T.business];

let redis: RedisProcess;
let proxy: ProxyProcess;
let direct: Redis;
let c: Redis;
const { connect, track, closeAll } = clientPool();


const call = (...args: (string | number | Buffer)[]): Promise<unknown> => c.call(args[0] as string, ...args.slice(1));
const publish = (channel: string, key: string, value: string | Buffer, ...opts: (string | number)[]): Promise<unknown> =>
  call('sumavlib.suma_diamond_publish', channel, key, value, ...opts);
const md5 = (value: string | Buffer): string => createHash('md5').update(value).digest('hex');
const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

async function errorOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error reply');
}

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(proxy.port), ...args]);
  return stdout.trim();
}

interface DiamondEvent {
  type: string;
  data: { key: string; channel: string; op: string; rev: number; md5?: string; size?: number; value?: string; from?: number };
  seq: string;
  ts: number;
}

interface Received {
  channel: string;
  raw: string;
  event: DiamondEvent;
  /** The log entry for the event's seq, read as soon as the message arrived. */
  logged: Promise<[string, string[]][]>;
}

async function subscribe(port: number, ...channels: string[]): Promise<{ received: Received[]; close(): void }> {
  const sub = connect(port);
  const received: Received[] = [];
  sub.on('message', (channel: string, raw: string) => {
    const event = JSON.parse(raw) as DiamondEvent;
    received.push({ channel, raw, event, logged: direct.xrange(keys.events(T), event.seq, event.seq) });
  });
  await sub.subscribe(...channels);
  return { received, close: () => sub.disconnect() };
}

beforeAll(async () => {
  redis = await startRedis();
  proxy = await startProxyProcess(['--upstream', `127.0.0.1:${redis.port}`, ...TENANT_FLAGS, '--log-level', 'warn']);
  direct = new Redis({ port: redis.port });
  c = connect(proxy.port);
});

afterAll(async () => {
  closeAll();
  direct?.disconnect();
  await proxy?.stop();
  await redis?.stop();
});

describe('suma_diamond_publish and suma_diamond_get', () => {
  it('stores values under strictly increasing tenant-wide revisions, with their MD5', async () => {
    const first = (await publish('app', 'pub.a', 'one', 'WITHREV')) as [number, number];
    expect(first[0]).toBe(1);
    expect(await publish('app', 'pub.b', 'two')).toBe(1);
    const third = (await publish('app', 'pub.a', 'three', 'WITHREV')) as [number, number];
    expect(third).toEqual([1, first[1] + 2]);
    expect(await call('sumavlib.suma_diamond_get', 'pub.a')).toBe('three');
    expect(await call('sumavlib.suma_diamond_get', 'pub.a', 'WITHREV')).toEqual(['three', third[1], md5('three')]);
    expect(await call('sumavlib.suma_diamond_get', 'pub.b', 'withrev')).toEqual(['two', first[1] + 1, md5('two')]);
    expect(await call('sumavlib.suma_diamond_get', 'pub.none')).toBeNull();
    expect(await call('sumavlib.suma_diamond_get', 'pub.none', 'WITHREV')).toEqual([null, 0, null]);
    expect(await cli('SUMAVLIB.SUMA_DIAMOND_GET', 'pub.a')).toBe('three');
  });

  it('an identical value succeeds, keeps its revision and emits nothing', async () => {
    const [, rev] = (await publish('app', 'same', 'v', 'WITHREV')) as [number, number];
    const before = (await direct.xlen(keys.events(T)));
    expect(await publish('app', 'same', 'v', 'WITHREV')).toEqual([1, rev]);
    expect(await publish('app', 'same', 'v')).toBe(1);
    expect(await direct.xlen(keys.events(T))).toBe(before);
    expect(await direct.llen(keys.diamond(T, 'same'))).toBe(1);
  });

  it('values are stored byte for byte: UTF-8, binary-looking text, empty, spaces, CR LF', async () => {
    for (const value of ['', ' ', 'héllo wörld ✓ 日本', 'a\r\nb', 'x'.repeat(100 * 1024), '{"json": 1.50}', '0 1 2 3']) {
      expect(await publish('app', 'bytes', value)).toBe(1);
      expect(await call('sumavlib.suma_diamond_get', 'bytes', 'WITHREV')).toEqual([value, expect.any(Number), md5(value)]);
    }
  });

  it('IFREV is a compare-and-set; 0 means create only', async () => {
    expect(await publish('app', 'cas', 'v1', 'IFREV', 0, 'WITHREV')).toEqual([1, expect.any(Number)]);
    const [, rev1] = (await call('sumavlib.suma_diamond_get', 'cas', 'WITHREV')) as [string, number];
    expect(await publish('app', 'cas', 'again', 'IFREV', 0, 'WITHREV')).toEqual([0, rev1]);
    expect(await publish('app', 'cas', 'v2', 'IFREV', rev1)).toBe(1);
    const [, rev2] = (await call('sumavlib.suma_diamond_get', 'cas', 'WITHREV')) as [string, number];
    // A stale revision is refused and changes nothing.
    expect(await publish('app', 'cas', 'v3', 'IFREV', rev1)).toBe(0);
    expect(await publish('app', 'cas', 'v3', 'WITHREV', 'IFREV', rev1)).toEqual([0, rev2]);
    expect(await call('sumavlib.suma_diamond_get', 'cas')).toBe('v2');
    expect(await publish('app', 'cas', 'v3', 'ifrev', rev2, 'withrev')).toEqual([1, expect.any(Number)]);
    expect(await publish('app', 'cas-new', 'v', 'IFREV', 5)).toBe(0);
    expect(await call('sumavlib.suma_diamond_get', 'cas-new')).toBeNull();
  });

  it('events on the channel and on __suma.diamond, logged before they are published; the value only up to 4 KiB', async () => {
    const events = await subscribe(proxy.port, 'cfg.events', SYSTEM_CHANNELS.diamond);
    const small = 's'.repeat(4096);
    const large = 'l'.repeat(4097);
    const [, r1] = (await publish('cfg.events', 'ev.key', small, 'WITHREV')) as [number, number];
    const [, r2] = (await publish('cfg.events', 'ev.key', large, 'WITHREV')) as [number, number];
    const [, r3] = (await publish('cfg.events', 'ev.key', '{"quoted": "\\"x\\"", "u": "é/✓"}', 'WITHREV')) as [number, number];
    await waitFor(() => events.received.length >= 6, { timeoutMs: 5000, message: 'events did not arrive' });
    events.close();
    expect(events.received.map((r) => [r.channel, r.event.type, r.event.data.rev])).toEqual([
      ['cfg.events', 'diamond', r1],
      [SYSTEM_CHANNELS.diamond, 'diamond', r1],
      ['cfg.events', 'diamond', r2],
      [SYSTEM_CHANNELS.diamond, 'diamond', r2],
      ['cfg.events', 'diamond', r3],
      [SYSTEM_CHANNELS.diamond, 'diamond', r3],
    ]);
    const [e1, e1s, e2, , e3] = events.received;
    expect(e1!.raw).toBe(e1s!.raw);
    expect(Object.keys(e1!.event)).toEqual(['type', 'data', 'seq', 'ts']);
    expect(e1!.event.data).toEqual({ key: 'ev.key', channel: 'cfg.events', op: 'publish', rev: r1, md5: md5(small), size: 4096, value: small });
    expect(e2!.event.data).toEqual({ key: 'ev.key', channel: 'cfg.events', op: 'publish', rev: r2, md5: md5(large), size: 4097 });
    expect(e3!.event.data.value).toBe('{"quoted": "\\"x\\"", "u": "é/✓"}');
    expect(e3!.event.data.size).toBe(Buffer.byteLength(e3!.event.data.value!));
    for (const r of events.received) {
      const [entry] = await r.logged;
      expect(entry![0]).toBe(r.event.seq);
      expect(entry![1].filter((_, i) => i % 2 === 0)).toEqual(['type', 'data', 'ts']);
      expect(JSON.parse(entry![1][3]!)).toEqual(r.event.data);
    }
    // suma_events_since gives the same bytes as the system channel.
    const since = (await call('sumavlib.suma_events_since', events.received[0]!.event.seq)) as string[];
    expect(since.slice(0, 2)).toEqual([e2!.raw, e3!.raw]);
  });
});

describe('suma_diamond_history, rollback and delete', () => {
  it('keeps the last 50 versions, newest first, the current one first', async () => {
    const revs: number[] = [];
    for (let i = 1; i <= 60; i++) revs.push(((await publish('app', 'hist', `v${i}`, 'WITHREV')) as [number, number])[1]);
    expect(await direct.llen(keys.diamond(T, 'hist'))).toBe(50);
    const history = (await call('sumavlib.suma_diamond_history', 'hist')) as [number, string, number, number, string][];
    expect(history).toHaveLength(50);
    expect(history.map((v) => v[0])).toEqual(revs.slice(10).reverse());
    expect(history[0]).toEqual([revs[59], md5('v60'), 3, expect.any(Number), 'v60']);
    expect(history[49]![4]).toBe('v11');
    expect(history[0]![3]).toBeGreaterThanOrEqual(history[49]![3]);
    expect(await call('sumavlib.suma_diamond_history', 'hist', 'COUNT', 2)).toEqual(history.slice(0, 2));
    expect(await call('sumavlib.suma_diamond_history', 'hist', 'COUNT', 1000)).toEqual(history);
    expect(await call('sumavlib.suma_diamond_history', 'nothing-here')).toEqual([]);
  });

  it('rollback republishes an old value as a new revision', async () => {
    const events = await subscribe(proxy.port, SYSTEM_CHANNELS.diamond);
    const [, r1] = (await publish('app', 'rb', 'good', 'WITHREV')) as [number, number];
    const [, r2] = (await publish('app', 'rb', 'bad', 'WITHREV')) as [number, number];
    const back = (await call('sumavlib.suma_diamond_rollback', 'app', 'rb', r1, 'WITHREV')) as [number, number];
    expect(back[0]).toBe(1);
    expect(back[1]).toBeGreaterThan(r2);
    expect(await call('sumavlib.suma_diamond_get', 'rb', 'WITHREV')).toEqual(['good', back[1], md5('good')]);
    expect(((await call('sumavlib.suma_diamond_history', 'rb')) as unknown[][]).map((v) => [v[0], v[4]])).toEqual([
      [back[1], 'good'],
      [r2, 'bad'],
      [r1, 'good'],
    ]);
    // Rolling back to the value that is current changes nothing.
    expect(await call('sumavlib.suma_diamond_rollback', 'app', 'rb', r1, 'WITHREV')).toEqual([1, back[1]]);
    expect(await call('sumavlib.suma_diamond_rollback', 'app', 'rb', r2)).toBe(1);
    expect(await call('sumavlib.suma_diamond_get', 'rb')).toBe('bad');
    // A revision that is not in the key's history.
    expect(await call('sumavlib.suma_diamond_rollback', 'app', 'rb', 999_999)).toBe(0);
    expect(await call('sumavlib.suma_diamond_rollback', 'app', 'rb-none', r1, 'WITHREV')).toEqual([0, 0]);
    await waitFor(() => events.received.length >= 4, { timeoutMs: 5000, message: 'no rollback events' });
    events.close();
    expect(events.received[2]!.event.data).toEqual({ key: 'rb', channel: 'app', op: 'rollback', rev: back[1], from: r1, md5: md5('good'), size: 4, value: 'good' });
  });

  it('delete removes the key and its history, takes a revision and is announced', async () => {
    const events = await subscribe(proxy.port, 'del.ch');
    const [, r1] = (await publish('app', 'del', 'x', 'WITHREV')) as [number, number];
    expect(await call('sumavlib.suma_diamond_delete', 'del.ch', 'del', 'IFREV', r1 - 1)).toBe(0);
    expect(await call('sumavlib.suma_diamond_get', 'del')).toBe('x');
    const [deleted, rev] = (await call('sumavlib.suma_diamond_delete', 'del.ch', 'del', 'IFREV', r1, 'WITHREV')) as [number, number];
    expect(deleted).toBe(1);
    expect(rev).toBe(r1 + 1);
    expect(await call('sumavlib.suma_diamond_get', 'del')).toBeNull();
    expect(await call('sumavlib.suma_diamond_history', 'del')).toEqual([]);
    expect(await direct.exists(keys.diamond(T, 'del'))).toBe(0);
    expect(await direct.zscore(keys.diamonds(T), 'del')).toBeNull();
    expect(await call('sumavlib.suma_diamond_list', 'del')).toEqual([]);
    expect(await call('sumavlib.suma_diamond_delete', 'del.ch', 'del')).toBe(0);
    await waitFor(() => events.received.length >= 1, { timeoutMs: 5000, message: 'no delete event' });
    events.close();
    expect(events.received[0]!.event.data).toEqual({ key: 'del', channel: 'del.ch', op: 'delete', rev });
    // Created again, it starts a new history with a new revision.
    expect(await publish('app', 'del', 'y', 'IFREV', 0, 'WITHREV')).toEqual([1, rev + 1]);
  });
});

describe('limits and errors', () => {
  it('argument errors, in Redis wording; nothing is written by a refused call', async () => {
    const arity = (cmd: string): string => `ERR wrong number of arguments for 'sumavlib.suma_diamond_${cmd}' command`;
    expect(await errorOf(call('sumavlib.suma_diamond_publish', 'app', 'k'))).toBe(arity('publish'));
    expect(await errorOf(call('sumavlib.suma_diamond_get'))).toBe(arity('get'));
    expect(await errorOf(call('sumavlib.suma_diamond_history'))).toBe(arity('history'));
    expect(await errorOf(call('sumavlib.suma_diamond_rollback', 'app', 'k'))).toBe(arity('rollback'));
    expect(await errorOf(call('sumavlib.suma_diamond_delete', 'app'))).toBe(arity('delete'));
    expect(await errorOf(call('sumavlib.suma_diamond_list'))).toBe(arity('list'));
    expect(await errorOf(publish('app', 'err', 'v', 'IFREV'))).toBe('ERR syntax error');
    expect(await errorOf(publish('app', 'err', 'v', 'IFREV', 'x'))).toBe('ERR value is not an integer or out of range');
    expect(await errorOf(publish('app', 'err', 'v', 'IFREV', -1))).toBe('ERR value is not an integer or out of range');
    expect(await errorOf(publish('app', 'err', 'v', 'NX'))).toBe('ERR syntax error');
    expect(await errorOf(publish('app', 'err', 'v'.repeat(100 * 1024 + 1)))).toBe('ERR value too large (max 102400 bytes)');
    expect(await errorOf(publish('app', 'err', Buffer.from([0x61, 0xff, 0x62])))).toBe('ERR value is not valid UTF-8 text');
    expect(await errorOf(publish('app', 'k'.repeat(257), 'v'))).toBe('ERR value too large (max 256 bytes)');
    expect(await errorOf(publish('c'.repeat(257), 'err', 'v'))).toBe('ERR value too large (max 256 bytes)');
    for (const reserved of [SYSTEM_CHANNELS.diamond, '__suma.x']) {
      expect(await errorOf(publish(reserved, 'err', 'v'))).toBe('NOPERM the __suma.* channels are reserved for system events');
      expect(await errorOf(call('sumavlib.suma_diamond_delete', reserved, 'err'))).toBe('NOPERM the __suma.* channels are reserved for system events');
      expect(await errorOf(call('sumavlib.suma_diamond_rollback', reserved, 'err', 1))).toBe('NOPERM the __suma.* channels are reserved for system events');
    }
    expect(await errorOf(call('sumavlib.suma_diamond_get', 'k', 'WITHSCORES'))).toBe('ERR syntax error');
    expect(await errorOf(call('sumavlib.suma_diamond_history', 'k', 'COUNT', 0))).toBe('ERR syntax error');
    expect(await errorOf(call('sumavlib.suma_diamond_rollback', 'app', 'k', 'latest'))).toBe('ERR value is not an integer or out of range');
    expect(await errorOf(call('sumavlib.suma_diamond_list', '*', 'CURSOR', 'abc'))).toBe('ERR invalid cursor');
    expect(await errorOf(call('sumavlib.suma_diamond_list', '*', 'CURSOR', '18446744073709551616'))).toBe('ERR invalid cursor');
    expect(await errorOf(call('sumavlib.suma_diamond_list', '*', 'CURSOR', '5:6'))).toBe('ERR invalid cursor');
    expect(await errorOf(call('sumavlib.suma_diamond_list', '*', 'COUNT', 0))).toBe('ERR syntax error');
    expect(await errorOf(call('sumavlib.suma_diamond_list', '*', 'CURSOR'))).toBe('ERR syntax error');
    expect(await errorOf(call('sumavlib.suma_diamond_list', 'p'.repeat(257)))).toBe('ERR value too large (max 256 bytes)');
    expect(await call('sumavlib.suma_diamond_get', 'err')).toBeNull();
    // The limits themselves are allowed.
    expect(await publish('app', 'k'.repeat(256), 'v'.repeat(100 * 1024))).toBe(1);
  });

  it('memory stays bounded: 300 publishes of 100 KiB to one key keep 50 versions', async () => {
    const before = Number(/used_memory:(\d+)/.exec(await direct.info('memory'))![1]);
    const pipeline = c.pipeline();
    for (let i = 0; i < 300; i++) pipeline.call('sumavlib.suma_diamond_publish', 'app', 'big', `${i}:${'b'.repeat(100 * 1024 - 8)}`);
    const replies = (await pipeline.exec())!;
    expect(replies.every(([err, v]) => err === null && v === 1)).toBe(true);
    expect(await direct.llen(keys.diamond(T, 'big'))).toBe(50);
    const after = Number(/used_memory:(\d+)/.exec(await direct.info('memory'))![1]);
    // 50 versions of 100 KiB; the events carried no value (over 4 KiB).
    expect(after - before).toBeLessThan(15 * 1024 * 1024);
  });
});

describe('suma_diamond_list', () => {
  beforeAll(async () => {
    const pipeline = c.pipeline();
    for (let i = 0; i < 150; i++) pipeline.call('sumavlib.suma_diamond_publish', 'app', `list-${String(i).padStart(3, '0')}`, `v${i}`);
    await pipeline.exec();
  });

  it('without CURSOR: at most 100 keys, all distinct and matching; fewer when fewer match', async () => {
    const listed = (await call('sumavlib.suma_diamond_list', 'list-*')) as string[];
    expect(listed).toHaveLength(100);
    expect(new Set(listed).size).toBe(100);
    expect(listed.every((k) => /^list-\d{3}$/.test(k))).toBe(true);
    expect(((await call('sumavlib.suma_diamond_list', 'list-14?')) as string[]).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `list-14${i}`));
    expect(await call('sumavlib.suma_diamond_list', 'list-14?', 'COUNT', 3)).toHaveLength(3);
    expect(await call('sumavlib.suma_diamond_list', 'nothing*')).toEqual([]);
    const withRev = (await call('sumavlib.suma_diamond_list', 'list-00?', 'WITHREV')) as (string | number)[];
    expect(withRev).toHaveLength(20);
    for (let i = 0; i < withRev.length; i += 2) {
      expect((await call('sumavlib.suma_diamond_get', withRev[i] as string, 'WITHREV')) as unknown[]).toEqual([expect.any(String), withRev[i + 1], expect.any(String)]);
    }
    expect((await cli('sumavlib.suma_diamond_list', 'list-149')).split('\n')).toEqual(['list-149']);
  });

  it('with CURSOR: a full iteration returns every key, pages of at most COUNT, ending at cursor 0', async () => {
    for (const count of [1, 7, 100]) {
      const seen: string[] = [];
      let cursor = '0';
      let calls = 0;
      do {
        const [next, page] = (await call('sumavlib.suma_diamond_list', 'list-*', 'CURSOR', cursor, 'COUNT', count)) as [string, string[]];
        expect(page.length).toBeLessThanOrEqual(count);
        seen.push(...page);
        cursor = next;
        calls++;
      } while (cursor !== '0' && calls < 1000);
      expect(cursor).toBe('0');
      expect(new Set(seen).size).toBe(150);
      expect(seen.length).toBe(150); // an unchanged set: no duplicates either
    }
    const [, withRev] = (await call('sumavlib.suma_diamond_list', 'list-001', 'CURSOR', 0, 'WITHREV')) as [string, (string | number)[]];
    expect(withRev).toEqual(['list-001', expect.any(Number)]);
  });

  it('matches exactly what Redis SCAN MATCH matches', async () => {
    const names = ['a/b', 'a/b/c', 'a.b', 'ab', 'abc', 'a*c', 'a?c', 'x[1]', 'h\\y', 'hello', 'hallo', 'hxllo', 'hllo', 'B', 'b', '-', ']', '^x', 'é', 'ü'];
    const patterns = ['*', '?', 'h?llo', 'h*llo', 'h[ae]llo', 'h[^e]llo', 'h[b-a]llo', '[a-z]', 'a/*', 'a\\*c', 'x\\[1\\]', 'x[[]1]', 'h\\\\y', '[^a-z]*', '[\\]]', '[-]', '{a,b}', 'h[', '??', '[é]'];
    const pipeline = c.pipeline();
    for (const name of names) pipeline.call('sumavlib.suma_diamond_publish', 'app', `glob:${name}`, 'v');
    await pipeline.exec();
    await direct.sadd('glob-reference', ...names.map((n) => `glob:${n}`));
    for (const pattern of patterns) {
      const [, fromRedis] = await direct.sscan('glob-reference', 0, 'MATCH', `glob:${pattern}`, 'COUNT', 1000);
      expect([...((await call('sumavlib.suma_diamond_list', `glob:${pattern}`)) as string[])].sort(byBytes), pattern).toEqual(fromRedis.sort(byBytes));
    }
  });

  it.each(['churn-*', '*hurn-*'])('%s: keys present through a whole iteration are returned while others come and go', async (pattern) => {
    const tag = pattern === 'churn-*' ? 'r' : 'z';
    const stable = Array.from({ length: 300 }, (_, i) => `churn-${tag}${i}`);
    let pipeline = c.pipeline();
    for (const key of stable) pipeline.call('sumavlib.suma_diamond_publish', 'app', key, 'v');
    await pipeline.exec();
    const seen = new Set<string>();
    let cursor = '0';
    let round = 0;
    do {
      const [next, page] = (await call('sumavlib.suma_diamond_list', pattern, 'CURSOR', cursor, 'COUNT', 13)) as [string, string[]];
      expect(page.length).toBeLessThanOrEqual(100);
      for (const key of page) seen.add(key);
      cursor = next;
      // Grow the index past rehash thresholds and delete earlier additions while iterating.
      pipeline = c.pipeline();
      for (let i = 0; i < 40; i++) pipeline.call('sumavlib.suma_diamond_publish', 'app', `churn-${tag}t${round}-${i}`, 'v');
      if (round > 0) for (let i = 0; i < 40; i += 2) pipeline.call('sumavlib.suma_diamond_delete', 'app', `churn-${tag}t${round - 1}-${i}`);
      await pipeline.exec();
      round++;
    } while (cursor !== '0' && round < 5000);
    expect(cursor).toBe('0');
    expect(stable.filter((k) => !seen.has(k))).toEqual([]);
  });

  it('a cursor from a walk of another kind is refused', async () => {
    const [rangeCursor] = (await call('sumavlib.suma_diamond_list', 'list-*', 'CURSOR', 0, 'COUNT', 5)) as [string, string[]];
    expect(rangeCursor).toMatch(/^L[0-9a-f]+$/);
    expect(await errorOf(call('sumavlib.suma_diamond_list', '*', 'CURSOR', rangeCursor))).toBe('ERR invalid cursor');
    const [scanCursor] = (await call('sumavlib.suma_diamond_list', '*', 'CURSOR', 0, 'COUNT', 5)) as [string, string[]];
    expect(scanCursor).toMatch(/^\d+$/);
    expect(await errorOf(call('sumavlib.suma_diamond_list', 'list-*', 'CURSOR', scanCursor))).toBe('ERR invalid cursor');
  });

  it('a small tenant, whose index comes whole in one page, still gets pages of at most COUNT', async () => {
    const small = tenant('agent.zy', 'small');
    const other = await startProxyProcess(['--upstream', `127.0.0.1:${redis.port}`, '--owner', small.owner, '--business', small.business, '--log-level', 'warn']);
    try {
      const s = connect(other.port);
      const names = Array.from({ length: 30 }, (_, i) => `k${i}`);
      for (const name of names) await s.call('sumavlib.suma_diamond_publish', 'app', name, 'v');
      expect(await direct.object('ENCODING', keys.diamonds(small))).toBe('listpack');
      expect(((await s.call('sumavlib.suma_diamond_list', '*')) as string[]).sort()).toEqual([...names].sort());
      for (const pattern of ['*', '?*', '*1*']) {
        const expected = names.filter((n) => pattern !== '*1*' || n.includes('1'));
        const seen: string[] = [];
        let cursor = '0';
        let calls = 0;
        do {
          const [next, page] = (await s.call('sumavlib.suma_diamond_list', pattern, 'CURSOR', cursor, 'COUNT', 7)) as [string, string[]];
          expect(page.length).toBeLessThanOrEqual(7);
          seen.push(...page);
          cursor = next;
          // A key added and one deleted between calls do not disturb the others.
          await s.call('sumavlib.suma_diamond_publish', 'app', `n${calls}`, 'v');
          await s.call('sumavlib.suma_diamond_delete', 'app', `n${calls}`);
          calls++;
        } while (cursor !== '0' && calls < 100);
        expect(seen.sort(), pattern).toEqual([...expected].sort());
      }
    } finally {
      await other.stop();
    }
  });

  describe('over 100 000 keys', () => {
    const N = 100_000;
    let seeded = 0;

    beforeAll(async () => {
      // Seeded through the proxy, as publishes, in pipelined batches.
      const started = Date.now();
      for (let base = 0; base < N; base += 5000) {
        const pipeline = c.pipeline();
        for (let i = base; i < base + 5000; i++) pipeline.call('sumavlib.suma_diamond_publish', 'bulk', `big-${i}`, `value-${i}`);
        const replies = (await pipeline.exec())!;
        seeded += replies.filter(([err, v]) => err === null && v === 1).length;
      }
      console.log(`seeded ${seeded} config keys through the proxy in ${Date.now() - started} ms`);
    }, 300_000);

    it('answers at most 100 keys per call without blocking another client for more than a few ms', async () => {
      expect(seeded).toBe(N);
      expect(await direct.zcard(keys.diamonds(T))).toBeGreaterThanOrEqual(N);
      await direct.config('SET', 'slowlog-log-slower-than', '0');
      await direct.config('SET', 'slowlog-max-len', '100000');
      await direct.slowlog('RESET');
      // Another client pings Redis back to back and records every round trip.
      const pinger = connect(redis.port);
      let pinging = true;
      const pings: number[] = [];
      const pingLoop = (async () => {
        while (pinging) {
          const t0 = process.hrtime.bigint();
          await pinger.ping();
          pings.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      })();
      const callMs: number[] = [];
      const sizes: number[] = [];
      for (const pattern of ['*', 'big-*', 'big-9999?', '*77*', 'big-1*3', 'no-such-*', 'big-[0-4]*5']) {
        for (let i = 0; i < 10; i++) {
          const t0 = process.hrtime.bigint();
          const listed = (await call('sumavlib.suma_diamond_list', pattern)) as string[];
          callMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
          sizes.push(listed.length);
          expect(listed.length).toBeLessThanOrEqual(100);
        }
      }
      pinging = false;
      await pingLoop;
      await direct.config('SET', 'slowlog-log-slower-than', '10000');
      const slow = (await direct.slowlog('GET', 100_000)) as [number, number, number, string[]][];
      const scripts = slow.filter((e) => e[3][0]?.toLowerCase().startsWith('eval')).map((e) => e[2] / 1000);
      const maxPing = Math.max(...pings);
      const maxScript = Math.max(...scripts);
      console.log(
        `diamond_list over ${N} keys: reply sizes ${Math.min(...sizes)}..${Math.max(...sizes)}, call p50 ${pct(callMs, 50).toFixed(2)} ms max ${Math.max(...callMs).toFixed(2)} ms; ` +
          `longest script on Redis ${maxScript.toFixed(2)} ms; another client's PING: ${pings.length} round trips, p50 ${pct(pings, 50).toFixed(2)} ms, max ${maxPing.toFixed(2)} ms`,
      );
      // '*' walks the hash table: a bucket that does not fit waits for the next call. 'big-*' reads a range.
      expect(Math.min(...sizes.slice(0, 10))).toBeGreaterThanOrEqual(90);
      expect(sizes.slice(10, 20)).toEqual(Array(10).fill(100));
      expect(maxScript).toBeLessThan(10);
      expect(maxPing).toBeLessThan(50);
    });

    it.each(['big-*', '*'])('a CURSOR iteration with %s returns each key, 100 per call at most', async (pattern) => {
      const seen = new Set<string>();
      let cursor = '0';
      let calls = 0;
      let total = 0;
      do {
        const [next, page] = (await call('sumavlib.suma_diamond_list', pattern, 'CURSOR', cursor)) as [string, string[]];
        expect(page.length).toBeLessThanOrEqual(100);
        for (const key of page) if (key.startsWith('big-')) seen.add(key);
        total += page.length;
        cursor = next;
        calls++;
      } while (cursor !== '0');
      expect(seen.size).toBe(N);
      if (pattern === 'big-*') expect(total).toBe(N); // the range walk gives each key once
      expect(calls).toBeGreaterThanOrEqual(N / 100);
    });

    it('a prefix pattern finds its few keys among 100 000 at once', async () => {
      expect(((await call('sumavlib.suma_diamond_list', 'big-9999?')) as string[]).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `big-9999${i}`));
      expect(await call('sumavlib.suma_diamond_list', 'big-12345')).toEqual(['big-12345']);
      expect(((await call('sumavlib.suma_diamond_list', 'big-1234*')) as string[]).sort()).toEqual(
        ['big-1234', ...Array.from({ length: 10 }, (_, i) => `big-1234${i}`)].sort(),
      );
    });
  });
});

describe('with standard commands', () => {
  it('pipelined with standard commands, replies keep request order', async () => {
    const conn = await rawConnect(proxy.port);
    conn.send(
      Buffer.concat([
        encodeCommand('SET', 'pipe-k', '1'),
        encodeCommand('sumavlib.suma_diamond_publish', 'app', 'pipe-cfg', 'A', 'IFREV', '0'),
        encodeCommand('GET', 'pipe-k'),
        encodeCommand('sumavlib.suma_diamond_get', 'pipe-cfg'),
        Buffer.from('PING\r\n'),
        encodeCommand('sumavlib.suma_diamond_publish', 'app', 'pipe-cfg', 'B', 'IFREV', '0'),
        encodeCommand('sumavlib.suma_diamond_list', 'pipe-*'),
        encodeCommand('INCR', 'pipe-k'),
      ]),
    );
    await conn.readUntil('+OK\r\n:1\r\n$1\r\n1\r\n$1\r\nA\r\n+PONG\r\n:0\r\n*1\r\n$8\r\npipe-cfg\r\n:2\r\n');
    conn.close();
  });

  it('COMMAND INFO knows the family', async () => {
    const names = ['publish', 'list', 'get', 'history', 'rollback', 'delete'].map((n) => `sumavlib.suma_diamond_${n}`);
    const info = (await c.call('COMMAND', 'INFO', ...names)) as unknown[][];
    expect(info.map((e) => [e[0], e[1]])).toEqual([
      [names[0], -4],
      [names[1], -2],
      [names[2], -2],
      [names[3], -2],
      [names[4], -4],
      [names[5], -3],
    ]);
  });
});

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

describe('on a Sentinel group, through two proxies', () => {
  let group: TestGroup;
  let pa: ProxyProcess;
  let pb: ProxyProcess;
  let a: Redis;
  let b: Redis;

  beforeAll(async () => {
    group = await startTestGroup();
    const sentinels = group.sentinelAddrs().flatMap((s) => ['--sentinel', `${s.host}:${s.port}`]);
    const args = [...sentinels, '--master-name', group.masterName, ...TENANT_FLAGS, '--log-level', 'warn'];
    [pa, pb] = await Promise.all([startProxyProcess(args), startProxyProcess(args)]);
    a = new Redis({ port: pa.port, maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false });
    b = new Redis({ port: pb.port, maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false });
    for (const r of [a, b]) r.on('error', () => {});
    track(a, b);
  });

  afterAll(async () => {
    for (const node of group?.dataNodes() ?? []) {
      try {
        process.kill(node.pid, 'SIGCONT');
      } catch {
        // already gone
      }
    }
    await Promise.all([pa?.stop(), pb?.stop()]);
    await group?.stop();
  });

  it('1 000 publishes through one proxy reach a subscriber on the other in under a second', async () => {
    const sub = new Redis({ port: pb.port });
    track(sub);
    const arrived = new Map<number, number>();
    sub.on('message', (_ch: string, raw: string) => {
      const event = JSON.parse(raw) as DiamondEvent;
      arrived.set(Number(event.data.value!.split(':')[0]), performance.now());
    });
    await sub.subscribe('fleet.cfg');
    const sent: number[] = [];
    const revs: number[] = [];
    for (let i = 0; i < 1000; i++) {
      sent[i] = performance.now();
      const [stored, rev] = (await a.call('sumavlib.suma_diamond_publish', 'fleet.cfg', `lat-${i % 20}`, `${i}:${'x'.repeat(200)}`, 'WITHREV')) as [number, number];
      expect(stored).toBe(1);
      revs.push(rev);
    }
    await waitFor(() => arrived.size === 1000, { timeoutMs: 10_000, message: `only ${arrived.size} of 1000 events arrived` });
    sub.disconnect();
    const latency = sent.map((t, i) => arrived.get(i)! - t);
    console.log(`publish -> subscriber through two proxies over 1000 publishes: p50 ${pct(latency, 50).toFixed(2)} ms, p99 ${pct(latency, 99).toFixed(2)} ms, max ${Math.max(...latency).toFixed(2)} ms`);
    expect(Math.max(...latency)).toBeLessThan(1000);
    for (let i = 1; i < revs.length; i++) expect(revs[i]).toBeGreaterThan(revs[i - 1]!);
    // Every publish was acknowledged by a replica before its :1.
    expect(await b.call('sumavlib.suma_diamond_get', 'lat-19')).toBe(`999:${'x'.repeat(200)}`);
  });

  it('without a replica acknowledgement: -TRYAGAIN, the value stays, and the retry succeeds once replicas are back', async () => {
    const master = connect(group.master.port);
    for (const r of group.replicas) process.kill(r.pid, 'SIGSTOP');
    try {
      expect(await errorOf(a.call('sumavlib.suma_diamond_publish', 'app', 'dur', 'v1'))).toBe('TRYAGAIN replication not acknowledged');
      expect(await master.lindex(keys.diamond(T, 'dur'), 0)).toMatch(/ v1$/);
      // A compare-and-set that fails changes nothing and needs no acknowledgement.
      expect(await a.call('sumavlib.suma_diamond_publish', 'app', 'dur', 'v2', 'IFREV', 0)).toBe(0);
    } finally {
      for (const r of group.replicas) process.kill(r.pid, 'SIGCONT');
    }
    await waitFor(async () => (await a.call('sumavlib.suma_diamond_publish', 'app', 'dur', 'v1').catch(() => 0)) === 1, {
      timeoutMs: 20_000,
      intervalMs: 200,
      message: 'the publish was never acknowledged after the replicas came back',
    });
    expect((await master.xrange(keys.events(T), '-', '+')).filter(([, f]) => f[1] === 'diamond' && f[3]!.includes('"key":"dur"'))).toHaveLength(1);
  });

  it('a SIGKILL of the master between publishes loses no acknowledged value, and revisions keep increasing', async () => {
    const acked = new Map<string, { value: string; rev: number }>();
    let lastRev = 0;
    let errors = 0;
    let killed = false;
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const key = `fo-${i % 50}`;
        const value = `v${i}`;
        try {
          const [stored, rev] = (await a.call('sumavlib.suma_diamond_publish', 'app', key, value, 'WITHREV')) as [number, number];
          if (stored === 1) {
            expect(rev).toBeGreaterThan(lastRev);
            lastRev = rev;
            acked.set(key, { value, rev });
          }
        } catch {
          errors++;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    })();
    await waitFor(() => acked.size >= 50, { timeoutMs: 10_000, message: 'no publishes before the kill' });
    const before = lastRev;
    const old = await group.killMaster('SIGKILL');
    killed = true;
    await group.waitForPromotion(old);
    await waitFor(() => lastRev > before + 200, { timeoutMs: 30_000, message: 'publishes did not resume after the failover' });
    stop = true;
    await writer;
    expect(killed).toBe(true);
    // Revisions handed out after the failover are in a higher range: the new config epoch.
    expect(Math.floor(lastRev / 2 ** 32)).toBeGreaterThan(Math.floor(before / 2 ** 32));
    // Each key's last acknowledged version is still there: current, or followed by later writes
    // (ones answered with an error may have been applied too).
    for (const [key, { value, rev }] of acked) {
      const history = (await b.call('sumavlib.suma_diamond_history', key)) as [number, string, number, number, string][];
      expect(history.find((v) => v[0] === rev), key).toEqual([rev, md5(value), Buffer.byteLength(value), expect.any(Number), value]);
    }
    console.log(`failover: ${acked.size} keys checked, ${errors} publishes answered with an error during the failover`);
  });
});
