// Shared tenants' names: prefixes in, prefixes out, keyspace notifications, reply transforms
// that change only the names (byte for byte elsewhere), and the sink that applies them.

import { describe, expect, test } from 'vitest';
import { encode, type Reply } from '../../src/resp/encode.js';
import { globMatch } from '../../src/state/glob.js';
import { tenant } from '../../src/state/keys.js';
import { Namespace, globEscape, isKeyevent, isNotificationChannel, tenantKeyPrefix } from '../../src/tenancy/namespace.js';
import { transformExec, transformPush, transformReply } from '../../src/tenancy/replies.js';
import { TransformSink } from '../../src/tenancy/transform-sink.js';

const ns = Namespace.of(tenant('acme', 'shop'));
const P = 't:{acme:shop}:';
const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const s = (buf: Buffer | null): string | null => (buf === null ? null : buf.toString('latin1'));
const frame = (value: Reply): Buffer => encode(value);

describe('prefixes', () => {
  test('tenantKeyPrefix and its glob form', () => {
    expect(tenantKeyPrefix(tenant('acme', 'shop'))).toBe(P);
    expect(s(ns.prefix)).toBe(P);
    expect(globEscape('a*b?c[d]e\\f')).toBe('a\\*b\\?c\\[d\\]e\\\\f');
    // A prefix with glob characters still matches only itself.
    const odd = new Namespace('t:{a?[b]*}:'.replace('*', '+'));
    expect(globMatch(s(odd.keyPattern(b('*')))!, 't:{a?[b]+}:key')).toBe(true);
    expect(globMatch(s(odd.keyPattern(b('*')))!, 't:{ax[b]+}:key')).toBe(false);
    expect(() => new Namespace('a*')).toThrow();
    expect(() => new Namespace('')).toThrow();
  });

  test('keys in and out', () => {
    expect(s(ns.key(b('user:1')))).toBe(`${P}user:1`);
    expect(s(ns.unkey(b(`${P}user:1`)))).toBe('user:1');
    expect(s(ns.unkey(b(`${P}`)))).toBe('');
    expect(ns.unkey(b('t:{acme:ads}:user:1'))).toBeNull();
    expect(ns.unkey(b('t:{acme'))).toBeNull();
    expect(s(ns.keyPattern(b('user:*')))).toBe(`${P}user:*`);
  });

  test('a user pattern cannot reach past the prefix', () => {
    for (const pattern of ['*', '?*', '[^x]*', '\\', '[', 't:{acme:ads}:*', '*}:*']) {
      const glob = s(ns.keyPattern(b(pattern)))!;
      expect(globMatch(glob, 't:{acme:ads}:k')).toBe(false);
      expect(globMatch(glob, 'k')).toBe(false);
    }
  });

  test('flush patterns: the tenant and what else it owns', () => {
    const withState = Namespace.of(tenant('acme', 'shop'), ['suma:{acme:shop}:']);
    expect(withState.flushPatterns.map(s)).toEqual([`${P}*`, 'suma:{acme:shop}:*']);
  });

  test('channels, keyspace and keyevent channels', () => {
    expect(s(ns.channel(b('news')))).toBe(`${P}news`);
    expect(s(ns.channel(b('__keyspace@0__:user:1')))).toBe(`__keyspace@0__:${P}user:1`);
    expect(s(ns.channel(b('__keyevent@0__:del')))).toBe('__keyevent@0__:del');
    // Not a notification channel: an ordinary name.
    expect(s(ns.channel(b('__keyspace@x__:k')))).toBe(`${P}__keyspace@x__:k`);
    expect(s(ns.channel(b('__suma.leader')))).toBe(`${P}__suma.leader`);
    for (const name of ['news', '__keyspace@0__:user:1', '__keyevent@12__:expired', '__suma.leader']) expect(s(ns.unchannel(ns.channel(b(name))))).toBe(name);
    expect(ns.unchannel(b('t:{acme:ads}:news'))).toBeNull();
    expect(ns.unchannel(b('__keyspace@0__:t:{acme:ads}:k'))).toBeNull();
    expect(isNotificationChannel(b('__keyspace@0__:k'))).toBe(true);
    expect(isNotificationChannel(b('__keyevent@3__:set'))).toBe(true);
    expect(isNotificationChannel(b('__keyspace@__:k'))).toBe(false);
    expect(isKeyevent(b('__keyevent@0__:set'))).toBe(true);
    expect(s(ns.shardChannel(b('__keyspace@0__:k')))).toBe(`${P}__keyspace@0__:k`);
  });

  test('channel patterns', () => {
    expect(s(ns.channelPattern(b('news.*')))).toBe(`${P}news.*`);
    expect(s(ns.channelPattern(b('__keyspace@0__:user:*')))).toBe(`__keyspace@0__:${P}user:*`);
    expect(s(ns.channelPattern(b('__keyevent@0__:*')))).toBe('__keyevent@0__:*');
    // A glob in the db could reach other tenants' keyspace channels.
    expect(ns.channelPattern(b('__keyspace@*__:*'))).toBeNull();
    expect(ns.channelPattern(b('__keyevent@?__:del'))).toBeNull();
    // Anything else that merely looks alike is an ordinary (prefixed) pattern.
    expect(s(ns.channelPattern(b('__key*__:*')))).toBe(`${P}__key*__:*`);
    for (const p of ['news.*', '__keyspace@0__:user:*', '__keyevent@0__:*', '[a-z]?']) expect(s(ns.unchannelPattern(ns.channelPattern(b(p))!))).toBe(p);
    // The mapped keyspace pattern matches the tenant's keyspace channels only.
    const glob = s(ns.channelPattern(b('__keyspace@0__:*')))!;
    expect(globMatch(glob, s(ns.channel(b('__keyspace@0__:k')))!)).toBe(true);
    expect(globMatch(glob, '__keyspace@0__:t:{acme:ads}:k')).toBe(false);
  });
});

