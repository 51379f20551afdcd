// Key positions from a real server's COMMAND reply, held against that server's COMMAND GETKEYS:
// every command and subcommand with keys, in invocations generated from COMMAND DOCS (shortest
// form, longest form, each alternative of a choice) and in hand-written ones.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ErrorValue, type Value } from '../../src/resp/decode.js';
import { CommandKeyTable, arityOk, getKeys, keySpecsAreExact, locateArguments, type CommandInfo, type GetKeys } from '../../src/tenancy/keyspec.js';
import { startRedis, type RedisProcess } from '../helpers/redis.js';
import { respConnect, type RespClient } from '../helpers/resp-client.js';

let redis: RedisProcess;
let client: RespClient;
let table: CommandKeyTable;
let docs: Map<string, ArgDoc[]>;

beforeAll(async () => {
  redis = await startRedis();
  client = await respConnect(redis.port);
  table = CommandKeyTable.fromCommandReply(await client.call('COMMAND'));
  docs = commandDocs(await client.call('COMMAND', 'DOCS'));
});

afterAll(async () => {
  client?.close();
  await redis?.stop();
});

/** What COMMAND GETKEYS answers, in getKeys' terms. */
async function serverKeys(args: string[]): Promise<string[] | 'no-keys' | 'arity' | 'invalid' | string> {
  const reply = await client.call('COMMAND', 'GETKEYS', ...args);
  if (reply instanceof ErrorValue) {
    if (reply.line.includes('has no key arguments')) return 'no-keys';
    if (reply.line.includes('Invalid number of arguments')) return 'arity';
    if (reply.line.includes('Invalid arguments specified')) return 'invalid';
    return reply.line;
  }
  return (reply as Buffer[]).map((k) => k.toString('latin1'));
}

function ours(args: string[]): { info: CommandInfo; result: GetKeys } | null {
  const buffers = args.map((a) => Buffer.from(a, 'latin1'));
  const resolved = table.resolve(buffers);
  if (resolved.kind !== 'command') return null;
  return { info: resolved.info, result: getKeys(resolved.info, buffers) };
}

function named(args: string[], result: GetKeys): string[] | string {
  return 'keys' in result ? result.keys.map((i) => args[i]!) : result.error;
}

interface Mismatch {
  args: string[];
  server: unknown;
  ours: unknown;
}

/** Compares every invocation; returns the mismatches and how many were compared. */
async function compare(invocations: string[][]): Promise<{ checked: number; commands: Set<string>; mismatches: Mismatch[] }> {
  const mismatches: Mismatch[] = [];
  const commands = new Set<string>();
  const replies = await Promise.all(invocations.map((args) => serverKeys(args)));
  invocations.forEach((args, i) => {
    const mine = ours(args);
    if (mine === null) {
      mismatches.push({ args, server: replies[i], ours: 'unknown command' });
      return;
    }
    commands.add(mine.info.name);
    const server = replies[i];
    const got = named(args, mine.result);
    if (JSON.stringify(server) !== JSON.stringify(got)) mismatches.push({ args, server, ours: got });
  });
  return { checked: invocations.length, commands, mismatches };
}

