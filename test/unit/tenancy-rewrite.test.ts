// The shared-tenancy rewrite against a small COMMAND table written here in Redis 7's layout
// (the integration test uses a real server's): what is prefixed, scoped, refused; the policy
// derivation; scoped operations against a scripted upstream; access rules; the registry.

import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { ErrorValue, decodeFrame, type Value } from '../../src/resp/decode.js';
import { encode, encodeCommand } from '../../src/resp/encode.js';
import { tenant } from '../../src/state/keys.js';
import { AccessRules, Verdict, accessKey } from '../../src/tenancy/access.js';
import { CommandKeyTable, getKeys, locateArguments } from '../../src/tenancy/keyspec.js';
import { Namespace } from '../../src/tenancy/namespace.js';
import { TenantRegistry } from '../../src/tenancy/registry.js';
import { SHARED_POLICY, SharedRewriter, sharedRule, unknownCommand, type Rewritten } from '../../src/tenancy/rewrite.js';
import { scopedDbsize, scopedFlush, scopedRandomKey, type Exec } from '../../src/tenancy/scoped.js';
import { parseTenants } from '../../src/tenancy/tenants-file.js';

// ---------------------------------------------------------------- a COMMAND reply, Redis 7 layout

const v = (x: unknown): Value => {
  if (typeof x === 'string') return Buffer.from(x);
  if (typeof x === 'number') return x;
  if (Array.isArray(x)) return x.map(v);
  return null;
};
type Spec = unknown[];
const index = (i: number, lastkey = 0, keystep = 1, flags: string[] = ['RW']): Spec => [
  'flags', flags, 'begin_search', ['type', 'index', 'spec', ['index', i]], 'find_keys', ['type', 'range', 'spec', ['lastkey', lastkey, 'keystep', keystep, 'limit', 0]],
];
const keynum = (i: number): Spec => ['flags', ['RW'], 'begin_search', ['type', 'index', 'spec', ['index', i]], 'find_keys', ['type', 'keynum', 'spec', ['keynumidx', 0, 'firstkey', 1, 'keystep', 1]]];
const keyword = (word: string, from: number, lastkey: number, limit: number): Spec => [
  'flags', ['RO'], 'begin_search', ['type', 'keyword', 'spec', ['keyword', word, 'startfrom', from]], 'find_keys', ['type', 'range', 'spec', ['lastkey', lastkey, 'keystep', 1, 'limit', limit]],
];
const unknown = (): Spec => ['flags', ['RO'], 'begin_search', ['type', 'unknown', 'spec', []], 'find_keys', ['type', 'unknown', 'spec', []]];
const cmd = (name: string, arity: number, flags: string[] = [], specs: Spec[] = [], subs: unknown[] = []): unknown[] => [name, arity, flags, 0, 0, 0, [], [], specs, subs];

const TABLE = CommandKeyTable.fromCommandReply(
  v([
    cmd('get', 2, ['readonly'], [index(1)]),
    cmd('set', -3, ['write'], [index(1)]),
    cmd('mset', -3, ['write'], [index(1, -1, 2)]),
    cmd('del', -2, ['write'], [index(1, -1)]),
    cmd('blpop', -3, ['write', 'blocking'], [index(1, -2)]),
    cmd('eval', -3, ['noscript', 'no_mandatory_keys', 'movablekeys'], [keynum(2)]),
    cmd('zunionstore', -4, ['write'], [index(1), keynum(2)]),
    cmd('xread', -4, ['readonly', 'blocking', 'movablekeys'], [keyword('STREAMS', 1, -1, 2)]),
    cmd('mystery', -2, ['write'], [keyword('INTO', 1, 0, 0)]),
    cmd('sort', -2, ['write', 'movablekeys'], [index(1), unknown(), unknown()]),
    cmd('copy', -3, ['write'], [index(1), index(2)]),
    cmd('ping', -1, ['fast']),
    cmd('keys', 2, ['readonly']),
    cmd('scan', -2, ['readonly']),
    cmd('flushdb', -1, ['write']),
    cmd('flushall', -1, ['write']),
    cmd('dbsize', 1, ['readonly']),
    cmd('randomkey', 1, ['readonly']),
    cmd('select', 2, []),
    cmd('swapdb', 3, ['write']),
    cmd('shutdown', -1, ['admin']),
    cmd('subscribe', -2, ['pubsub']),
    cmd('unsubscribe', -1, ['pubsub']),
    cmd('psubscribe', -2, ['pubsub']),
    cmd('punsubscribe', -1, ['pubsub']),
    cmd('publish', 3, ['pubsub']),
    cmd('spublish', 3, ['pubsub'], [index(1, 0, 1, ['not_key'])]),
    cmd('ssubscribe', -2, ['pubsub'], [index(1, -1, 1, ['not_key'])]),
    cmd('sunsubscribe', -1, ['pubsub'], [index(1, -1, 1, ['not_key'])]),
    cmd('config', -2, [], [], [cmd('config|get', -3, ['admin']), cmd('config|help', 2, [])]),
    cmd('object', -2, [], [], [cmd('object|encoding', 3, ['readonly'], [index(2)]), cmd('object|help', 2, [])]),
    cmd('pubsub', -2, [], [], [cmd('pubsub|channels', -2, ['pubsub']), cmd('pubsub|numsub', -2, ['pubsub']), cmd('pubsub|numpat', 2, ['pubsub'])]),
    cmd('function', -2, [], [], [cmd('function|load', -3, ['write']), cmd('function|list', -2, []), cmd('function|flush', -2, ['write'])]),
    cmd('client', -2, [], [], [cmd('client|id', 2, []), cmd('client|list', -2, ['admin']), cmd('client|setname', 3, [])]),
  ]),
);

