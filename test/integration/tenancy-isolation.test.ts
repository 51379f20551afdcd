// Shared tenancy against real servers. One script of commands runs twice: through the rewriter on
// a shared server, where another tenant ran the same script first and "victim" keys hold every
// raw name the script uses, and directly on a private server. A tenant must not tell the two
// apart (same replies, same data) and must leave everything else as it found it.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ErrorValue, decodeFrame, type Value } from '../../src/resp/decode.js';
import { encode, encodeCommand } from '../../src/resp/encode.js';
import { tenant } from '../../src/state/keys.js';
import { CommandKeyTable, locateArguments } from '../../src/tenancy/keyspec.js';
import { Namespace } from '../../src/tenancy/namespace.js';
import { transformExec, transformPush, transformReply, type ReplyKind } from '../../src/tenancy/replies.js';
import { SHARED_POLICY, SharedRewriter, sharedRule, type SharedAction } from '../../src/tenancy/rewrite.js';
import type { Exec } from '../../src/tenancy/scoped.js';
import { startRedis, type RedisProcess } from '../helpers/redis.js';
import { respConnect, type RespClient } from '../helpers/resp-client.js';

let shared: RedisProcess;
let reference: RedisProcess;
let rewriter: SharedRewriter;
let table: CommandKeyTable;
const A = Namespace.of(tenant('acme', 'shop'));
const B = Namespace.of(tenant('acme', 'ads'));
const clients: RespClient[] = [];

beforeAll(async () => {
  [shared, reference] = await Promise.all([startRedis(['--notify-keyspace-events', 'KEA']), startRedis()]);
  const c = await connect(shared);
  table = CommandKeyTable.fromCommandReply(await c.call('COMMAND'));
  rewriter = new SharedRewriter(table);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all([shared?.stop(), reference?.stop()]);
});

async function connect(server: RedisProcess): Promise<RespClient> {
  const c = await respConnect(server.port);
  clients.push(c);
  return c;
}

const execOn =
  (c: RespClient): Exec =>
  (args) =>
    c.call(...args);

/** A shared tenant's connection, as the data path will run it: rewrite, send, transform. */
class TenantConnection {
  private inMulti = false;
  private queued: (ReplyKind | null)[] = [];
  constructor(
    private readonly c: RespClient,
    private readonly ns: Namespace,
  ) {}

  async send(args: Buffer[]): Promise<Buffer> {
    const r = rewriter.rewrite(args, this.ns, { inMulti: this.inMulti });
    if (r.kind === 'reply') return r.reply;
    if (r.kind === 'scoped') return encode(await r.run(execOn(this.c)));
    const name = args[0]!.toString('latin1').toLowerCase();
    const reply = await this.c.frame(r.frame ?? encodeCommand(args));
    if (name === 'multi' && reply[0] === 43) this.inMulti = true;
    else if (this.inMulti && name !== 'exec' && name !== 'discard' && reply.toString('latin1') === '+QUEUED\r\n') this.queued.push(r.reply);
    if (name === 'exec' || name === 'discard') {
      const kinds = this.queued;
      this.inMulti = false;
      this.queued = [];
      return name === 'exec' ? transformExec(kinds, reply, this.ns) : reply;
    }
    return r.reply === null || this.inMulti ? reply : (transformReply(r.reply, reply, this.ns) ?? reply);
  }
}

const words = (line: string | string[]): Buffer[] => (typeof line === 'string' ? line.split(' ') : line).map((w) => Buffer.from(w, 'latin1'));

/**
 * Deterministic commands over every family with keys; replies must match a private server byte
 * for byte (after sorting, for the three whose order depends on the hash table).
 */