describe('the COMMAND table', () => {
  test('reads every command and subcommand of Redis 7.0', () => {
    const all = [...table.all()];
    expect(all.length).toBeGreaterThan(350);
    expect(table.get('GET')).toMatchObject({ name: 'get', arity: 2 });
    expect(table.get('object|encoding')).toMatchObject({ name: 'object|encoding', arity: 3 });
    expect(table.get('object')!.subcommands!.get('encoding')).toBe(table.get('object|encoding'));
    const xread = table.get('xread')!;
    expect(xread.keySpecs).toEqual([
      { flags: ['RO', 'access'], begin: { type: 'keyword', keyword: 'STREAMS', startfrom: 1 }, find: { type: 'range', lastkey: -1, keystep: 1, limit: 2 } },
    ]);
    expect(table.get('eval')!.keySpecs[0]!.find).toEqual({ type: 'keynum', keynumidx: 0, firstkey: 1, keystep: 1 });
    expect(table.get('sort')!.keySpecs.map((s) => s.begin.type)).toEqual(['index', 'unknown', 'unknown']);
    expect(table.get('spublish')!.keySpecs[0]!.flags).toEqual(['not_key']);
    expect(table.get('set')!.flags.has('write')).toBe(true);
    expect(table.get('keys')!.acl).toContain('@dangerous');
  });

  test('resolve: commands, subcommands, unknown ones', () => {
    const b = (...a: string[]): Buffer[] => a.map((x) => Buffer.from(x));
    expect(table.resolve(b('GeT', 'k'))).toMatchObject({ kind: 'command', info: { name: 'get' } });
    expect(table.resolve(b('OBJECT', 'Encoding', 'k'))).toMatchObject({ kind: 'command', info: { name: 'object|encoding' } });
    expect(table.resolve(b('object'))).toMatchObject({ kind: 'command', info: { name: 'object' } });
    expect(table.resolve(b('object', 'nosuch'))).toMatchObject({ kind: 'unknown-subcommand', container: { name: 'object' } });
    expect(table.resolve(b('nosuch'))).toEqual({ kind: 'unknown-command' });
    // A subcommand's full name is not a command name of its own.
    expect(table.resolve(b('object|encoding', 'k'))).toEqual({ kind: 'unknown-command' });
  });

  test('only SORT, SORT_RO, MIGRATE, GEORADIUS(BYMEMBER), XREAD(GROUP) need more than index key specs', () => {
    const inexact = [...table.all()].filter((c) => c.keySpecs.some((s) => s.begin.type !== 'index' || s.find.type === 'unknown' || s.flags.includes('incomplete')));
    expect(inexact.map((c) => c.name).sort()).toEqual(['georadius', 'georadiusbymember', 'migrate', 'sort', 'sort_ro', 'xread', 'xreadgroup']);
    for (const info of table.all()) expect(keySpecsAreExact(info)).toBe(true);
  });
});

// ---------------------------------------------------------------- invocations from COMMAND DOCS

interface ArgDoc {
  name: string;
  type: string;
  token?: string;
  flags: string[];
  arguments: ArgDoc[];
}

function flat(value: Value): Map<string, Value> {
  const items = value as Value[];
  const map = new Map<string, Value>();
  for (let i = 0; i + 1 < items.length; i += 2) map.set((items[i] as Buffer).toString('latin1'), items[i + 1]!);
  return map;
}

function argDoc(value: Value): ArgDoc {
  const m = flat(value);
  const text = (k: string): string | undefined => (Buffer.isBuffer(m.get(k)) ? (m.get(k) as Buffer).toString('latin1') : undefined);
  return {
    name: text('name')!,
    type: text('type')!,
    token: text('token'),
    flags: ((m.get('flags') as Value[] | undefined) ?? []).map((f) => (f as Buffer).toString('latin1')),
    arguments: ((m.get('arguments') as Value[] | undefined) ?? []).map(argDoc),
  };
}

/** Full command name -> its argument docs (subcommands' docs list their arguments after the subcommand). */
function commandDocs(reply: Value): Map<string, ArgDoc[]> {
  const out = new Map<string, ArgDoc[]>();
  const walk = (name: string, doc: Value): void => {
    const m = flat(doc);
    out.set(name.toLowerCase(), ((m.get('arguments') as Value[] | undefined) ?? []).map(argDoc));
    const subs = m.get('subcommands');
    if (subs) for (const [sub, subDoc] of flat(subs)) walk(sub, subDoc);
  };
  for (const [name, doc] of flat(reply)) walk(name, doc);
  return out;
}

/**
 * One invocation per shape: `full` includes every optional argument and repeats every multiple
 * one; `choice` picks the n-th alternative of each one-of. Keys are k1, k2 ...; a numkeys
 * argument counts the keys that follow it.
 */