describe('reply transforms', () => {
  test('KEYS: names stripped; anything not the tenant’s dropped', () => {
    const reply = frame([`${P}a`, `${P}b`, 't:{other:x}:c']);
    expect(transformReply('keys', reply, ns)).toEqual(frame(['a', 'b']));
    expect(transformReply('keys', frame([]), ns)).toEqual(frame([]));
  });

  test('SCAN: the cursor untouched, names stripped', () => {
    expect(transformReply('scan', frame(['17', [`${P}a`, `${P}bb`]]), ns)).toEqual(frame(['17', ['a', 'bb']]));
    expect(transformReply('scan', frame(['0', []]), ns)).toEqual(frame(['0', []]));
  });

  test('pops: the key, element 0, stripped; nulls and errors unchanged', () => {
    expect(transformReply('pop', frame([`${P}list`, 'v']), ns)).toEqual(frame(['list', 'v']));
    expect(transformReply('pop', frame([`${P}z`, 'm', '1.5']), ns)).toEqual(frame(['z', 'm', '1.5']));
    expect(transformReply('pop', frame([`${P}l`, ['a', 'b']]), ns)).toEqual(frame(['l', ['a', 'b']]));
    expect(transformReply('pop', b('*-1\r\n'), ns)).toEqual(b('*-1\r\n'));
    expect(transformReply('pop', b('$-1\r\n'), ns)).toEqual(b('$-1\r\n'));
    expect(transformReply('pop', b('-WRONGTYPE x\r\n'), ns)).toEqual(b('-WRONGTYPE x\r\n'));
  });

  test('streams: names stripped, entries byte for byte (null arrays stay null arrays)', () => {
    const entries = `*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n1-2\r\n*-1\r\n`;
    const reply = b(`*2\r\n*2\r\n$${P.length + 1}\r\n${P}a\r\n${entries}*2\r\n$${P.length + 1}\r\n${P}b\r\n*0\r\n`);
    const out = transformReply('streams', reply, ns)!;
    expect(s(out)).toBe(`*2\r\n*2\r\n$1\r\na\r\n${entries}*2\r\n$1\r\nb\r\n*0\r\n`);
    expect(transformReply('streams', b('*-1\r\n'), ns)).toEqual(b('*-1\r\n'));
  });

  test('PUBSUB CHANNELS and NUMSUB', () => {
    expect(transformReply('channels', frame([`${P}a`, `__keyspace@0__:${P}k`]), ns)).toEqual(frame(['a']));
    expect(transformReply('numsub', frame([`${P}a`, 2, `__keyspace@0__:${P}k`, 0]), ns)).toEqual(frame(['a', 2, '__keyspace@0__:k', 0]));
  });

  test('a reply that needs no change is returned as is', () => {
    const reply = frame(['0', []]);
    expect(transformReply('scan', reply, ns)!.equals(reply)).toBe(true);
    const status = b('+OK\r\n');
    expect(transformReply('keys', status, ns)).toBe(status);
  });

  test('EXEC: each queued command’s transform on its element', () => {
    const reply = frame([{ status: 'OK' }, [`${P}a`], ['0', [`${P}b`]], [`${P}l`, 'v'], 3]);
    expect(transformExec([null, 'keys', 'scan', 'pop', null], reply, ns)).toEqual(frame([{ status: 'OK' }, ['a'], ['0', ['b']], ['l', 'v'], 3]));
    expect(transformExec([null, null], reply, ns)).toBe(reply);
    expect(transformExec(['keys'], b('*-1\r\n'), ns)).toEqual(b('*-1\r\n'));
    expect(transformExec(['keys'], b('-EXECABORT x\r\n'), ns)).toEqual(b('-EXECABORT x\r\n'));
  });
});