const ns = Namespace.of(tenant('acme', 'shop'));
const P = 't:{acme:shop}:';
const rewriter = new SharedRewriter(TABLE);
const args = (line: string | string[]): Buffer[] => (typeof line === 'string' ? line.split(' ') : line).map((a) => Buffer.from(a, 'latin1'));
const rewrite = (line: string | string[], inMulti = false): Rewritten => rewriter.rewrite(args(line), ns, { inMulti });
const text = (buf: Buffer): string => buf.toString('latin1');

/** The rewritten command as words, or the local reply / 'scoped' / 'unchanged'. */
function outcome(line: string | string[], inMulti = false): { sent?: string[] | 'unchanged'; reply?: string | null; local?: string; scoped?: true } {
  const r = rewrite(line, inMulti);
  if (r.kind === 'reply') return { local: text(r.reply) };
  if (r.kind === 'scoped') return { scoped: true };
  // The arguments a session records are the ones sent.
  expect(r.frame === null ? null : decodeFrame(r.frame).value).toEqual(r.args);
  return { sent: r.frame === null ? 'unchanged' : (decodeFrame(r.frame).value as Buffer[]).map(text), reply: r.reply };
}

describe('CommandKeyTable (layout)', () => {
  test('rejects a reply that is not Redis 7’s layout', () => {
    expect(() => CommandKeyTable.fromCommandReply(v('x'))).toThrow('COMMAND: expected an array, got a string');
    expect(() => CommandKeyTable.fromCommandReply(v([['get', 2, []]]))).toThrow('not the 10-field layout of Redis 7');
    expect(() => CommandKeyTable.fromCommandReply(v([cmd('get', 2, [], [['flags', [], 'begin_search', 'x']])]))).toThrow('COMMAND: get begin_search: expected an array, got a string');
  });

  test('getKeys: range, step, keynum, keyword with a limit, unknown specs fall back', () => {
    const keys = (line: string): unknown => {
      const a = args(line);
      const r = TABLE.resolve(a);
      return r.kind === 'command' ? getKeys(r.info, a) : r.kind;
    };
    expect(keys('mset a 1 b 2')).toEqual({ keys: [1, 3] });
    expect(keys('blpop a b 0')).toEqual({ keys: [1, 2] });
    expect(keys('eval s 2 a b c')).toEqual({ keys: [3, 4] });
    expect(keys('eval s 0')).toEqual({ keys: [] });
    expect(keys('zunionstore d 0 a')).toEqual({ error: 'invalid' });
    expect(keys('xread COUNT 1 STREAMS a b 0 0')).toEqual({ keys: [4, 5] });
    expect(keys('sort k STORE d')).toEqual({ keys: [1, 3] });
    expect(keys('ping x')).toEqual({ error: 'no-keys' });
    expect(keys('get')).toEqual({ error: 'arity' });
    expect(keys('spublish c m')).toEqual({ error: 'no-keys' });
  });

  test('locateArguments refuses keyword searches it has no parser for', () => {
    const info = TABLE.get('mystery')!;
    expect(locateArguments(info, args('mystery INTO k'))).toEqual({ problem: 'unsupported' });
  });
});

