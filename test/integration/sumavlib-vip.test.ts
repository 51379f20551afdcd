// The host-registry commands through the real proxy against a real redis-server: every reply shape,
// option and error, kill/reset against lists and leadership, events on the channels and in the
// log, Redis glob patterns, and pipelining with standard commands. Hosts are made live by writing
// the group's live set directly (the data model in src/state/keys.ts) and, where the command
// exists, through suma_keep_alive. A last block runs on a Sentinel group to see -TRYAGAIN when
// replicas do not acknowledge a kill.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys, tenant, SYSTEM_CHANNELS } from '../../src/state/keys.js';
import { globMatch } from '../../src/state/glob.js';
import { startRedis, type RedisProcess } from '../helpers/redis.js';
import { clientPool } from '../helpers/clients.js';
import { startProxyProcess, type ProxyProcess } from '../helpers/proxy.js';
import { startTestGroup, type TestGroup } from '../helpers/group.js';
import { rawConnect, encodeCommand } from '../helpers/resp.js';
import { waitFor } from '../helpers/poll.js';

const run = promisify(execFile);
const T = tenant('agent.zy', 'test');
const TENANT_FLAGS = ['--owner', T.owner, '--business', T.business];

let redis: RedisProcess;
let proxy: ProxyProcess;
let direct: Redis;
let c: Redis;
const { connect, closeAll } = clientPool();


const call = (...args: (string | number)[]): Promise<unknown> => c.call(args[0] as string, ...args.slice(1));

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