const SCRIPT: (string | string[])[] = [
  'SET s1 v1', 'GET s1', 'APPEND s1 x', 'STRLEN s1', 'GETRANGE s1 0 1', 'SETRANGE s1 1 Z', 'GETSET s1 v2', 'SET s2 10 EX 100', 'PERSIST s2', 'GETDEL s2', 'GETEX s1 PERSIST',
  'INCR n1', 'INCRBY n1 5', 'DECR n1', 'INCRBYFLOAT f1 1.5', 'MSET m1 a m2 b', 'MGET m1 m2 nokey', 'MSETNX m3 c m1 z', 'EXISTS m1 m2 m3 nokey', 'DEL m3 nokey', 'TOUCH m1 m2',
  'RENAME m1 m1r', 'RENAMENX m2 m1r', 'COPY m1r m1c', 'COPY m1r m1c', 'COPY m1r m1c REPLACE DB 0', 'TYPE m1c', 'EXPIRE m1c 100', 'PERSIST m1c', 'UNLINK m1c', 'OBJECT ENCODING m1r',
  'LPUSH l1 a b c d e', 'RPUSH l1 f', 'LRANGE l1 0 -1', 'LPOP l1', 'RPOPLPUSH l1 l2', 'LMOVE l1 l2 LEFT RIGHT', 'LMPOP 2 nol l2 LEFT COUNT 1', 'BLPOP nol l1 1', 'BRPOP l2 l1 1',
  'BLMPOP 1 2 nol l1 RIGHT', 'BLMOVE l1 l3 LEFT LEFT 1', 'BRPOPLPUSH l3 l4 1', 'LPOS l1 b', 'LINSERT l1 BEFORE b x', 'LLEN l1', 'LINDEX l1 0', 'LSET l1 0 y', 'LREM l1 0 y', 'LTRIM l1 0 5', 'LRANGE l4 0 -1',
  'SADD st a b c', 'SADD st2 b c d', 'SCARD st', 'SISMEMBER st a', 'SMISMEMBER st a z', 'SINTERCARD 2 st st2', 'SINTERSTORE st3 st st2', 'SUNIONSTORE st4 st st2', 'SDIFFSTORE st5 st st2', 'SMOVE st st2 a', 'SCARD st4', 'SREM st4 a',
  'ZADD z 1 a 2 b 3 c', 'ZADD z2 2 b 5 e', 'ZUNIONSTORE zu 2 z z2', 'ZRANGE zu 0 -1 WITHSCORES', 'ZINTER 2 z z2 WITHSCORES', 'ZDIFF 2 z z2', 'ZINTERSTORE zi 2 z z2 WEIGHTS 1 2', 'ZDIFFSTORE zd 2 z z2',
  'ZMPOP 2 noz z MIN', 'BZPOPMIN z 1', 'BZPOPMAX nozz zu 1', 'BZMPOP 1 2 noz zu MAX COUNT 2', 'ZRANGESTORE zr z2 0 -1', 'ZCARD zr', 'ZSCORE z2 e', 'ZINCRBY z2 1 e', 'ZRANK z2 e', 'ZINTERCARD 2 z2 zr',
  'HSET h f1 v1 f2 v2', 'HGET h f1', 'HMGET h f1 f3', 'HINCRBY h n 3', 'HLEN h', 'HGETALL h', 'HDEL h f2', 'HEXISTS h f2', 'HSETNX h f1 x', 'HSTRLEN h f1',
  'PFADD hl a b c', 'PFCOUNT hl', 'PFMERGE hl2 hl', 'PFCOUNT hl hl2',
  'SETBIT b1 3 1', 'BITCOUNT b1', 'BITOP OR b2 b1 b1', 'GET b2', 'BITPOS b1 1', 'BITFIELD b1 INCRBY u8 8 5', 'BITFIELD_RO b1 GET u8 8', 'GETBIT b2 3',
  'GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania', 'GEODIST g Palermo Catania km', 'GEORADIUS g 15 37 200 km STORE gs1 STORE gs2', 'EXISTS gs1 gs2', 'ZRANGE gs2 0 -1',
  'GEORADIUSBYMEMBER g Palermo 200 km STOREDIST gs3 COUNT 5', 'ZRANGE gs3 0 -1 WITHSCORES', 'GEOSEARCHSTORE gs4 g FROMLONLAT 15 37 BYRADIUS 200 km', 'ZCARD gs4', 'GEOPOS g Palermo', 'GEORADIUS_RO g 15 37 200 km',
  'XADD x 1-1 f v', 'XADD x 2-1 f w', 'XRANGE x - +', 'XGROUP CREATE x grp 0', 'XREADGROUP COUNT 1 GROUP grp STREAMS STREAMS x >', 'XREADGROUP GROUP grp c2 COUNT 5 STREAMS x >', 'XREAD COUNT 5 STREAMS x 0',
  'XREAD COUNT 5 BLOCK 1 STREAMS x nox 0 0', 'XLEN x', 'XPENDING x grp', 'XACK x grp 1-1', 'XINFO GROUPS x', 'XTRIM x MAXLEN 1', 'XDEL x 2-1', 'XLEN x',
  'SET w_a 3', 'SET w_b 1', 'SET o_a A', 'SET o_b B', 'HSET hw_a f 9', 'HSET hw_b f 2', 'RPUSH sl a b', 'SORT sl BY w_* GET o_* GET #', 'SORT sl BY hw_*->f GET o_*', 'SORT sl BY nosort GET o_* STORE sorted STORE sorted2',
  'EXISTS sorted sorted2', 'LRANGE sorted2 0 -1', 'SORT_RO sl BY w_* GET o_*', 'SORT sl ALPHA DESC LIMIT 0 1',
  ['EVAL', "return redis.call('SET', KEYS[1], ARGV[1])", '1', 'ev1', 'val'], 'GET ev1', ['EVAL', "return redis.call('GET', KEYS[1])", '1', 's1'], ['EVAL', 'return 1', '0'],
  ['EVAL', "return redis.call('MGET', KEYS[1], KEYS[2])", '2', 'n1', 'f1'],
  'MULTI', 'SET tx1 1', 'INCR tx1', 'KEYS tx*', 'SCAN 0 MATCH tx* COUNT 100000', 'BLPOP l1 0', 'EXEC',
  'WATCH s1', 'MULTI', 'INCR n1', 'EXEC', 'MULTI', 'DISCARD',
  'DUMP s1', 'LCS s1 m1r', 'MEMORY USAGE s1', 'DBSIZE', 'EXISTS nokey', 'TTL s1', 'PTTL nokey', 'EXPIRETIME s1', 'OBJECT FREQ s1',
  'SELECT 0', 'PING', 'ECHO hi', 'FLUSHDB', 'DBSIZE', 'KEYS *',
];