describe('SharedRewriter', () => {
  test('keys prefixed where the key specs say; keyless commands unchanged', () => {
    expect(outcome('get user:1')).toEqual({ sent: ['get', `${P}user:1`], reply: null });
    expect(outcome('set k v EX 10')).toEqual({ sent: ['set', `${P}k`, 'v', 'EX', '10'], reply: null });
    expect(outcome('mset a 1 b 2')).toEqual({ sent: ['mset', `${P}a`, '1', `${P}b`, '2'], reply: null });
    expect(outcome('del a b')).toEqual({ sent: ['del', `${P}a`, `${P}b`], reply: null });
    expect(outcome(['eval', 'return 1', '1', 'k', 'arg'])).toEqual({ sent: ['eval', 'return 1', '1', `${P}k`, 'arg'], reply: null });
    expect(outcome(['eval', 'return 1', '0'])).toEqual({ sent: 'unchanged', reply: null });
    expect(outcome('object encoding k')).toEqual({ sent: ['object', 'encoding', `${P}k`], reply: null });
    expect(outcome('ping')).toEqual({ sent: 'unchanged', reply: null });
    expect(outcome('object help')).toEqual({ sent: 'unchanged', reply: null });
    expect(outcome('client setname me')).toEqual({ sent: 'unchanged', reply: null });
  });

  test('replies that name keys get a transform', () => {
    expect(outcome('blpop a b 0')).toEqual({ sent: ['blpop', `${P}a`, `${P}b`, '0'], reply: 'pop' });
    expect(outcome('xread COUNT 1 STREAMS a b 0 0')).toEqual({ sent: ['xread', 'COUNT', '1', 'STREAMS', `${P}a`, `${P}b`, '0', '0'], reply: 'streams' });
    expect(outcome('keys user:*')).toEqual({ sent: ['keys', `${P}user:*`], reply: 'keys' });
  });

  test('SCAN: MATCH prefixed or added; COUNT and TYPE kept', () => {
    expect(outcome('scan 0')).toEqual({ sent: ['scan', '0', 'MATCH', `${P}*`], reply: 'scan' });
    expect(outcome('scan 5 COUNT 10 MATCH u* TYPE string')).toEqual({ sent: ['scan', '5', 'COUNT', '10', 'MATCH', `${P}u*`, 'TYPE', 'string'], reply: 'scan' });
    expect(outcome('scan 5 match a* MATCH b*')).toEqual({ sent: ['scan', '5', 'match', `${P}a*`, 'MATCH', `${P}b*`], reply: 'scan' });
  });

  test('SORT: keys and patterns; # stays', () => {
    expect(outcome('sort k BY w_* GET # GET o_*->f STORE d')).toEqual({ sent: ['sort', `${P}k`, 'BY', `${P}w_*`, 'GET', '#', 'GET', `${P}o_*->f`, 'STORE', `${P}d`], reply: null });
  });

  test('pub/sub: channels and patterns, keyspace forms, refusals', () => {
    expect(outcome('subscribe a __keyspace@0__:k __keyevent@0__:del')).toEqual({ sent: ['subscribe', `${P}a`, `__keyspace@0__:${P}k`, '__keyevent@0__:del'], reply: 'pubsub' });
    expect(outcome('unsubscribe')).toEqual({ sent: ['unsubscribe'], reply: 'pubsub' });
    expect(outcome('psubscribe n* __keyspace@0__:*')).toEqual({ sent: ['psubscribe', `${P}n*`, `__keyspace@0__:${P}*`], reply: 'pubsub' });
    expect(outcome('psubscribe n* __keyspace@*__:*').local).toBe("-NOPERM 'psubscribe' is not available in shared tenancy: name the db of a keyspace pattern, e.g. __keyspace@0__:*\r\n");
    expect(outcome('punsubscribe __keyspace@*__:*')).toEqual({ sent: ['punsubscribe', `${P}__keyspace@*__:*`], reply: 'pubsub' });
    expect(outcome('ssubscribe s1 s2')).toEqual({ sent: ['ssubscribe', `${P}s1`, `${P}s2`], reply: 'pubsub' });
    expect(outcome('sunsubscribe')).toEqual({ sent: ['sunsubscribe'], reply: 'pubsub' });
    expect(outcome('publish news hi')).toEqual({ sent: ['publish', `${P}news`, 'hi'], reply: null });
    expect(outcome('publish __keyevent@0__:del k').local).toMatch(/^-NOPERM 'publish' is not available in shared tenancy: Redis publishes keyspace notifications there/);
    expect(outcome('spublish s m')).toEqual({ sent: ['spublish', `${P}s`, 'm'], reply: null });
    expect(outcome('pubsub channels')).toEqual({ sent: ['pubsub', 'channels', `${P}*`], reply: 'channels' });
    expect(outcome('pubsub channels n?')).toEqual({ sent: ['pubsub', 'channels', `${P}n?`], reply: 'channels' });
    expect(outcome('pubsub numsub a b')).toEqual({ sent: ['pubsub', 'numsub', `${P}a`, `${P}b`], reply: 'numsub' });
    expect(outcome('pubsub numpat').local).toMatch(/^-NOPERM 'pubsub\|numpat' is not available in shared tenancy/);
  });

  test('scoped operations, and not inside MULTI', () => {
    expect(outcome('flushdb')).toEqual({ scoped: true });
    expect(outcome('flushall ASYNC')).toEqual({ scoped: true });
    expect(outcome('flushall now').local).toBe('-ERR syntax error\r\n');
    expect(outcome('dbsize')).toEqual({ scoped: true });
    expect(outcome('randomkey')).toEqual({ scoped: true });
    expect(outcome('flushdb', true).local).toBe("-ERR 'flushdb' cannot be queued in MULTI in shared tenancy: it runs as several commands\r\n");
    expect(outcome('keys *', true)).toEqual({ sent: ['keys', `${P}*`], reply: 'keys' });
  });

  test('narrowed: SELECT 0, COPY without another db, FUNCTION LOAD without REPLACE', () => {
    expect(outcome('select 0')).toEqual({ sent: 'unchanged', reply: null });
    expect(outcome('select 1').local).toBe("-NOPERM 'select' is not available in shared tenancy: shared tenants live in db 0\r\n");
    expect(outcome('copy a b REPLACE')).toEqual({ sent: ['copy', `${P}a`, `${P}b`, 'REPLACE'], reply: null });
    expect(outcome('copy a b DB 0')).toEqual({ sent: ['copy', `${P}a`, `${P}b`, 'DB', '0'], reply: null });
    expect(outcome('copy a b db 2').local).toMatch(/^-NOPERM 'copy'/);
    expect(outcome(['function', 'load', '#!lua name=x\n'])).toEqual({ sent: 'unchanged', reply: null });
    expect(outcome(['function', 'load', 'replace', '#!lua name=x\n']).local).toMatch(/^-NOPERM 'function\|load'/);
    expect(outcome('function list')).toEqual({ sent: 'unchanged', reply: null });
  });

  test('refused: the table, containers, admin flags, inexact key specs', () => {
    expect(outcome('swapdb 0 1').local).toBe("-NOPERM 'swapdb' is not available in shared tenancy: it swaps the data of every tenant\r\n");
    expect(outcome('config help').local).toMatch(/^-NOPERM 'config\|help' is not available in shared tenancy: server configuration/);
    expect(outcome('config get x').local).toMatch(/^-NOPERM 'config\|get'/);
    expect(outcome('function flush').local).toMatch(/^-NOPERM 'function\|flush'/);
    expect(outcome('client list').local).toMatch(/^-NOPERM 'client\|list'/);
    expect(outcome('client id')).toEqual({ sent: 'unchanged', reply: null });
    expect(outcome('shutdown').local).toBe("-NOPERM 'shutdown' is not available in shared tenancy: an admin command acts on the whole server\r\n");
    expect(outcome('mystery INTO k').local).toBe("-NOPERM 'mystery' is not available in shared tenancy: its key arguments cannot be located exactly\r\n");
  });

  test('Redis’s own errors for unknown commands, subcommands, arity; a bad numkeys', () => {
    expect(outcome('nosuch a b').local).toBe("-ERR unknown command 'nosuch', with args beginning with: 'a' 'b' \r\n");
    expect(outcome('object nosuch k').local).toBe("-ERR unknown subcommand 'nosuch'. Try OBJECT HELP.\r\n");
    expect(outcome('get a b').local).toBe("-ERR wrong number of arguments for 'get' command\r\n");
    expect(outcome('object encoding').local).toBe("-ERR wrong number of arguments for 'object|encoding' command\r\n");
    expect(outcome(['eval', 'return 1', '5', 'a']).local).toBe("-ERR the key arguments of 'eval' do not match its numkeys: nothing was run\r\n");
    expect(text(unknownCommand(args(['x', 'a'.repeat(200), 'b'])))).toBe(`-ERR unknown command 'x', with args beginning with: '${'a'.repeat(128)}' \r\n`);
  });

  test('every entry of the table is a command of Redis 7.0 with a reason', () => {
    for (const [name, rule] of SHARED_POLICY) {
      expect(name).toMatch(/^[a-z_-]+(\|[a-z-]+)?$/);
      expect(rule.doc.length).toBeGreaterThan(5);
      expect(['rewrite', 'scope', 'refuse']).toContain(rule.action);
    }
    // docs/tenancy.md lists every entry, in the section of its action.
    const doc = readFileSync(new URL('../../docs/tenancy.md', import.meta.url), 'utf8');
    const sections = { scope: doc.indexOf('**Scoped**'), rewrite: doc.indexOf('**Rewritten**'), refuse: doc.indexOf('**Refused**'), end: doc.indexOf('### What a shared tenant still shares') };
    const bounds = { scope: [sections.scope, sections.rewrite], rewrite: [sections.rewrite, sections.refuse], refuse: [sections.refuse, sections.end] } as const;
    for (const [name, rule] of SHARED_POLICY) {
      const [from, to] = bounds[rule.action];
      expect(doc.slice(from, to), name).toContain(`\`${name.toUpperCase().replace('|', ' ')}\``);
    }
    expect(sharedRule(TABLE.get('get')!).action).toBe('rewrite');
    expect(sharedRule(TABLE.get('config|help')!).action).toBe('refuse');
    expect(sharedRule(TABLE.get('pubsub|channels')!).action).toBe('rewrite');
  });
});