function invocation(name: string, args: ArgDoc[], full: boolean, choice: number): string[] {
  let keyNo = 0;
  let strNo = 0;
  const out: string[] = name.split('|');
  let numkeysAt = -1;
  const value = (arg: ArgDoc): string[] => {
    switch (arg.type) {
      case 'key':
        return [`k${++keyNo}`];
      case 'integer':
        return ['1'];
      case 'double':
        return ['1.5'];
      case 'unix-time':
        return ['1700000000'];
      case 'pattern':
        return ['p*'];
      case 'pure-token':
        return [];
      case 'oneof': {
        const pick = arg.arguments[choice % arg.arguments.length]!;
        return emit([{ ...pick, flags: pick.flags.filter((f) => f !== 'optional') }]);
      }
      case 'block':
        return emit(arg.arguments);
      default:
        return [`s${++strNo}`];
    }
  };
  const emit = (list: ArgDoc[]): string[] => {
    const words: string[] = [];
    for (const arg of list) {
      if (arg.flags.includes('optional') && !full) continue;
      const times = arg.flags.includes('multiple') ? (full ? 2 : 1) : 1;
      const keysBefore = keyNo;
      for (let r = 0; r < times; r++) {
        if (arg.token !== undefined && (r === 0 || arg.flags.includes('multiple_token'))) words.push(arg.token);
        if (arg.type === 'integer' && /^num(keys|functions)?$/.test(arg.name)) {
          numkeysAt = out.length + words.length;
          words.push('0');
          continue;
        }
        words.push(...value(arg));
      }
      if (arg.type === 'key' && numkeysAt >= 0) {
        const at = numkeysAt - out.length;
        if (at >= 0 && at < words.length) words[at] = String(keyNo - keysBefore);
        else if (numkeysAt < out.length) out[numkeysAt] = String(keyNo - keysBefore);
        numkeysAt = -1;
      }
    }
    return words;
  };
  out.push(...emit(args));
  return out;
}

describe('getKeys against COMMAND GETKEYS', () => {
  test('invocations generated from COMMAND DOCS, for every command and subcommand with keys', async () => {
    const invocations: string[][] = [];
    const seen = new Set<string>();
    const withKeys = [...table.all()].filter((c) => c.keySpecs.length > 0);
    for (const info of withKeys) {
      const args = docs.get(info.name);
      if (args === undefined) continue;
      for (const full of [false, true]) {
        for (let choice = 0; choice < 3; choice++) {
          const words = invocation(info.name, args, full, choice);
          // COMMAND GETKEYS needs the command and at least one argument.
          if (!arityOk(info, words.length) || words.length < 2) continue;
          const key = words.join(' ');
          if (seen.has(key)) continue;
          seen.add(key);
          invocations.push(words);
        }
      }
    }
    const result = await compare(invocations);
    console.log(`generated: ${result.checked} invocations of ${result.commands.size} commands with key specs checked against COMMAND GETKEYS, ${result.mismatches.length} mismatches`);
    expect(result.mismatches).toEqual([]);
    // Every command with key specs was exercised.
    expect([...result.commands].sort()).toEqual(withKeys.map((c) => c.name).sort());
  });

  test('hand-written invocations, including edge cases of each find_keys kind', async () => {
    const result = await compare(HAND_WRITTEN.map((line) => (typeof line === 'string' ? line.split(' ') : line)));
    console.log(`hand-written: ${result.checked} invocations of ${result.commands.size} commands checked against COMMAND GETKEYS, ${result.mismatches.length} mismatches`);
    expect(result.mismatches).toEqual([]);
  });

  test('keyless commands and arity errors answer as the server does', async () => {
    const result = await compare(['ping x', 'flushall async', 'publish ch m', 'spublish ch m', 'subscribe a b', 'get a b', 'object encoding', 'config get x', 'scan 0'].map((l) => l.split(' ')));
    expect(result.mismatches).toEqual([]);
  });
});