/** Replies whose element order follows the hash table: compared sorted. */
const UNORDERED = new Set(['keys']);
/** Commands whose reply legitimately differs between two servers. */
const SKIP = new Set(['object freq', 'memory usage']);

function canonical(line: string[], reply: Buffer): string {
  const name = line[0]!.toLowerCase();
  const value = decodeFrame(reply).value;
  if (UNORDERED.has(name) && Array.isArray(value)) return JSON.stringify((value as Buffer[]).map((b) => b.toString('latin1')).sort());
  return reply.toString('latin1');
}

/** Every key's content, in a form that does not depend on hash-table order. */
async function contents(c: RespClient, keys: string[], ns: Namespace | null): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const show = (v: Value): unknown => (Buffer.isBuffer(v) ? v.toString('latin1') : Array.isArray(v) ? v.map(show) : v instanceof ErrorValue ? `-${v.line}` : v);
  for (const key of keys.sort()) {
    const name = ns === null ? key : ns.key(Buffer.from(key)).toString('latin1');
    const type = show(await c.call('TYPE', name)) as string;
    let v: Value;
    if (type === 'string') v = await c.call('GET', name);
    else if (type === 'list') v = await c.call('LRANGE', name, 0, -1);
    else if (type === 'set') v = ((await c.call('SMEMBERS', name)) as Buffer[]).sort(Buffer.compare);
    else if (type === 'zset') v = await c.call('ZRANGE', name, 0, -1, 'WITHSCORES');
    else if (type === 'hash') v = await c.call('HGETALL', name);
    else if (type === 'stream') v = await c.call('XRANGE', name, '-', '+');
    else v = null;
    out[key] = [type, show(v)];
  }
  return out;
}

async function allKeys(c: RespClient): Promise<string[]> {
  return ((await c.call('KEYS', '*')) as Buffer[]).map((k) => k.toString('latin1')).sort();
}