// ---------------------------------------------------------------- scoped operations

/** A scripted upstream: a keyspace in a Map, SCAN over it in fixed pages. */
function fakeUpstream(keys: string[], page = 2): { exec: Exec; calls: string[][]; keys: Set<string> } {
  const store = new Set(keys);
  const calls: string[][] = [];
  const exec: Exec = async (command) => {
    const words = command.map((a) => (typeof a === 'string' ? a : a.toString('latin1')));
    calls.push(words);
    const name = words[0]!.toUpperCase();
    if (name === 'SCAN') {
      const all = [...keys];
      const start = Number(words[1]) % Math.max(all.length, 1);
      const glob = words[3]!.replace(/\\(.)/g, '$1').replace(/\*$/, '');
      const batch = all.slice(start, start + page).filter((k) => store.has(k) && k.startsWith(glob));
      const next = start + page >= all.length ? 0 : start + page;
      return [Buffer.from(String(next)), batch.map((k) => Buffer.from(k))];
    }
    if (name === 'UNLINK') {
      let n = 0;
      for (const k of words.slice(1)) if (store.delete(k)) n++;
      return n;
    }
    return new ErrorValue('ERR unexpected');
  };
  return { exec, calls, keys: store };
}

describe('scoped operations', () => {
  const keyspace = [`${P}a`, 'other', `${P}b`, 't:{acme:ads}:a', `${P}c`, 'suma:{acme:shop}:leader:x', `${P}d`];

  test('FLUSHDB: UNLINK of the tenant’s keys, one SCAN page at a time', async () => {
    const up = fakeUpstream(keyspace);
    const withState = Namespace.of(tenant('acme', 'shop'), ['suma:{acme:shop}:']);
    expect(await scopedFlush(up.exec, withState, 2)).toEqual({ status: 'OK' });
    expect([...up.keys]).toEqual(['other', 't:{acme:ads}:a']);
    const unlinks = up.calls.filter((c) => c[0] === 'UNLINK');
    expect(unlinks.every((c) => c.length <= 3)).toBe(true);
    expect(up.calls[0]).toEqual(['SCAN', '0', 'MATCH', 't:{acme:shop}:*', 'COUNT', '2']);
  });

  test('DBSIZE counts; RANDOMKEY picks one, stripped, or nil', async () => {
    expect(await scopedDbsize(fakeUpstream(keyspace).exec, ns, 3)).toBe(4);
    const key = await scopedRandomKey(fakeUpstream(keyspace).exec, ns, 2, () => 0.5);
    expect(['a', 'b', 'c', 'd']).toContain(text(key as Buffer));
    expect(await scopedRandomKey(fakeUpstream(['x', 'y', 'z']).exec, ns, 2, () => 0.9)).toBeNull();
  });

  test('an upstream error is the reply, as Redis worded it', async () => {
    const exec: Exec = async () => new ErrorValue('BUSY Redis is busy running a script.');
    expect(encode(await scopedFlush(exec, ns))).toEqual(Buffer.from('-BUSY Redis is busy running a script.\r\n'));
  });

  test('the rewriter’s scoped run uses the namespace', async () => {
    const up = fakeUpstream(keyspace);
    const r = rewrite('dbsize');
    if (r.kind !== 'scoped') throw new Error('expected a scoped operation');
    expect(await r.run(up.exec)).toBe(4);
  });
});

