// NameTable (case-insensitive lookup straight from request bytes) and the CommandTable policy data.

import { describe, expect, test } from 'vitest';
import { NameTable } from '../../src/registry/name-table.js';
import {
  CommandTable,
  Kind,
  PubSubFamily,
  allowedBeforeAuth,
  allowedWhileSubscribed,
  clientNeedsSession,
  type LocalCommand,
} from '../../src/registry/policy.js';

/** Looks a name up the way the client does: from its bytes inside a larger buffer. */
function lookup<T>(table: NameTable<T>, name: string): T | undefined {
  const buf = Buffer.from(`*2\r\n$${name.length}\r\n${name}\r\n$1\r\nk\r\n`, 'latin1');
  const start = buf.indexOf(name, 4, 'latin1');
  return table.get(buf, start, Buffer.byteLength(name, 'latin1'));
}

describe('NameTable', () => {
  const table = new NameTable<number>();
  table.set('get', 1);
  table.set('GETEX', 2);
  table.set('sumavlib.leader', 3);
  table.set('Client', 4);

  test('any case of the name finds it', () => {
    for (const name of ['get', 'GET', 'Get', 'gEt']) expect(lookup(table, name)).toBe(1);
    for (const name of ['getex', 'GETEX', 'GetEx']) expect(lookup(table, name)).toBe(2);
    for (const name of ['sumavlib.leader', 'SUMAVLIB.LEADER', 'SumaVlib.Leader']) expect(lookup(table, name)).toBe(3);
    expect(lookup(table, 'CLIENT')).toBe(4);
    expect(lookup(table, 'client')).toBe(4);
  });

  test('prefixes, extensions and near names do not match', () => {
    for (const name of ['ge', 'gets', 'getexx', 'gex', 'set', '', 'sumavlib', 'sumavlib.leade', 'sumavlib_leader']) {
      expect(lookup(table, name), name).toBeUndefined();
    }
  });

  test('only ASCII letters fold', () => {
    const t = new NameTable<string>();
    t.set('a[b', 'bracket');
    t.set('a@b', 'at');
    expect(lookup(t, 'A[B')).toBe('bracket');
    expect(lookup(t, 'a{b')).toBeUndefined();
    expect(lookup(t, 'a`b')).toBeUndefined();
    expect(lookup(t, 'A@B')).toBe('at');
  });

  test('lookup reads only the given range', () => {
    const buf = Buffer.from('xxGETEXyy', 'latin1');
    expect(table.get(buf, 2, 3)).toBe(1);
    expect(table.get(buf, 2, 5)).toBe(2);
    expect(table.get(buf, 3, 3)).toBeUndefined();
  });

  test('a name registered twice, in any case, throws', () => {
    const t = new NameTable<number>();
    t.set('ping', 1);
    expect(() => t.set('ping', 2)).toThrow(/registered twice/);
    expect(() => t.set('PING', 2)).toThrow(/'ping'/);
    expect(lookup(t, 'PING')).toBe(1);
  });

  test('byName and entries', () => {
    expect(table.byName('GETEX')).toBe(2);
    expect(table.byName('nope')).toBeUndefined();
    expect(new Map(table.entries())).toEqual(new Map([['get', 1], ['getex', 2], ['sumavlib.leader', 3], ['client', 4]]));
  });

  test('many names stay distinct', () => {
    const t = new NameTable<number>();
    const names: string[] = [];
    for (let i = 0; i < 2000; i++) names.push(`cmd${i.toString(36)}`);
    names.forEach((n, i) => t.set(n, i));
    names.forEach((n, i) => expect(lookup(t, n.toUpperCase())).toBe(i));
  });
});