describe('locateArguments', () => {
  const locate = (line: string | string[]): ReturnType<typeof locateArguments> => {
    const args = (typeof line === 'string' ? line.split(' ') : line).map((a) => Buffer.from(a));
    const resolved = table.resolve(args);
    if (resolved.kind !== 'command') throw new Error(`not a command: ${String(line)}`);
    return locateArguments(resolved.info, args);
  };

  test('agrees with COMMAND GETKEYS wherever index key specs are exact', async () => {
    let compared = 0;
    let refused = 0;
    for (const line of HAND_WRITTEN) {
      const args = typeof line === 'string' ? line.split(' ') : line;
      const mine = ours(args);
      if (mine === null || !('keys' in mine.result)) continue;
      const located = locate(args);
      if ('problem' in located) {
        // Where the specs do not fit, the command is one Redis refuses too (the proxy refuses it first).
        expect(located.problem).toBe('invalid');
        expect(await client.call(...args)).toBeInstanceOf(ErrorValue);
        refused++;
        continue;
      }
      if (['sort', 'sort_ro', 'georadius', 'georadiusbymember', 'xread', 'xreadgroup', 'migrate'].includes(mine.info.name)) {
        // Exact parsers find at least what Redis's key specs find, except in commands Redis refuses.
        if (mine.result.keys.every((key) => located.keys.includes(key))) continue;
        expect(await client.call(...args)).toBeInstanceOf(ErrorValue);
      } else {
        expect([...located.keys].sort((a, b) => a - b)).toEqual([...mine.result.keys].sort((a, b) => a - b));
      }
      compared++;
    }
    expect(compared).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(0);
  });

  test('GEORADIUS with two STOREs: Redis writes the last; both are keys', async () => {
    const args = 'georadius src 13 38 500 km STORE a STORE b'.split(' ');
    expect(await serverKeys(args)).toEqual(['src', 'a']);
    expect(locate(args)).toMatchObject({ keys: [1, 7, 9] });
    await client.call('GEOADD', 'src', '13.36', '38.11', 'p');
    await client.call(...args);
    expect(await client.call('EXISTS', 'a')).toBe(0);
    expect(await client.call('EXISTS', 'b')).toBe(1);
    expect(locate('georadiusbymember src p 500 km STOREDIST a COUNT 3 STORE b')).toMatchObject({ keys: [1, 6, 10] });
    await client.call('FLUSHALL');
  });

  test('XREADGROUP with a consumer named STREAMS: the key specs point at the wrong argument', async () => {
    const args = ['xreadgroup', 'COUNT', '1', 'GROUP', 'g', 'STREAMS', 'STREAMS', 's', '>'];
    expect(await serverKeys(args)).toEqual(['STREAMS']);
    expect(locate(args)).toMatchObject({ keys: [7] });
    await client.call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
    await client.call('XADD', 's', '*', 'f', 'v');
    const reply = (await client.call(...args)) as Value[][];
    expect((reply[0]![0] as Buffer).toString()).toBe('s');
    await client.call('FLUSHALL');
  });

  test('SORT: STORE keys, BY and GET patterns, # left alone', () => {
    expect(locate('sort k BY w_* GET o_*->f GET # STORE d LIMIT 0 10 ALPHA DESC')).toEqual({ keys: [1, 9], channels: [], patterns: [3, 5] });
    expect(locate('sort_ro k BY # GET o_*')).toEqual({ keys: [1], channels: [], patterns: [5] });
    // A syntax error stops the reading, as it stops Redis before it reads any key.
    expect(locate('sort k NOPE STORE d')).toEqual({ keys: [1], channels: [], patterns: [] });
  });

  test('XREAD: options in any order, unbalanced lists', () => {
    expect(locate('xread COUNT 2 BLOCK 0 STREAMS a b 0 0')).toMatchObject({ keys: [6, 7] });
    expect(locate('xreadgroup GROUP g c NOACK STREAMS a >')).toMatchObject({ keys: [6] });
    expect(locate('xread STREAMS a b 0')).toMatchObject({ keys: [] });
  });

  test('shard channels, keynum of 0, bad numkeys', () => {
    expect(locate('spublish ch msg')).toEqual({ keys: [], channels: [1], patterns: [] });
    expect(locate('ssubscribe a b')).toEqual({ keys: [], channels: [1, 2], patterns: [] });
    expect(locate(['eval', 'return 1', '0'])).toEqual({ keys: [], channels: [], patterns: [] });
    expect(locate(['eval', 'return 1', '2', 'a', 'b', 'c'])).toMatchObject({ keys: [3, 4] });
    expect(locate(['eval', 'return 1', '3', 'a'])).toEqual({ problem: 'invalid' });
    expect(locate(['eval', 'return 1', 'x', 'a'])).toEqual({ problem: 'invalid' });
    expect(locate('zunionstore d 2 a b WEIGHTS 1 2')).toMatchObject({ keys: [1, 3, 4] });
    expect(locate('mset a 1 b 2')).toMatchObject({ keys: [1, 3] });
    expect(locate('blpop a b 0')).toMatchObject({ keys: [1, 2] });
    expect(locate('object encoding k')).toMatchObject({ keys: [2] });
    expect(locate(['migrate', 'h', '1', '', '0', '10', 'KEYS', 'a', 'b'])).toMatchObject({ keys: [7, 8] });
    expect(locate(['migrate', 'h', '1', 'k', '0', '10'])).toMatchObject({ keys: [3] });
  });
});