// ---------------------------------------------------------------- access rules

describe('AccessRules', () => {
  const names = ['other', 'get', 'flushall', 'config', 'eval', 'script', 'function', 'fcall'];

  test('whole commands and subcommands, in Redis’s ACL wording', () => {
    const rules = new AccessRules(['FLUSHALL', 'config|set'], true);
    expect(text(rules.check(args('flushall'))!)).toBe("-NOPERM this user has no permissions to run the 'flushall' command\r\n");
    expect(text(rules.check(args('CONFIG SET x y'))!)).toBe("-NOPERM this user has no permissions to run the 'config|set' command\r\n");
    expect(rules.check(args('config get x'))).toBeNull();
    expect(rules.check(args('get k'))).toBeNull();
    expect(Array.from(rules.verdicts(names))).toEqual([0, 0, Verdict.Denied, Verdict.BySubcommand, 0, 0, 0, 0]);
    expect(rules.verdicts(names)).toBe(rules.verdicts(names));
  });

  test('scripts: false refuses scripting', () => {
    const rules = new AccessRules([], false);
    expect(rules.empty).toBe(false);
    for (const line of ['eval s 0', 'fcall f 0', 'script load x', 'function list']) expect(rules.check(args(line))).not.toBeNull();
    expect(Array.from(rules.verdicts(names))).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
  });

  test('a whole command denied wins over its subcommands; empty rules', () => {
    const rules = new AccessRules(['config|set', 'config'], true);
    expect(Array.from(rules.verdicts(names))[3]).toBe(Verdict.Denied);
    expect(new AccessRules([], true).empty).toBe(true);
    expect(accessKey(['B', 'a'], true)).toBe(accessKey(['a', 'b'], true));
    expect(accessKey([], false)).not.toBe(accessKey([], true));
  });
});