describe('pub/sub frames', () => {
  const push = (...items: (string | number | null)[]): Buffer => frame(items);

  test('confirmations and messages lose the prefix', () => {
    expect(transformPush(push('subscribe', `${P}news`, 1), ns)).toEqual(push('subscribe', 'news', 1));
    expect(transformPush(push('unsubscribe', null, 0), ns)).toEqual(push('unsubscribe', null, 0));
    expect(transformPush(push('psubscribe', `${P}n*`, 2), ns)).toEqual(push('psubscribe', 'n*', 2));
    expect(transformPush(push('ssubscribe', `${P}s`, 1), ns)).toEqual(push('ssubscribe', 's', 1));
    expect(transformPush(push('message', `${P}news`, 'hello'), ns)).toEqual(push('message', 'news', 'hello'));
    expect(transformPush(push('pmessage', `${P}n*`, `${P}news`, 'hi'), ns)).toEqual(push('pmessage', 'n*', 'news', 'hi'));
    expect(transformPush(push('smessage', `${P}s`, 'x'), ns)).toEqual(push('smessage', 's', 'x'));
    // The payload of an ordinary message is the publisher's business, even if it looks like a key.
    expect(transformPush(push('message', `${P}news`, `${P}x`), ns)).toEqual(push('message', 'news', `${P}x`));
  });

  test('keyspace notifications: the key in the channel', () => {
    expect(transformPush(push('message', `__keyspace@0__:${P}user:1`, 'set'), ns)).toEqual(push('message', '__keyspace@0__:user:1', 'set'));
    expect(transformPush(push('pmessage', `__keyspace@0__:${P}user:*`, `__keyspace@0__:${P}user:1`, 'del'), ns)).toEqual(
      push('pmessage', '__keyspace@0__:user:*', '__keyspace@0__:user:1', 'del'),
    );
  });

  test('keyevent notifications: only the tenant’s keys, stripped', () => {
    expect(transformPush(push('message', '__keyevent@0__:set', `${P}user:1`), ns)).toEqual(push('message', '__keyevent@0__:set', 'user:1'));
    expect(transformPush(push('message', '__keyevent@0__:set', 't:{acme:ads}:user:1'), ns)).toBeNull();
    expect(transformPush(push('pmessage', '__keyevent@0__:*', '__keyevent@0__:expired', `${P}k`), ns)).toEqual(push('pmessage', '__keyevent@0__:*', '__keyevent@0__:expired', 'k'));
    expect(transformPush(push('pmessage', '__keyevent@0__:*', '__keyevent@0__:expired', 'other'), ns)).toBeNull();
  });

  test('a message on a channel that is not the tenant’s is dropped; other frames pass', () => {
    expect(transformPush(push('message', 't:{acme:ads}:news', 'x'), ns)).toBeNull();
    expect(transformPush(push('pong', ''), ns)).toEqual(push('pong', ''));
    expect(transformPush(b('+PONG\r\n'), ns)).toEqual(b('+PONG\r\n'));
  });
});

describe('TransformSink', () => {
  test('one frame over several chunks, transformed once; link losses pass through', () => {
    const got: { data: string; frames: number }[] = [];
    const lost: [number, boolean][] = [];
    const client = { deliver: (buf: Buffer, start: number, end: number, frames: number) => void got.push({ data: s(buf.subarray(start, end))!, frames }), linkLost: (n: number, maybe: boolean) => void lost.push([n, maybe]) };
    const sink = new TransformSink(client, (f) => transformReply('keys', f, ns)!);
    const reply = frame([`${P}a`, `${P}b`]);
    const chunk = Buffer.concat([b('xx'), reply, b('yy')]);
    const cut = 2 + 9;
    sink.deliver(chunk, 2, cut, 0);
    chunk.fill(0, 0, cut); // the link may reuse its chunk: the sink kept a copy
    sink.deliver(Buffer.concat([b('\0'.repeat(cut)), reply.subarray(9), b('yy')]), cut, 2 + reply.length, 1);
    expect(got).toEqual([{ data: s(frame(['a', 'b'])), frames: 1 }]);
    sink.linkLost(1, true);
    expect(lost).toEqual([[1, true]]);
  });
});