/** Realistic invocations, and the edges of each find_keys kind. */
const HAND_WRITTEN: (string | string[])[] = [
  'get k', 'set k v', 'set k v GET', 'set k v EX 10 NX', 'setnx k v', 'setex k 10 v', 'psetex k 10 v', 'getset k v', 'getdel k', 'getex k PERSIST',
  'append k v', 'strlen k', 'incr k', 'incrby k 2', 'incrbyfloat k 1.5', 'decr k', 'decrby k 2', 'getrange k 0 1', 'setrange k 0 v', 'substr k 0 1',
  'mget a b c', 'mset a 1 b 2 c 3', 'msetnx a 1 b 2', 'del a b c', 'unlink a b', 'exists a b a', 'touch a b', 'type k', 'ttl k', 'pttl k',
  'expire k 10', 'expire k 10 NX', 'pexpire k 10', 'expireat k 1', 'pexpireat k 1', 'expiretime k', 'pexpiretime k', 'persist k', 'rename a b', 'renamenx a b',
  'copy a b', 'copy a b DB 1 REPLACE', 'dump k', 'restore k 0 x', 'move k 1', 'object encoding k', 'object freq k', 'object idletime k', 'object refcount k', 'memory usage k SAMPLES 5',
  'lpush l a b', 'rpush l a', 'lpushx l a', 'rpushx l a', 'lpop l', 'rpop l 2', 'llen l', 'lrange l 0 -1', 'lindex l 0', 'lset l 0 v',
  'linsert l BEFORE a b', 'lrem l 0 a', 'ltrim l 0 1', 'lpos l a RANK 1', 'rpoplpush a b', 'lmove a b LEFT RIGHT', 'blmove a b LEFT RIGHT 0', 'brpoplpush a b 0', 'blpop a b c 0', 'brpop a 0',
  'lmpop 2 a b LEFT COUNT 3', 'lmpop 1 a RIGHT', 'blmpop 0 2 a b LEFT', 'zmpop 2 a b MIN', 'bzmpop 1 2 a b MAX COUNT 2', 'bzpopmin a b 0', 'bzpopmax a 0',
  'sadd s a b', 'srem s a', 'smembers s', 'sismember s a', 'smismember s a b', 'scard s', 'spop s', 'srandmember s 2', 'smove a b m', 'sinter a b c',
  'sinterstore d a b', 'sintercard 2 a b LIMIT 5', 'sunion a b', 'sunionstore d a b', 'sdiff a b', 'sdiffstore d a b', 'sscan s 0 MATCH * COUNT 10',
  'zadd z 1 a', 'zadd z NX CH 1 a 2 b', 'zincrby z 1 a', 'zrem z a', 'zcard z', 'zcount z 0 1', 'zscore z a', 'zmscore z a b', 'zrank z a', 'zrevrank z a',
  'zrange z 0 -1 WITHSCORES', 'zrange z 0 1 BYSCORE REV LIMIT 0 1', 'zrangestore d z 0 -1', 'zrangebyscore z 0 1', 'zrevrangebyscore z 1 0', 'zrangebylex z - +', 'zrevrangebylex z + -', 'zlexcount z - +',
  'zremrangebyscore z 0 1', 'zremrangebyrank z 0 1', 'zremrangebylex z - +', 'zpopmin z', 'zpopmax z 2', 'zrandmember z 2', 'zscan z 0',
  'zunion 2 a b', 'zunion 2 a b WEIGHTS 1 2 AGGREGATE MAX WITHSCORES', 'zinter 3 a b c', 'zdiff 2 a b WITHSCORES', 'zunionstore d 2 a b', 'zinterstore d 1 a', 'zdiffstore d 2 a b', 'zintercard 2 a b LIMIT 1',
  'hset h f v', 'hset h f v g w', 'hsetnx h f v', 'hget h f', 'hmget h f g', 'hmset h f v', 'hdel h f g', 'hlen h', 'hstrlen h f', 'hexists h f',
  'hincrby h f 1', 'hincrbyfloat h f 1.5', 'hkeys h', 'hvals h', 'hgetall h', 'hrandfield h 2 WITHVALUES', 'hscan h 0 MATCH f*',
  'pfadd p a b', 'pfcount a b', 'pfmerge d a b', 'pfdebug GETREG p',
  'setbit b 1 1', 'getbit b 1', 'bitcount b 0 1 BIT', 'bitpos b 1', 'bitop AND d a b c', 'bitop NOT d a', 'bitfield b GET u8 0', 'bitfield b INCRBY u8 0 1', 'bitfield_ro b GET u8 0',
  'geoadd g 13.3 38.1 m', 'geodist g a b km', 'geohash g a b', 'geopos g a', 'georadius g 13 38 100 km', 'georadius g 13 38 100 km WITHDIST COUNT 5 STORE d',
  'georadius g 13 38 100 km STOREDIST d', 'georadius_ro g 13 38 100 km', 'georadiusbymember g m 100 km STORE d', 'georadiusbymember_ro g m 100 km',
  'geosearch g FROMMEMBER m BYRADIUS 10 km', 'geosearchstore d g FROMLONLAT 13 38 BYBOX 10 10 km STOREDIST',
  'xadd s * f v', 'xadd s MAXLEN ~ 10 * f v', 'xlen s', 'xrange s - +', 'xrevrange s + - COUNT 1', 'xdel s 1-1', 'xtrim s MAXLEN 10', 'xack s g 1-1', 'xpending s g', 'xclaim s g c 0 1-1',
  'xautoclaim s g c 0 0-0', 'xsetid s 1-1', 'xgroup create s g $ MKSTREAM', 'xgroup destroy s g', 'xgroup createconsumer s g c', 'xgroup delconsumer s g c', 'xgroup setid s g $',
  'xinfo stream s FULL', 'xinfo groups s', 'xinfo consumers s g',
  'xread STREAMS a 0', 'xread COUNT 1 BLOCK 0 STREAMS a b 0 0', 'xreadgroup GROUP g c STREAMS a >', 'xreadgroup GROUP g c COUNT 1 NOACK STREAMS a b > >',
  'sort k', 'sort k BY w_* GET o_* STORE d', 'sort k LIMIT 0 1 STORE d STORE e', 'sort k ALPHA DESC', 'sort_ro k BY w_*',
  ['eval', 'return 1', '0'], ['eval', 'return 1', '2', 'a', 'b', 'x'], ['eval_ro', 'return 1', '1', 'a'], ['evalsha', 'abc', '1', 'a', 'arg'], ['evalsha_ro', 'abc', '0'],
  ['fcall', 'f', '2', 'a', 'b'], ['fcall_ro', 'f', '0', 'x'],
  'watch a b', 'lcs a b LEN', 'wait 0 0',
  ['migrate', 'h', '1', 'k', '0', '10'], ['migrate', 'h', '1', '', '0', '10', 'COPY', 'KEYS', 'a', 'b'], ['migrate', 'h', '1', '', '0', '10', 'AUTH', 'pw', 'KEYS', 'a'],
  ['migrate', 'h', '1', '', '0', '10', 'AUTH2', 'u', 'pw', 'REPLACE', 'KEYS', 'a', 'b', 'c'],
  // Edges: a numkeys larger than the keys given, a numkeys of zero, lenient numbers the fallbacks accept.
  'lmpop 5 a b LEFT', 'zunionstore d 0 a', 'zunionstore d 2x a b', 'sintercard 0 a', 'blmpop 0 3 a b LEFT',
  ['eval', 'return 1', '3', 'a'], ['eval', 'return 1', '-1'], ['fcall', 'f', '01', 'a'],
  'xread STREAMS a b 0', 'xread COUNT 1 a', 'xreadgroup GROUP g STREAMS STREAMS k >',
];