describe('a shared tenant cannot tell the shared server from a private one', () => {
  test('the same replies and the same data; the other tenant and the victims untouched', async () => {
    const direct = await connect(reference);
    const admin = await connect(shared);
    const a = new TenantConnection(await connect(shared), A);
    const b = new TenantConnection(await connect(shared), B);

    // Victims: every raw key name the script uses, and patterns' targets, with values nobody else writes.
    const names = new Set<string>(['w_a', 'w_b', 'o_a', 'o_b', 'hw_a', 'hw_b', 'nol', 'noz', 'nozz', 'nox', 'nokey']);
    for (const line of SCRIPT) {
      const args = words(line);
      const resolved = table.resolve(args);
      if (resolved.kind !== 'command') continue;
      const located = locateArguments(resolved.info, args);
      if (!('problem' in located)) for (const i of located.keys) names.add(args[i]!.toString('latin1'));
    }
    for (const name of names) await admin.call('SET', name, `victim:${name}`);

    // The other tenant runs the script first: its keys carry the same names under its prefix.
    for (const line of SCRIPT) await b.send(words(line.toString() === 'FLUSHDB' ? 'PING' : line));

    let compared = 0;
    for (const line of SCRIPT) {
      const args = words(line);
      const text = args.map((w) => w.toString('latin1'));
      const full = `${text[0]!.toLowerCase()}${text[1] ? ` ${text[1].toLowerCase()}` : ''}`;
      const viaShared = await a.send(args);
      const viaPrivate = await direct.frame(encodeCommand(args));
      if (SKIP.has(text[0]!.toLowerCase()) || SKIP.has(full)) continue;
      if (text[0] === 'FLUSHDB') {
        // Before the flush: the tenant's data equals the private server's, key by key.
        continue;
      }
      expect(`${text.join(' ')} -> ${canonical(text, viaShared)}`).toBe(`${text.join(' ')} -> ${canonical(text, viaPrivate)}`);
      compared++;
    }
    console.log(`isolation: ${compared} replies through the rewriter equal to a private server's, ${names.size} victim keys intact`);
    expect(compared).toBeGreaterThan(160);

    // Victims are intact; every other key is one of the two tenants'.
    for (const name of names) expect((await admin.call('GET', name))?.toString()).toBe(`victim:${name}`);
    const everything = await allKeys(admin);
    for (const key of everything) expect(names.has(key) || key.startsWith('t:{acme:ads}:') || key.startsWith('t:{acme:shop}:')).toBe(true);
    // A's FLUSHDB removed only A's keys; B's data is what B's script left (B's FLUSHDB was skipped).
    expect(everything.filter((k) => k.startsWith('t:{acme:shop}:'))).toEqual([]);
    expect(everything.filter((k) => k.startsWith('t:{acme:ads}:')).length).toBeGreaterThan(30);
  });

  test('before a flush, key by key, the tenant holds what a private server holds', async () => {
    const direct = await connect(reference);
    const admin = await connect(shared);
    const a = new TenantConnection(await connect(shared), A);
    await direct.call('FLUSHALL');
    await admin.call('FLUSHALL');
    await admin.call('SET', 's1', 'victim');
    const body = SCRIPT.filter((l) => !['FLUSHDB', 'KEYS *'].includes(l.toString()));
    for (const line of body) {
      await a.send(words(line));
      await direct.frame(encodeCommand(words(line)));
    }
    const privateKeys = await allKeys(direct);
    const tenantKeys = (await allKeys(admin)).filter((k) => k.startsWith('t:{acme:shop}:')).map((k) => A.unkey(Buffer.from(k))!.toString('latin1'));
    expect(tenantKeys).toEqual(privateKeys);
    expect(await contents(admin, tenantKeys, A)).toEqual(await contents(direct, privateKeys, null));
    // Scoped views agree with the private server.
    expect(await a.send(words('DBSIZE'))).toEqual(await direct.raw('DBSIZE'));
    const random = decodeFrame(await a.send(words('RANDOMKEY'))).value as Buffer;
    expect(privateKeys).toContain(random.toString('latin1'));
    const scanned = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = decodeFrame(await a.send(words(`SCAN ${cursor} COUNT 7`))).value as [Buffer, Buffer[]];
      cursor = next.toString();
      keys.forEach((k) => scanned.add(k.toString('latin1')));
    } while (cursor !== '0');
    expect([...scanned].sort()).toEqual(privateKeys);
    expect((await admin.call('GET', 's1'))?.toString()).toBe('victim');
  });

  test('errors the proxy answers itself are Redis’s own, byte for byte', async () => {
    const direct = await connect(reference);
    const a = new TenantConnection(await connect(shared), A);
    for (const line of ['nosuch a b', 'object nosuch k', 'get', 'get a b', 'object encoding', 'set k', 'flushall now', 'xread']) {
      expect(`${line} -> ${(await a.send(words(line))).toString()}`).toBe(`${line} -> ${(await direct.raw(...line.split(' '))).toString()}`);
    }
  });

  test('refused commands leave nothing behind', async () => {
    const admin = await connect(shared);
    const a = new TenantConnection(await connect(shared), A);
    await admin.call('FLUSHALL');
    await admin.call('SET', 'k', 'victim');
    for (const line of ['SWAPDB 0 1', 'MOVE k 1', 'SELECT 1', 'CONFIG SET maxmemory 1', 'FUNCTION FLUSH', 'SCRIPT FLUSH', 'CLIENT LIST', 'DEBUG SLEEP 0', 'MIGRATE h 1 k 0 10', 'COPY k k2 DB 1', 'PUBSUB NUMPAT']) {
      expect((await a.send(words(line))).toString()).toMatch(/^-NOPERM /);
    }
    expect(await allKeys(admin)).toEqual(['k']);
    expect(decodeFrame(await admin.raw('CONFIG', 'GET', 'maxmemory')).value).toEqual([Buffer.from('maxmemory'), Buffer.from('0')]);
  });
});