/** The master's clock, which decides liveness. */
async function masterNow(db: Redis = direct): Promise<number> {
  const [s, us] = await db.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

/** Makes `vip` live in `group` as a heartbeat would (negative ttl: an entry that has expired). */
async function makeLive(group: string, vip: string, opts: { ttl?: number; meta?: string } = {}, db: Redis = direct): Promise<void> {
  const ttl = opts.ttl ?? 15_000;
  const now = await masterNow(db);
  const m = db
    .multi()
    .zadd(keys.live(T, group), now + ttl, vip)
    .hset(keys.liveTtl(T, group), vip, Math.abs(ttl))
    .sadd(keys.groups(T), group)
    .sadd(keys.seen(T), vip);
  if (opts.meta !== undefined) m.hset(keys.liveMeta(T, group), vip, opts.meta);
  await m.exec();
}

interface SystemEvent {
  type: string;
  data: Record<string, unknown>;
  seq: string;
  ts: number;
}

interface Received {
  channel: string;
  raw: string;
  event: SystemEvent;
  /** The log entry for the event's seq, read as soon as the message arrived. */
  logged: Promise<[string, string[]][]>;
}

async function subscribe(...channels: string[]): Promise<{ received: Received[]; close(): void }> {
  const sub = connect(proxy.port);
  const received: Received[] = [];
  sub.on('message', (channel: string, raw: string) => {
    const event = JSON.parse(raw) as SystemEvent;
    received.push({ channel, raw, event, logged: direct.xrange(keys.events(T), event.seq, event.seq) });
  });
  await sub.subscribe(...channels);
  return { received, close: () => sub.disconnect() };
}

async function eventsOfType(type: string): Promise<Record<string, unknown>[]> {
  const entries = await direct.xrange(keys.events(T), '-', '+');
  return entries.flatMap(([, fields]) => {
    const f = new Map<string, string>();
    for (let i = 0; i < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
    return f.get('type') === type ? [JSON.parse(f.get('data')!) as Record<string, unknown>] : [];
  });
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

describe('suma_vip_register and suma_vip_register_list', () => {
  it('registers persistently, with GROUP and META kept byte for byte, and lists the host', async () => {
    expect(await call('sumavlib.suma_vip_register', 'reg-a')).toBe(1);
    expect(await call('sumavlib.suma_vip_register', 'reg-b', 'GROUP', 'orders', 'META', '{"zone":"z1","weight":1.50}')).toBe(1);
    expect(JSON.parse((await direct.hget(keys.inventory(T), 'reg-b'))!)).toEqual({ group: 'orders', meta: { zone: 'z1', weight: 1.5 }, expires: null });
    expect(await direct.hget(keys.inventory(T), 'reg-b')).toContain('"meta":{"zone":"z1","weight":1.50}');
    expect(await direct.zscore(keys.expiry(T), 'R|reg-a')).toBeNull();
    expect(await direct.sismember(keys.seen(T), 'reg-a')).toBe(1);
    expect(((await call('sumavlib.suma_vip_register_list', 'reg-*')) as string[]).sort()).toEqual(['reg-a', 'reg-b']);
    expect(await call('sumavlib.suma_vip_register_list', 'nothing-*')).toEqual([]);
  });

  it('TTL puts the registration in the expiry set; a later register without TTL makes it persistent', async () => {
    const before = await masterNow();
    expect(await call('sumavlib.suma_vip_register', 'reg-ttl', 'TTL', 5000)).toBe(1);
    const expires = Number(await direct.zscore(keys.expiry(T), 'R|reg-ttl'));
    expect(expires).toBeGreaterThanOrEqual(before + 5000);
    expect(expires).toBeLessThan(before + 6000);
    expect(JSON.parse((await direct.hget(keys.inventory(T), 'reg-ttl'))!)).toEqual({ group: null, meta: null, expires });
    expect(await call('sumavlib.suma_vip_register', 'reg-ttl')).toBe(1);
    expect(await direct.zscore(keys.expiry(T), 'R|reg-ttl')).toBeNull();
  });

  it('a registration whose TTL has passed on the master clock is not listed, even before the sweep', async () => {
    await call('sumavlib.suma_vip_register', 'reg-old', 'TTL', 3000);
    const past = (await masterNow()) - 1;
    await direct.multi().hset(keys.inventory(T), 'reg-old', JSON.stringify({ group: null, meta: null, expires: past })).zadd(keys.expiry(T), past, 'R|reg-old').exec();
    expect(await call('sumavlib.suma_vip_register_list', 'reg-old')).toEqual([]);
    expect(await call('sumavlib.suma_vip_server_list', 'reg-old')).toEqual([]);
  });

  it('register_list returns at most 100 VIPs, all distinct and matching', async () => {
    const pipeline = c.pipeline();
    for (let i = 0; i < 150; i++) pipeline.call('sumavlib.suma_vip_register', `cap-${String(i).padStart(3, '0')}`);
    await pipeline.exec();
    const listed = (await call('sumavlib.suma_vip_register_list', 'cap-*')) as string[];
    expect(listed).toHaveLength(100);
    expect(new Set(listed).size).toBe(100);
    expect(listed.every((v) => /^cap-\d{3}$/.test(v))).toBe(true);
    expect(await call('sumavlib.suma_vip_register_list', 'cap-14?')).toHaveLength(10);
  });

  it('registers emit vip_register once per new registration', async () => {
    await call('sumavlib.suma_vip_register', 'reg-event', 'GROUP', 'g1', 'TTL', 4000);
    await call('sumavlib.suma_vip_register', 'reg-event', 'GROUP', 'g1', 'TTL', 4000);
    expect((await eventsOfType('vip_register')).filter((d) => d.vip === 'reg-event')).toEqual([{ vip: 'reg-event', group: 'g1', ttl: 4000 }]);
  });

  it('argument errors', async () => {
    expect(await errorOf(call('sumavlib.suma_vip_register'))).toBe("ERR wrong number of arguments for 'sumavlib.suma_vip_register' command");
    expect(await errorOf(call('sumavlib.suma_vip_register', 'x', 'META', '{"a":'))).toBe('ERR invalid JSON');
    expect(await errorOf(call('sumavlib.suma_vip_register', 'x', 'META', 'nope'))).toBe('ERR invalid JSON');
    expect(await errorOf(c.callBuffer('sumavlib.suma_vip_register', 'x', 'META', Buffer.from([0x22, 0xff, 0x22])))).toBe('ERR invalid JSON');
    expect(await errorOf(call('sumavlib.suma_vip_register', 'x', 'META', `"${'j'.repeat(64 * 1024)}"`))).toBe('ERR value too large (max 65536 bytes)');
    expect(await errorOf(call('sumavlib.suma_vip_register', 'x', 'TTL', 2999))).toBe('ERR invalid TTL (allowed 3000..300000 ms)');
    expect(await errorOf(call('sumavlib.suma_vip_register', 'x', 'TTL', 300_001))).toBe('ERR invalid TTL (allowed 3000..300000 ms)');
    expect(await errorOf(call('sumavlib.suma_vip_register', 'x', 'TTL', 'soon'))).toBe('ERR value is not an integer or out of range');
    expect(await errorOf(call('sumavlib.suma_vip_register', 'x', 'GROUP'))).toBe('ERR syntax error');
    expect(await errorOf(call('sumavlib.suma_vip_register', 'x', 'COLOR', 'red'))).toBe('ERR syntax error');
    expect(await errorOf(call('sumavlib.suma_vip_register', 'v'.repeat(257)))).toBe('ERR value too large (max 256 bytes)');
    expect(await errorOf(call('sumavlib.suma_vip_register', 'x', 'GROUP', 'g'.repeat(257)))).toBe('ERR value too large (max 256 bytes)');
    expect(await errorOf(call('sumavlib.suma_vip_register_list'))).toBe("ERR wrong number of arguments for 'sumavlib.suma_vip_register_list' command");
    expect(await errorOf(call('sumavlib.suma_vip_register_list', '*', 'extra'))).toBe("ERR wrong number of arguments for 'sumavlib.suma_vip_register_list' command");
    expect(await errorOf(call('sumavlib.suma_vip_register_list', '*'.repeat(257)))).toBe('ERR value too large (max 256 bytes)');
    // Nothing was written by the refused calls.
    expect(await direct.hexists(keys.inventory(T), 'x')).toBe(0);
    // 256 bytes is allowed.
    expect(await call('sumavlib.suma_vip_register', 'v'.repeat(256), 'META', `"${'j'.repeat(64 * 1024 - 2)}"`)).toBe(1);
  });
});

describe('suma_vip_list', () => {
  it('lists live, not-expired, not-killed hosts sorted; an unknown group is an empty array', async () => {
    await makeLive('web', '10.0.0.3');
    await makeLive('web', '10.0.0.10');
    await makeLive('web', '10.0.0.2');
    await makeLive('web', '10.0.0.9', { ttl: -1 });
    await makeLive('other', '10.0.0.4');
    expect(await call('sumavlib.suma_vip_list', 'web', '*')).toEqual(['10.0.0.10', '10.0.0.2', '10.0.0.3']);
    expect(await call('sumavlib.suma_vip_list', 'web', '10.0.0.?')).toEqual(['10.0.0.2', '10.0.0.3']);
    expect(await call('sumavlib.suma_vip_list', 'no-such-group', '*')).toEqual([]);
    expect(await cli('SUMAVLIB.SUMA_VIP_LIST', 'web', '*.10')).toBe('10.0.0.10');
  });

  it('WITHSTATUS and WITHMETA reply shapes, in either order and any case', async () => {
    await makeLive('shape', 'h1', { meta: '{"port":8080}' });
    await makeLive('shape', 'h2');
    await makeLive('shape', 'h3', { meta: '[1,2]' });
    expect(await call('sumavlib.suma_vip_kill', 'ops', 'h3')).toBe(1);
    expect(await call('sumavlib.suma_vip_list', 'shape', '*')).toEqual(['h1', 'h2']);
    expect(await call('sumavlib.suma_vip_list', 'shape', '*', 'WITHSTATUS')).toEqual(['h1', 'up', 'h2', 'up', 'h3', 'killed']);
    expect(await call('sumavlib.suma_vip_list', 'shape', '*', 'WITHMETA')).toEqual(['h1', '{"port":8080}', 'h2', null]);
    const both = ['h1', 'up', '{"port":8080}', 'h2', 'up', null, 'h3', 'killed', '[1,2]'];
    expect(await call('sumavlib.suma_vip_list', 'shape', '*', 'WITHSTATUS', 'WITHMETA')).toEqual(both);
    expect(await call('sumavlib.suma_vip_list', 'shape', '*', 'withmeta', 'withstatus')).toEqual(both);
    // A host without META: a null bulk string, byte for byte.
    const conn = await rawConnect(proxy.port);
    conn.send(encodeCommand('sumavlib.suma_vip_list', 'shape', 'h2', 'WITHMETA'));
    await conn.readUntil('*2\r\n$2\r\nh2\r\n$-1\r\n');
    conn.close();
  });

  it('argument errors', async () => {
    expect(await errorOf(call('sumavlib.suma_vip_list', 'web'))).toBe("ERR wrong number of arguments for 'sumavlib.suma_vip_list' command");
    expect(await errorOf(call('sumavlib.suma_vip_list', 'web', '*', 'WITHSCORES'))).toBe('ERR syntax error');
    expect(await errorOf(call('sumavlib.suma_vip_list', 'g'.repeat(257), '*'))).toBe('ERR value too large (max 256 bytes)');
    expect(await errorOf(call('sumavlib.suma_vip_list', 'web', '?'.repeat(257)))).toBe('ERR value too large (max 256 bytes)');
    expect(await call('sumavlib.suma_vip_list', 'web', '*'.repeat(256))).toHaveLength(3);
  });
});

describe('Redis glob patterns in every list', () => {
  const names = ['a/b', 'a/b/c', 'a.b', 'ab', 'abc', 'a*c', 'a?c', 'x[1]', 'h\\y', 'hello', 'hallo', 'hxllo', 'hllo', 'heeeello', 'B', 'b', '-', ']', '^x', '10.0.0.1', '10.0.1.1'];
  const patterns = [
    '*', '?', 'h?llo', 'h*llo', 'h[ae]llo', 'h[^e]llo', 'h[a-b]llo', 'h[b-a]llo', '[a-z]', '[A-Z]', 'a/*', '*/*', 'a/?', 'a*', 'a\\*c', 'a\\?c', 'a[*]c',
    'x\\[1\\]', 'x[[]1]', 'h\\\\y', '10.0.0.*', '*.1', '[^a-z]*', '[\\]]', '[-]', '[\\^]x', '{a,b}', 'h[', 'a[/]b', '\\a\\b\\c',
  ];

  beforeAll(async () => {
    for (const name of names) {
      await makeLive('glob', name);
      await call('sumavlib.suma_vip_register', name);
    }
    await direct.sadd('glob-reference', ...names);
  });

  it.each(patterns)('%s matches what Redis SCAN MATCH matches', async (pattern) => {
    // Redis itself is the reference; the project's glob (used by COMMAND LIST) must agree too.
    const [, fromRedis] = await direct.sscan('glob-reference', 0, 'MATCH', pattern, 'COUNT', 1000);
    const expected = [...fromRedis].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(names.filter((n) => globMatch(pattern, n)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))).toEqual(expected);
    expect(await call('sumavlib.suma_vip_list', 'glob', pattern)).toEqual(expected);
    // register_list stops at 100 (other tests registered more): what it gives must match, and
    // when it gives fewer than 100 it has given every match.
    const registered = (await call('sumavlib.suma_vip_register_list', pattern)) as string[];
    expect(registered.every((n) => globMatch(pattern, n))).toBe(true);
    if (registered.length < 100) expect(registered.filter((n) => names.includes(n)).sort()).toEqual([...expected].sort());
    expect(((await call('sumavlib.suma_vip_server_list', pattern)) as string[]).filter((n) => names.includes(n))).toEqual(expected);
  });

  it('spells out the differences from shell globs', async () => {
    expect(await call('sumavlib.suma_vip_list', 'glob', 'a/*')).toEqual(['a/b', 'a/b/c']); // `*` crosses `/`
    expect(await call('sumavlib.suma_vip_list', 'glob', '{a,b}')).toEqual([]); // no braces
    expect(await call('sumavlib.suma_vip_list', 'glob', 'h[^e]llo')).toEqual(['hallo', 'hxllo']);
    expect(await call('sumavlib.suma_vip_list', 'glob', 'a\\*c')).toEqual(['a*c']);
    expect(await call('sumavlib.suma_vip_list', 'glob', '[A-Z]')).toEqual(['B']); // case-sensitive
  });
});

describe('suma_vip_server_list', () => {
  it('the whole inventory, registered or live in any group, sorted, with up | down | killed', async () => {
    await call('sumavlib.suma_vip_register', 'srv-down');
    await call('sumavlib.suma_vip_register', 'srv-both', 'GROUP', 'srv-g1');
    await makeLive('srv-g1', 'srv-both');
    await makeLive('srv-g2', 'srv-live');
    await makeLive('srv-g2', 'srv-gone', { ttl: -1 });
    await call('sumavlib.suma_vip_register', 'srv-killed');
    await makeLive('srv-g1', 'srv-killed');
    expect(await call('sumavlib.suma_vip_kill', 'ops', 'srv-killed')).toBe(1);
    expect(await call('sumavlib.suma_vip_server_list', 'srv-*')).toEqual(['srv-both', 'srv-down', 'srv-live']);
    expect(await call('sumavlib.suma_vip_server_list', 'srv-*', 'WITHSTATUS')).toEqual(['srv-both', 'up', 'srv-down', 'down', 'srv-killed', 'killed', 'srv-live', 'up']);
    expect(await call('sumavlib.suma_vip_server_list', 'srv-d*', 'withstatus')).toEqual(['srv-down', 'down']);
    expect(await cli('sumavlib.suma_vip_server_list', 'srv-l*')).toBe('srv-live');
  });

  it('argument errors', async () => {
    expect(await errorOf(call('sumavlib.suma_vip_server_list'))).toBe("ERR wrong number of arguments for 'sumavlib.suma_vip_server_list' command");
    expect(await errorOf(call('sumavlib.suma_vip_server_list', '*', 'WITHMETA'))).toBe('ERR syntax error');
    expect(await errorOf(call('sumavlib.suma_vip_server_list', '*'.repeat(257)))).toBe('ERR value too large (max 256 bytes)');
  });
});

describe('suma_vip_deregister', () => {
  it('removes the host from the inventory and from every group at once; :0 when unknown', async () => {
    const vip = 'dereg-1';
    const events = await subscribe(SYSTEM_CHANNELS.vip);
    await call('sumavlib.suma_vip_register', vip, 'TTL', 60_000);
    await makeLive('dereg-g1', vip, { meta: '{}' });
    await makeLive('dereg-g2', vip);
    await direct.zadd(keys.expiry(T), (await masterNow()) + 15_000, `V|dereg-g1|${vip}`);
    expect(await call('sumavlib.suma_vip_deregister', vip)).toBe(1);
    expect(await call('sumavlib.suma_vip_list', 'dereg-g1', '*')).toEqual([]);
    expect(await call('sumavlib.suma_vip_list', 'dereg-g2', '*')).toEqual([]);
    expect(await call('sumavlib.suma_vip_server_list', 'dereg-*')).toEqual([]);
    expect(await call('sumavlib.suma_vip_register_list', 'dereg-*')).toEqual([]);
    expect(await direct.zscore(keys.expiry(T), `R|${vip}`)).toBeNull();
    expect(await direct.zscore(keys.expiry(T), `V|dereg-g1|${vip}`)).toBeNull();
    expect(await direct.hexists(keys.liveMeta(T, 'dereg-g1'), vip)).toBe(0);
    expect(await call('sumavlib.suma_vip_deregister', vip)).toBe(0);
    expect(await call('sumavlib.suma_vip_deregister', 'never-there')).toBe(0);
    await waitFor(() => events.received.some((r) => r.event.type === 'vip_deregister'), { timeoutMs: 5000, message: 'no vip_deregister event' });
    expect(events.received.filter((r) => r.event.type === 'vip_deregister').map((r) => r.event.data)).toEqual([{ vip }]);
    events.close();
    // Deregistered hosts stay known to the tenant, so they can still be killed.
    expect(await call('sumavlib.suma_vip_kill', 'ops', vip)).toBe(1);
  });

  it('argument errors', async () => {
    expect(await errorOf(call('sumavlib.suma_vip_deregister'))).toBe("ERR wrong number of arguments for 'sumavlib.suma_vip_deregister' command");
    expect(await errorOf(call('sumavlib.suma_vip_deregister', 'a', 'b'))).toBe("ERR wrong number of arguments for 'sumavlib.suma_vip_deregister' command");
    expect(await errorOf(call('sumavlib.suma_vip_deregister', 'v'.repeat(257)))).toBe('ERR value too large (max 256 bytes)');
  });
});

describe('suma_vip_kill and suma_vip_reset', () => {
  it(':0 for a VIP the tenant never saw, and nothing is stored', async () => {
    expect(await call('sumavlib.suma_vip_kill', 'ops', 'stranger')).toBe(0);
    expect(await call('sumavlib.suma_vip_reset', 'ops', 'stranger')).toBe(0);
    expect(await direct.hexists(keys.killed(T), 'stranger')).toBe(0);
    expect(await direct.sismember(keys.seen(T), 'stranger')).toBe(0);
  });

  it('a killed host leaves every list; reset brings it back; both are idempotent', async () => {
    const vip = 'kr-1';
    await call('sumavlib.suma_vip_register', vip, 'GROUP', 'kr');
    await makeLive('kr', vip);
    await makeLive('kr-other', vip);
    const visible = async (): Promise<boolean[]> => [
      ((await call('sumavlib.suma_vip_list', 'kr', '*')) as string[]).includes(vip),
      ((await call('sumavlib.suma_vip_list', 'kr-other', 'kr-*')) as string[]).includes(vip),
      ((await call('sumavlib.suma_vip_register_list', 'kr-*')) as string[]).includes(vip),
      ((await call('sumavlib.suma_vip_server_list', 'kr-*')) as string[]).includes(vip),
    ];
    expect(await visible()).toEqual([true, true, true, true]);

    expect(await call('sumavlib.suma_vip_kill', 'ops', vip, 'REASON', 'disk full')).toBe(1);
    expect(await visible()).toEqual([false, false, false, false]);
    const record = JSON.parse((await direct.hget(keys.killed(T), vip))!) as { reason: string; ts: number };
    expect(record.reason).toBe('disk full');
    expect(Math.abs(record.ts - (await masterNow()))).toBeLessThan(5000);
    expect(await call('sumavlib.suma_vip_kill', 'ops', vip, 'REASON', 'again')).toBe(1);
    expect(JSON.parse((await direct.hget(keys.killed(T), vip))!)).toEqual(record);
    // Still live underneath: kill is an override, not an eviction.
    expect(await direct.zscore(keys.live(T, 'kr'), vip)).not.toBeNull();

    expect(await call('sumavlib.suma_vip_reset', 'ops', vip)).toBe(1);
    expect(await visible()).toEqual([true, true, true, true]);
    expect(await call('sumavlib.suma_vip_reset', 'ops', vip)).toBe(1);
    expect((await eventsOfType('vip_kill')).filter((d) => d.vip === vip)).toHaveLength(1);
    expect((await eventsOfType('vip_reset')).filter((d) => d.vip === vip)).toHaveLength(1);
  });

  it('events reach subscribers of the channel and of __suma.vip, logged before they are published', async () => {
    const vip = 'ev-1';
    await call('sumavlib.suma_vip_register', vip);
    const events = await subscribe('ops.events', SYSTEM_CHANNELS.vip);
    const start = await masterNow();
    expect(await call('sumavlib.suma_vip_kill', 'ops.events', vip, 'REASON', 'rolling "upgrade"')).toBe(1);
    expect(await call('sumavlib.suma_vip_reset', 'ops.events', vip)).toBe(1);
    await waitFor(() => events.received.length >= 4, { timeoutMs: 5000, message: 'events did not arrive' });
    events.close();
    expect(events.received.map((r) => [r.channel, r.event.type])).toEqual([
      ['ops.events', 'vip_kill'],
      [SYSTEM_CHANNELS.vip, 'vip_kill'],
      ['ops.events', 'vip_reset'],
      [SYSTEM_CHANNELS.vip, 'vip_reset'],
    ]);
    const [kill, killSystem, reset] = events.received;
    expect(kill!.raw).toBe(killSystem!.raw);
    expect(Object.keys(kill!.event)).toEqual(['type', 'data', 'seq', 'ts']);
    expect(kill!.event.data).toEqual({ vip, reason: 'rolling "upgrade"' });
    expect(reset!.event.data).toEqual({ vip });
    expect(kill!.event.seq).toMatch(/^\d+-\d+$/);
    expect(kill!.event.ts).toBeGreaterThanOrEqual(start);
    for (const r of events.received) {
      const [entry] = await r.logged;
      expect(entry![0]).toBe(r.event.seq);
      const [typeField, type, dataField, data, tsField, ts] = entry![1];
      expect([typeField, type, dataField, tsField, ts]).toEqual(['type', r.event.type, 'data', 'ts', String(r.event.ts)]);
      expect(JSON.parse(data!)).toEqual(r.event.data);
    }
    // A kill without REASON says so with null.
    expect(await call('sumavlib.suma_vip_kill', 'ops.events', vip)).toBe(1);
    expect((await eventsOfType('vip_kill')).filter((d) => d.vip === vip).at(-1)).toEqual({ vip, reason: null });
  });

  it('a killed leader loses every lease at once, keeps the epoch mark, and cannot lead until reset', async () => {
    const vip = 'lead-1';
    const leader = await subscribe(SYSTEM_CHANNELS.leader);
    const first = (await call('sumavlib.suma_try_leader', 'kill-e1', vip, 'WITHEPOCH')) as [number, string, string, number];
    expect(first.slice(0, 2)).toEqual([1, vip]);
    expect(await call('sumavlib.suma_try_leader', 'kill-e2', vip)).toBe(1);
    const mark = await direct.hmget(keys.leader(T, 'kill-e1'), 'epoch_hi', 'epoch_lo');

    expect(await call('sumavlib.suma_vip_kill', 'ops', vip)).toBe(1);
    const lease = await direct.hgetall(keys.leader(T, 'kill-e1'));
    expect(lease).toEqual({ epoch_hi: mark[0], epoch_lo: mark[1] });
    expect(await direct.hexists(keys.leader(T, 'kill-e2'), 'holder')).toBe(0);
    expect(await direct.zscore(keys.expiry(T), 'L|kill-e1')).toBeNull();

    await waitFor(() => leader.received.filter((r) => r.event.data.cause === 'killed').length === 2, { timeoutMs: 5000, message: 'no leader_changed events' });
    const lost = leader.received.filter((r) => r.event.data.cause === 'killed');
    leader.close();
    expect(lost.map((r) => r.event.data.election).sort()).toEqual(['kill-e1', 'kill-e2']);
    const e1 = lost.find((r) => r.event.data.election === 'kill-e1')!;
    expect(e1.event).toMatchObject({ type: 'leader_changed', data: { election: 'kill-e1', leader: null, previous: vip, epoch: first[2], cause: 'killed' } });
    expect((await e1.logged)[0]![0]).toBe(e1.event.seq);

    expect(await call('sumavlib.suma_try_leader', 'kill-e1', vip, 'WITHEPOCH')).toEqual([0, null, null, 0]);
    const next = (await call('sumavlib.suma_try_leader', 'kill-e1', 'lead-2', 'WITHEPOCH')) as [number, string, string, number];
    expect(next.slice(0, 2)).toEqual([1, 'lead-2']);
    expect(BigInt(next[2])).toBeGreaterThan(BigInt(first[2]));

    expect(await call('sumavlib.suma_vip_reset', 'ops', vip)).toBe(1);
    expect(await call('sumavlib.suma_try_leader', 'kill-e1', vip)).toBe(0); // lead-2 holds it
    expect(await call('sumavlib.suma_try_leader', 'kill-e2', vip)).toBe(1);
  });

  it('killing a host that holds nothing emits no leader event', async () => {
    await call('sumavlib.suma_vip_register', 'quiet-1');
    const before = (await eventsOfType('leader_changed')).length;
    expect(await call('sumavlib.suma_vip_kill', 'ops', 'quiet-1')).toBe(1);
    expect((await eventsOfType('leader_changed')).length).toBe(before);
  });

  it('argument errors', async () => {
    const arity = (cmd: string): string => `ERR wrong number of arguments for '${cmd}' command`;
    expect(await errorOf(call('sumavlib.suma_vip_kill', 'ops'))).toBe(arity('sumavlib.suma_vip_kill'));
    expect(await errorOf(call('sumavlib.suma_vip_reset', 'ops'))).toBe(arity('sumavlib.suma_vip_reset'));
    expect(await errorOf(call('sumavlib.suma_vip_reset', 'ops', 'v', 'REASON', 'x'))).toBe(arity('sumavlib.suma_vip_reset'));
    expect(await errorOf(call('sumavlib.suma_vip_kill', 'ops', 'v', 'REASON'))).toBe('ERR syntax error');
    expect(await errorOf(call('sumavlib.suma_vip_kill', 'ops', 'v', 'BECAUSE', 'x'))).toBe('ERR syntax error');
    expect(await errorOf(call('sumavlib.suma_vip_kill', 'ops', 'v'.repeat(257)))).toBe('ERR value too large (max 256 bytes)');
    expect(await errorOf(call('sumavlib.suma_vip_kill', 'c'.repeat(257), 'v'))).toBe('ERR value too large (max 256 bytes)');
    expect(await errorOf(call('sumavlib.suma_vip_kill', 'ops', 'v', 'REASON', 'r'.repeat(64 * 1024 + 1)))).toBe('ERR value too large (max 65536 bytes)');
    for (const reserved of [SYSTEM_CHANNELS.vip, SYSTEM_CHANNELS.leader, '__suma.anything']) {
      expect(await errorOf(call('sumavlib.suma_vip_kill', reserved, 'v'))).toBe('NOPERM the __suma.* channels are reserved for system events');
      expect(await errorOf(call('sumavlib.suma_vip_reset', reserved, 'v'))).toBe('NOPERM the __suma.* channels are reserved for system events');
    }
  });
});

describe('with suma_keep_alive heartbeats', () => {
  let hasKeepAlive = false;
  beforeAll(async () => {
    const [info] = (await c.call('COMMAND', 'INFO', 'sumavlib.suma_keep_alive')) as unknown[];
    hasKeepAlive = Array.isArray(info);
  });
  const beat = (group: string, vip: string, ...opts: (string | number)[]): Promise<unknown> => call('sumavlib.suma_keep_alive', group, vip, '*', ...opts);

  it('heartbeating hosts are listed, with their META; a killed one keeps beating but is hidden, also from the leader', async (ctx) => {
    if (!hasKeepAlive) ctx.skip();
    const group = 'ka-grp';
    expect(await call('sumavlib.suma_try_leader', group, 'ka-1')).toBe(1);
    await beat(group, 'ka-1', 'META', '{"role":"api"}');
    await beat(group, 'ka-2');
    await beat(group, 'ka-3', 'TTL', 5000);
    expect(await call('sumavlib.suma_vip_list', group, '*', 'WITHMETA')).toEqual(['ka-1', '{"role":"api"}', 'ka-2', null, 'ka-3', null]);
    expect(await call('sumavlib.suma_vip_server_list', 'ka-*', 'WITHSTATUS')).toEqual(['ka-1', 'up', 'ka-2', 'up', 'ka-3', 'up']);
    expect(await beat(group, 'ka-1')).toEqual(['ka-1', 'ka-2', 'ka-3']);

    expect(await call('sumavlib.suma_vip_kill', 'ops', 'ka-2')).toBe(1);
    expect(await beat(group, 'ka-2')).toBe('ka-1'); // still beats, still told who leads
    expect(await beat(group, 'ka-1')).toEqual(['ka-1', 'ka-3']);
    expect(await call('sumavlib.suma_vip_list', group, '*')).toEqual(['ka-1', 'ka-3']);
    expect(await call('sumavlib.suma_vip_list', group, '*', 'WITHSTATUS')).toEqual(['ka-1', 'up', 'ka-2', 'killed', 'ka-3', 'up']);
    expect(await call('sumavlib.suma_vip_server_list', 'ka-*')).toEqual(['ka-1', 'ka-3']);

    expect(await call('sumavlib.suma_vip_reset', 'ops', 'ka-2')).toBe(1);
    expect(await beat(group, 'ka-1')).toEqual(['ka-1', 'ka-2', 'ka-3']);
  });

  it('killing the leader: its next heartbeat finds no leader, and another host can take over', async (ctx) => {
    if (!hasKeepAlive) ctx.skip();
    const group = 'ka-lead';
    await beat(group, 'kl-1');
    await beat(group, 'kl-2');
    expect(await call('sumavlib.suma_try_leader', group, 'kl-1')).toBe(1);
    expect(await beat(group, 'kl-2')).toBe('kl-1');
    expect(await call('sumavlib.suma_vip_kill', 'ops', 'kl-1', 'REASON', 'drain')).toBe(1);
    expect(await beat(group, 'kl-1')).toBeNull();
    expect(await beat(group, 'kl-2')).toBeNull();
    expect(await call('sumavlib.suma_try_leader', group, 'kl-1')).toBe(0);
    expect(await call('sumavlib.suma_try_leader', group, 'kl-2')).toBe(1);
    expect(await beat(group, 'kl-2')).toEqual(['kl-2']);
  });

  it('a heartbeat makes a host known to kill; deregister takes it out of the leader\'s list at once', async (ctx) => {
    if (!hasKeepAlive) ctx.skip();
    const group = 'ka-dereg';
    await beat(group, 'kd-1');
    expect(await call('sumavlib.suma_vip_kill', 'ops', 'kd-1')).toBe(1);
    expect(await call('sumavlib.suma_vip_reset', 'ops', 'kd-1')).toBe(1);
    await beat(group, 'kd-2');
    expect(await call('sumavlib.suma_try_leader', group, 'kd-2')).toBe(1);
    expect(await beat(group, 'kd-2')).toEqual(['kd-1', 'kd-2']);
    expect(await call('sumavlib.suma_vip_deregister', 'kd-1')).toBe(1);
    expect(await beat(group, 'kd-2')).toEqual(['kd-2']);
    expect(await call('sumavlib.suma_vip_list', group, '*')).toEqual(['kd-2']);
  });
});

describe('with standard commands', () => {
  it('pipelined with standard commands, replies keep request order', async () => {
    const conn = await rawConnect(proxy.port);
    conn.send(
      Buffer.concat([
        encodeCommand('SET', 'pipe-k', '1'),
        encodeCommand('sumavlib.suma_vip_register', 'pipe-vip'),
        encodeCommand('GET', 'pipe-k'),
        encodeCommand('sumavlib.suma_vip_register_list', 'pipe-*'),
        encodeCommand('INCR', 'pipe-k'),
        encodeCommand('sumavlib.suma_vip_kill', 'ops', 'pipe-vip'),
        encodeCommand('sumavlib.suma_vip_server_list', 'pipe-*', 'WITHSTATUS'),
        encodeCommand('sumavlib.suma_vip_list', 'pipe-g', '*'),
        Buffer.from('PING\r\n'),
        encodeCommand('sumavlib.suma_vip_deregister', 'pipe-vip'),
        encodeCommand('GET', 'pipe-k'),
      ]),
    );
    const expected = '+OK\r\n:1\r\n$1\r\n1\r\n*1\r\n$8\r\npipe-vip\r\n:2\r\n:1\r\n*2\r\n$8\r\npipe-vip\r\n$6\r\nkilled\r\n*0\r\n+PONG\r\n:1\r\n$1\r\n2\r\n';
    await conn.readUntil(expected);
    conn.close();
  });

  it('COMMAND INFO knows the family', async () => {
    const info = (await c.call('COMMAND', 'INFO', 'sumavlib.suma_vip_list', 'sumavlib.suma_vip_kill', 'sumavlib.suma_vip_reset')) as unknown[][];
    expect(info.map((e) => [e[0], e[1]])).toEqual([
      ['sumavlib.suma_vip_list', -3],
      ['sumavlib.suma_vip_kill', -3],
      ['sumavlib.suma_vip_reset', 3],
    ]);
  });
});

describe('on a Sentinel group: durability of kill and reset', () => {
  let group: TestGroup;
  let gproxy: ProxyProcess;
  let g: Redis;
  let master: Redis;

  beforeAll(async () => {
    group = await startTestGroup();
    const sentinels = group.sentinelAddrs().flatMap((s) => ['--sentinel', `${s.host}:${s.port}`]);
    gproxy = await startProxyProcess([...sentinels, '--master-name', group.masterName, ...TENANT_FLAGS, '--log-level', 'warn']);
    g = connect(gproxy.port);
    master = connect(group.master.port);
  });

  afterAll(async () => {
    g?.disconnect();
    master?.disconnect();
    for (const r of group?.replicas ?? []) {
      try {
        process.kill(r.pid, 'SIGCONT');
      } catch {
        // already gone
      }
    }
    await gproxy?.stop();
    await group?.stop();
  });

  it('without a replica acknowledgement: -TRYAGAIN, the write stays, and the retry is idempotent', async () => {
    expect(await g.call('sumavlib.suma_vip_register', 'dur-1')).toBe(1);
    expect(await g.call('sumavlib.suma_vip_kill', 'ops', 'dur-1')).toBe(1);
    expect(await g.call('sumavlib.suma_vip_reset', 'ops', 'dur-1')).toBe(1);

    for (const r of group.replicas) process.kill(r.pid, 'SIGSTOP');
    try {
      expect(await errorOf(g.call('sumavlib.suma_vip_kill', 'ops', 'dur-1', 'REASON', 'maintenance'))).toBe('TRYAGAIN replication not acknowledged');
      expect(await master.hexists(keys.killed(T), 'dur-1')).toBe(1);
      // Answers that change nothing need no acknowledgement.
      expect(await g.call('sumavlib.suma_vip_kill', 'ops', 'never-seen')).toBe(0);
    } finally {
      for (const r of group.replicas) process.kill(r.pid, 'SIGCONT');
    }
    await waitFor(async () => (await g.call('sumavlib.suma_vip_kill', 'ops', 'dur-1', 'REASON', 'maintenance')) === 1, {
      timeoutMs: 20_000,
      intervalMs: 200,
      message: 'the kill was never acknowledged after the replicas came back',
    });
    expect(await g.call('sumavlib.suma_vip_server_list', 'dur-*', 'WITHSTATUS')).toEqual(['dur-1', 'killed']);
    const kills = (await master.xrange(keys.events(T), '-', '+')).filter(([, f]) => f[1] === 'vip_kill');
    expect(kills).toHaveLength(2); // the first kill, and the unacknowledged one; the retry changed nothing
  });
});