// ---------------------------------------------------------------- the registry

describe('TenantRegistry', () => {
  afterEach(() => void vi.useRealTimers());

  const file = (tenants: unknown[]): ReturnType<typeof parseTenants> => parseTenants({ tenants });
  const shop = { owner: 'acme', business: 'shop', users: [{ name: 'shop', password: 'p' }, { name: 'shop2', password: 'p' }], maxClients: 2 };
  const ads = { owner: 'acme', business: 'ads', users: [{ name: 'ads', password: 'q' }], isolation: 'dedicated', masterName: 'ads', deny: ['keys'] };

  function registry(idleCloseMs = 0): { reg: TenantRegistry<{ name: string; closed: boolean }>; opened: string[] } {
    const opened: string[] = [];
    const reg = new TenantRegistry<{ name: string; closed: boolean }>(file([shop, ads]), {
      hooks: {
        open: (spec) => {
          opened.push(spec.id);
          return { name: spec.masterName!, closed: false };
        },
        close: (u) => void (u.closed = true),
      },
      idleCloseMs,
      alsoFlush: (t) => [`suma:{${t.id}}:`],
    });
    return { reg, opened };
  }

  test('AUTH binds to the tenant; shared tenants get a namespace, dedicated ones an upstream', () => {
    const { reg, opened } = registry();
    expect(reg.size).toBe(2);
    expect(reg.authenticate('shop', 'q')).toBeNull();
    const bound = reg.authenticate('shop2', 'p')!;
    expect(bound.user).toBe('shop2');
    expect(bound.handle.id).toBe('acme:shop');
    expect(bound.handle.namespace!.flushPatterns.map(text)).toEqual(['t:{acme:shop}:*', 'suma:{acme:shop}:*']);
    expect(bound.handle.namespace).toBe(bound.handle.namespace);
    expect(reg.upstreamOf(bound.handle)).toBeNull();
    const dedicated = reg.authenticate(Buffer.from('ads'), Buffer.from('q'))!.handle;
    expect(dedicated.namespace).toBeNull();
    expect(opened).toEqual([]);
    const upstream = reg.upstreamOf(dedicated);
    expect(reg.upstreamOf(dedicated)).toBe(upstream);
    expect(opened).toEqual(['acme:ads']);
    expect(dedicated.access.check(args('keys *'))).not.toBeNull();
    expect(reg.tenants().map((t) => t.id)).toEqual(['acme:shop', 'acme:ads']);
    expect(dedicated.metricsLabel).toBeNull();
  });

  test('maxClients', () => {
    const { reg } = registry();
    const handle = reg.get('acme:shop')!;
    expect(reg.admit(handle)).toBe(true);
    expect(reg.admit(handle)).toBe(true);
    expect(reg.admit(handle)).toBe(false);
    reg.release(handle);
    expect(reg.admit(handle)).toBe(true);
    expect(handle.clients).toBe(2);
  });

  test('an idle dedicated upstream closes after idleCloseMs; a new client cancels that', () => {
    vi.useFakeTimers();
    const { reg, opened } = registry(1000);
    const handle = reg.get('acme:ads')!;
    reg.admit(handle);
    const upstream = reg.upstreamOf(handle)!;
    reg.release(handle);
    vi.advanceTimersByTime(500);
    reg.admit(handle);
    vi.advanceTimersByTime(1000);
    expect(upstream.closed).toBe(false);
    reg.release(handle);
    vi.advanceTimersByTime(1001);
    expect(upstream.closed).toBe(true);
    expect(handle.upstream).toBeNull();
    reg.upstreamOf(handle);
    expect(opened).toEqual(['acme:ads', 'acme:ads']);
  });

  test('reload: unchanged tenants keep their object; in-place changes; retirements', () => {
    const { reg } = registry();
    const shopHandle = reg.get('acme:shop')!;
    const adsHandle = reg.get('acme:ads')!;
    reg.admit(shopHandle);
    const adsUpstream = reg.upstreamOf(adsHandle)!;

    // The same file: nothing to close, same objects.
    let result = reg.reload(file([shop, ads]));
    expect(result.closeTenants).toEqual([]);
    expect(result.closeUsers).toEqual([]);
    expect(reg.get('acme:shop')).toBe(shopHandle);
    expect(reg.get('acme:ads')).toBe(adsHandle);

    // shop loses a user and gets a deny list: same object, the user's connections end.
    result = reg.reload(file([{ ...shop, users: [shop.users[0]], deny: ['flushall'] }, ads]));
    expect(reg.get('acme:shop')).toBe(shopHandle);
    expect(shopHandle.clients).toBe(1);
    expect(result.closeUsers).toEqual(['shop2']);
    expect(shopHandle.access.check(args('flushall'))).not.toBeNull();
    expect(reg.authenticate('shop2', 'p')).toBeNull();

    // ads becomes shared: a new object, the old one retired with its upstream closed.
    result = reg.reload(file([shop, { ...ads, isolation: 'shared', masterName: undefined }, { owner: 'new', business: 'x', users: [{ name: 'n', password: 'p' }] }]));
    expect(result.closeTenants).toEqual([adsHandle]);
    expect(adsHandle.retired).toBe(true);
    expect(adsUpstream.closed).toBe(true);
    expect(reg.admit(adsHandle)).toBe(false);
    expect(reg.get('acme:ads')!.shared).toBe(true);
    expect(result.diff.added.map((t) => t.id)).toEqual(['new:x']);

    // Removal.
    result = reg.reload(file([shop]));
    expect(result.closeTenants.map((h) => h.id).sort()).toEqual(['acme:ads', 'new:x']);
    expect(result.closeUsers).toEqual(expect.arrayContaining(['ads', 'n']));
    expect(reg.size).toBe(1);
    reg.close();
    expect(reg.get('acme:shop')!.retired).toBe(true);
  });
});

test('encodeCommand frames decode back (sanity of the helpers above)', () => {
  expect(decodeFrame(encodeCommand(['a', 'b'])).value).toEqual([Buffer.from('a'), Buffer.from('b')]);
});