describe('CommandTable', () => {
  const commands = new CommandTable();
  const policyOf = (name: string) => {
    const buf = Buffer.from(`..${name}..`, 'latin1');
    return commands.policyOf(buf, 2, name.length);
  };

  test('blocking commands need a session', () => {
    for (const name of ['BLPOP', 'brpop', 'BRPOPLPUSH', 'blmove', 'BLMPOP', 'bzpopmin', 'BZPOPMAX', 'bzmpop', 'WAIT', 'waitaof']) {
      expect(policyOf(name)?.kind, name).toBe(Kind.Session);
    }
  });

  test('the subscribe family', () => {
    expect(policyOf('SUBSCRIBE')).toEqual({ kind: Kind.Subscribe, family: PubSubFamily.Channel });
    expect(policyOf('psubscribe')).toEqual({ kind: Kind.Subscribe, family: PubSubFamily.Pattern });
    expect(policyOf('SSubscribe')).toEqual({ kind: Kind.Subscribe, family: PubSubFamily.Shard });
    expect(policyOf('unsubscribe')).toEqual({ kind: Kind.Unsubscribe, family: PubSubFamily.Channel });
    expect(policyOf('PUNSUBSCRIBE')).toEqual({ kind: Kind.Unsubscribe, family: PubSubFamily.Pattern });
    expect(policyOf('sunsubscribe')).toEqual({ kind: Kind.Unsubscribe, family: PubSubFamily.Shard });
  });

  test('connection-state commands have their own kind', () => {
    const kinds: [string, Kind][] = [
      ['select', Kind.Select],
      ['MULTI', Kind.Multi],
      ['exec', Kind.Exec],
      ['discard', Kind.Discard],
      ['watch', Kind.Watch],
      ['unwatch', Kind.Unwatch],
      ['client', Kind.Client],
      ['xread', Kind.StreamRead],
      ['XREADGROUP', Kind.StreamRead],
      ['monitor', Kind.Monitor],
      ['auth', Kind.Auth],
      ['hello', Kind.Hello],
      ['quit', Kind.Quit],
      ['reset', Kind.Reset],
      ['sync', Kind.Refused],
      ['PSYNC', Kind.Refused],
      ['replconf', Kind.Refused],
    ];
    for (const [name, kind] of kinds) expect(policyOf(name)?.kind, name).toBe(kind);
  });

  test('stateless and unknown commands have no policy', () => {
    for (const name of ['get', 'SET', 'ping', 'echo', 'lpop', 'xadd', 'eval', 'no-such-command', 'blpo', 'blpopx', '']) {
      expect(policyOf(name), name).toBeUndefined();
    }
  });

  test('local commands register once, and never over a standard name', () => {
    const table = new CommandTable();
    const local: LocalCommand = { name: 'sumavlib.ping', check: () => null, run: () => 'pong' };
    table.addLocal(local);
    const buf = Buffer.from('SUMAVLIB.PING', 'latin1');
    expect(table.policyOf(buf, 0, buf.length)).toEqual({ kind: Kind.Local, command: local });
    expect(table.locals()).toEqual([local]);
    expect(() => table.addLocal({ ...local, name: 'SUMAVLIB.PING' })).toThrow(/registered twice/);
    expect(() => table.addLocal({ ...local, name: 'subscribe' })).toThrow(/registered twice/);
    expect(new CommandTable().locals()).toEqual([]);
  });

  test('helpers', () => {
    expect([Kind.Auth, Kind.Hello, Kind.Quit, Kind.Reset].every(allowedBeforeAuth)).toBe(true);
    expect([Kind.Session, Kind.Local, Kind.Select, Kind.Subscribe, undefined].some(allowedBeforeAuth)).toBe(false);
    expect(clientNeedsSession('SETNAME')).toBe(true);
    expect(clientNeedsSession('id')).toBe(true);
    expect(clientNeedsSession('list')).toBe(false);
    expect(allowedWhileSubscribed('PING')).toBe(true);
    expect(allowedWhileSubscribed('ssubscribe')).toBe(true);
    expect(allowedWhileSubscribed('get')).toBe(false);
  });
});