describe('the shared-tenancy table against Redis 7.0', () => {
  test('every entry names a real command; every command has a verdict', () => {
    for (const name of SHARED_POLICY.keys()) expect(table.get(name), name).toBeDefined();
    const verdicts: Record<SharedAction, string[]> = { rewrite: [], scope: [], refuse: [] };
    for (const info of table.all()) {
      if (info.subcommands !== null) continue;
      verdicts[sharedRule(info).action].push(info.name);
    }
    console.log(`shared tenancy over Redis 7.0: ${verdicts.rewrite.length} rewritten or passed, ${verdicts.scope.length} scoped, ${verdicts.refuse.length} refused`);
    console.log(`refused: ${verdicts.refuse.sort().join(' ')}`);
    expect(verdicts.scope.sort()).toEqual(['dbsize', 'flushall', 'flushdb', 'keys', 'randomkey', 'scan']);
    for (const name of ['flushall', 'config|set', 'debug', 'monitor', 'swapdb', 'move', 'script|flush', 'function|flush', 'client|list', 'shutdown', 'acl|setuser', 'bgsave']) {
      expect(sharedRule(table.get(name)!).action, name).not.toBe('rewrite');
    }
  });
});

describe('pub/sub between tenants', () => {
  const shown = (items: string[]): string => encode(items).toString('latin1').replace(/\r\n/g, ' ');

  /** A subscribed tenant connection: rewritten (P)SUBSCRIBE, pushes transformed (null: dropped). */
  async function subscriber(ns: Namespace, command: string): Promise<{ c: RespClient; next: (n: number) => Promise<(string | null)[]> }> {
    const c = await connect(shared);
    const r = rewriter.rewrite(words(command), ns);
    if (r.kind !== 'forward') throw new Error(`${command}: ${r.kind}`);
    const confirm = await c.frame(r.frame ?? encodeCommand(words(command)));
    expect(transformPush(confirm, ns)!.toString('latin1')).toContain(command.split(' ')[1]!);
    return {
      c,
      next: async (n) => (await c.nextPushes(n)).map((f) => transformPush(f, ns)?.toString('latin1').replace(/\r\n/g, ' ') ?? null),
    };
  }

  test('channels and patterns are per tenant', async () => {
    const aSub = await subscriber(A, 'SUBSCRIBE news');
    const aPat = await subscriber(A, 'PSUBSCRIBE ne*');
    const aPub = new TenantConnection(await connect(shared), A);
    const bPub = new TenantConnection(await connect(shared), B);
    expect((await bPub.send(words('PUBLISH news from-b'))).toString()).toBe(':0\r\n');
    expect((await aPub.send(words('PUBLISH news from-a'))).toString()).toBe(':2\r\n');
    expect(await aSub.next(1)).toEqual([shown(['message', 'news', 'from-a'])]);
    expect(await aPat.next(1)).toEqual([shown(['pmessage', 'ne*', 'news', 'from-a'])]);
    expect(aSub.c.pushes()).toEqual([]);
    expect(decodeFrame((await aPub.send(words('PUBSUB NUMSUB news other')))).value).toEqual([Buffer.from('news'), 1, Buffer.from('other'), 0]);
    expect(decodeFrame(await aPub.send(words('PUBSUB CHANNELS *'))).value).toEqual([Buffer.from('news')]);
    expect(decodeFrame(await bPub.send(words('PUBSUB CHANNELS *'))).value).toEqual([]);
  });

  test('keyspace and keyevent notifications show the tenant its own keys only', async () => {
    const space = await subscriber(A, 'SUBSCRIBE __keyspace@0__:watched');
    const spacePattern = await subscriber(A, 'PSUBSCRIBE __keyspace@0__:wat*');
    const event = await subscriber(A, 'SUBSCRIBE __keyevent@0__:set');
    const a = new TenantConnection(await connect(shared), A);
    const b = new TenantConnection(await connect(shared), B);
    await b.send(words('SET watched from-b'));
    await a.send(words('SET watched from-a'));
    expect(await space.next(1)).toEqual([shown(['message', '__keyspace@0__:watched', 'set'])]);
    expect(await spacePattern.next(1)).toEqual([shown(['pmessage', '__keyspace@0__:wat*', '__keyspace@0__:watched', 'set'])]);
    // The keyevent channel is Redis's, for every tenant: B's event arrives and is dropped.
    expect(await event.next(2)).toEqual([null, shown(['message', '__keyevent@0__:set', 'watched'])]);
    expect(space.c.pushes()).toEqual([]);
  });
});
