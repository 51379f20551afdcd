// Where the keys are in a command's arguments, from the upstream's own COMMAND reply (Redis 7
// key specs), read once at start. Two questions are answered:
//
// - getKeys: the positions Redis itself finds (what COMMAND GETKEYS answers), by the same
//   algorithm as db.c getKeysFromCommandWithSpecs, including its fallbacks. Tests hold it
//   against a real server.
// - locateArguments: what a shared tenant's command must have prefixed. Index-based key specs are
//   exact. A keyword search can find another argument than the command's own parser does (the
//   first STORE of GEORADIUS where the last one wins, STREAMS where a consumer is named
//   "STREAMS"), and unknown or incomplete specs say nothing: those commands get a parser of their
//   own here, or are refused.

import { ErrorValue, type Value } from '../resp/decode.js';

export type BeginSearch =
  | { readonly type: 'index'; readonly index: number }
  | { readonly type: 'keyword'; readonly keyword: string; readonly startfrom: number }
  | { readonly type: 'unknown' };

export type FindKeys =
  | { readonly type: 'range'; readonly lastkey: number; readonly keystep: number; readonly limit: number }
  | { readonly type: 'keynum'; readonly keynumidx: number; readonly firstkey: number; readonly keystep: number }
  | { readonly type: 'unknown' };

export interface KeySpec {
  /** RW, RO, OW, RM, access, update, insert, delete, not_key, incomplete, variable_flags. */
  readonly flags: readonly string[];
  readonly begin: BeginSearch;
  readonly find: FindKeys;
}

export interface CommandInfo {
  /** Lower case; `container|sub` for a subcommand. */
  readonly name: string;
  readonly arity: number;
  readonly flags: ReadonlySet<string>;
  /** ACL categories, with their `@`. */
  readonly acl: readonly string[];
  readonly keySpecs: readonly KeySpec[];
  /** By subcommand name (lower case, without the container); null when there are none. */
  readonly subcommands: ReadonlyMap<string, CommandInfo> | null;
}

export type Resolved =
  | { readonly kind: 'command'; readonly info: CommandInfo }
  | { readonly kind: 'unknown-command' }
  | { readonly kind: 'unknown-subcommand'; readonly container: CommandInfo };

/** Every command and subcommand of one upstream, by full name. */
export class CommandKeyTable {
  private constructor(private readonly byName: ReadonlyMap<string, CommandInfo>) {}

  /** From the decoded reply of `COMMAND` (RESP2, Redis 7 layout); throws on another layout. */
  static fromCommandReply(reply: Value): CommandKeyTable {
    if (!Array.isArray(reply)) throw new Error(`COMMAND: expected an array, got ${kindOf(reply)}`);
    const byName = new Map<string, CommandInfo>();
    for (const entry of reply) {
      const info = parseEntry(entry, null);
      byName.set(info.name, info);
      for (const sub of info.subcommands?.values() ?? []) byName.set(sub.name, sub);
    }
    return new CommandKeyTable(byName);
  }

  get(fullName: string): CommandInfo | undefined {
    return this.byName.get(fullName.toLowerCase());
  }

  /** Every command and subcommand. */
  all(): IterableIterator<CommandInfo> {
    return this.byName.values();
  }

  /** The command (or subcommand) these arguments call, as Redis's lookupCommand finds it. */
  resolve(args: readonly Buffer[]): Resolved {
    const info = this.byName.get(args[0]!.toString('latin1').toLowerCase());
    if (info === undefined || info.name.includes('|')) return { kind: 'unknown-command' };
    if (info.subcommands === null || args.length < 2) return { kind: 'command', info };
    const sub = info.subcommands.get(args[1]!.toString('latin1').toLowerCase());
    return sub === undefined ? { kind: 'unknown-subcommand', container: info } : { kind: 'command', info: sub };
  }
}

export function arityOk(info: CommandInfo, argc: number): boolean {
  return info.arity >= 0 ? argc === info.arity : argc >= -info.arity;
}

// ---------------------------------------------------------------- COMMAND reply

function parseEntry(entry: Value, container: string | null): CommandInfo {
  if (!Array.isArray(entry) || entry.length < 10) throw new Error('COMMAND: an entry is not the 10-field layout of Redis 7');
  const name = text(entry[0], 'name').toLowerCase();
  const arity = int(entry[1], `${name} arity`);
  const flags = new Set(list(entry[2], `${name} flags`).map((f) => text(f, `${name} flag`)));
  const acl = list(entry[6], `${name} acl categories`).map((c) => text(c, `${name} acl category`));
  const keySpecs = list(entry[8], `${name} key specs`).map((spec) => parseKeySpec(spec, name));
  let subcommands: Map<string, CommandInfo> | null = null;
  const subs = list(entry[9], `${name} subcommands`);
  if (subs.length > 0 && container === null) {
    subcommands = new Map();
    for (const sub of subs) {
      const info = parseEntry(sub, name);
      subcommands.set(info.name.slice(name.length + 1), info);
    }
  }
  return { name, arity, flags, acl, keySpecs, subcommands };
}

function parseKeySpec(value: Value, command: string): KeySpec {
  const spec = flatMap(value, `${command} key spec`);
  const flags = list(spec.get('flags') ?? [], `${command} key spec flags`).map((f) => text(f, `${command} key spec flag`));
  const bs = flatMap(spec.get('begin_search') ?? null, `${command} begin_search`);
  const bsSpec = flatMap(bs.get('spec') ?? [], `${command} begin_search spec`);
  const fk = flatMap(spec.get('find_keys') ?? null, `${command} find_keys`);
  const fkSpec = flatMap(fk.get('spec') ?? [], `${command} find_keys spec`);
  const field = (map: Map<string, Value>, key: string, what: string): number => int(map.get(key), `${command} ${what} ${key}`);
  let begin: BeginSearch;
  switch (text(bs.get('type'), `${command} begin_search type`)) {
    case 'index':
      begin = { type: 'index', index: field(bsSpec, 'index', 'begin_search') };
      break;
    case 'keyword':
      begin = { type: 'keyword', keyword: text(bsSpec.get('keyword'), `${command} begin_search keyword`), startfrom: field(bsSpec, 'startfrom', 'begin_search') };
      break;
    default:
      begin = { type: 'unknown' };
  }
  let find: FindKeys;
  switch (text(fk.get('type'), `${command} find_keys type`)) {
    case 'range':
      find = { type: 'range', lastkey: field(fkSpec, 'lastkey', 'find_keys'), keystep: field(fkSpec, 'keystep', 'find_keys'), limit: field(fkSpec, 'limit', 'find_keys') };
      break;
    case 'keynum':
      find = { type: 'keynum', keynumidx: field(fkSpec, 'keynumidx', 'find_keys'), firstkey: field(fkSpec, 'firstkey', 'find_keys'), keystep: field(fkSpec, 'keystep', 'find_keys') };
      break;
    default:
      find = { type: 'unknown' };
  }
  return { flags, begin, find };
}

function flatMap(value: Value, what: string): Map<string, Value> {
  const items = list(value, what);
  const map = new Map<string, Value>();
  for (let i = 0; i + 1 < items.length; i += 2) map.set(text(items[i], `${what} field`), items[i + 1]!);
  return map;
}

function list(value: Value | undefined, what: string): Value[] {
  if (!Array.isArray(value)) throw new Error(`COMMAND: ${what}: expected an array, got ${kindOf(value)}`);
  return value;
}

function text(value: Value | undefined, what: string): string {
  if (!Buffer.isBuffer(value)) throw new Error(`COMMAND: ${what}: expected a string, got ${kindOf(value)}`);
  return value.toString('latin1');
}

function int(value: Value | undefined, what: string): number {
  if (typeof value !== 'number') throw new Error(`COMMAND: ${what}: expected an integer, got ${kindOf(value)}`);
  return value;
}

function kindOf(value: Value | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (value instanceof ErrorValue) return `the error ${value.line}`;
  return Array.isArray(value) ? 'an array' : typeof value === 'number' ? 'an integer' : 'a string';
}

// ---------------------------------------------------------------- Redis's own key finding

export type GetKeys = { readonly keys: number[] } | { readonly error: 'no-keys' | 'arity' | 'invalid' };

/**
 * The key positions COMMAND GETKEYS reports for `args` (args[0] is the command name), or the
 * error it answers: `no-keys` (the command has no key arguments), `arity`, `invalid` (no key found
 * where keys are mandatory).
 */
export function getKeys(info: CommandInfo, args: readonly Buffer[]): GetKeys {
  const keySpecs = info.keySpecs;
  if (!keySpecs.some((s) => !s.flags.includes('not_key'))) return { error: 'no-keys' };
  if (!arityOk(info, args.length)) return { error: 'arity' };
  const varflags = keySpecs.some((s) => s.flags.includes('variable_flags'));
  let keys = varflags ? null : keysFromSpecs(info, args, false);
  if (keys === null) keys = PROCS[info.name]?.(args) ?? [];
  if (keys.length === 0 && !info.flags.has('no_mandatory_keys')) return { error: 'invalid' };
  return { keys };
}

/**
 * db.c getKeysUsingKeySpecs: positions found by the key specs, or null where Redis gives up on
 * them (an unknown or incomplete spec, or bounds that do not fit: a syntax error to come).
 * `forRewrite` counts a numkeys of 0 as no keys instead of a failure (EVAL "..." 0 is valid).
 */
function keysFromSpecs(info: CommandInfo, args: readonly Buffer[], forRewrite: boolean, notKeys?: number[]): number[] | null {
  const argc = args.length;
  const keys: number[] = [];
  for (const spec of info.keySpecs) {
    const notKey = spec.flags.includes('not_key');
    if (notKey && notKeys === undefined) continue;
    let first = 0;
    const begin = spec.begin;
    if (begin.type === 'index') first = begin.index;
    else if (begin.type === 'keyword') {
      const start = begin.startfrom > 0 ? begin.startfrom : argc + begin.startfrom;
      const end = begin.startfrom > 0 ? argc - 1 : 1;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (args[i]!.toString('latin1').toLowerCase() === begin.keyword.toLowerCase()) {
          first = i + 1;
          break;
        }
      }
      if (first === 0) continue;
    } else return null;

    let last: number;
    let step: number;
    const find = spec.find;
    if (find.type === 'range') {
      step = find.keystep;
      if (find.lastkey >= 0) last = first + find.lastkey;
      else if (find.limit === 0) last = argc + find.lastkey;
      else last = first + (Math.trunc((argc - first) / find.limit) + find.lastkey);
    } else if (find.type === 'keynum') {
      step = find.keystep;
      if (first + find.keynumidx >= argc) return null;
      const numkeys = string2ll(args[first + find.keynumidx]!);
      if (numkeys === null || numkeys < 0) return null;
      first += find.firstkey;
      last = first + numkeys - 1;
      if (forRewrite && numkeys === 0) continue;
    } else return null;

    if (last >= argc || last < first || first >= argc) return null;
    const into = notKey ? notKeys! : keys;
    for (let i = first; i <= last; i += step) {
      if (i >= argc || i < first) continue;
      into.push(i);
    }
    if (spec.flags.includes('incomplete')) return null;
  }
  return keys;
}

/** Redis's string2ll: an optional '-', digits, no leading zeros or '+', within 64 bits. */
function string2ll(arg: Buffer): number | null {
  const s = arg.toString('latin1');
  if (!/^(0|-?[1-9][0-9]{0,18})$/.test(s)) return null;
  const n = BigInt(s);
  if (n > 9223372036854775807n || n < -9223372036854775808n) return null;
  return Number(n);
}

/** C's atoi, which the getkeys procs use: leading blanks, a sign, digits up to the first other byte. */
function atoi(arg: Buffer): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(arg.toString('latin1'));
  return m ? Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Number(m[1]))) : 0;
}

const lower = (arg: Buffer | undefined): string => (arg === undefined ? '' : arg.toString('latin1').toLowerCase());

/** db.c genericGetKeys: [destkey] numkeys key ... */
function generic(storeAt: number, countAt: number, firstAt: number, step: number): (args: readonly Buffer[]) => number[] {
  return (args) => {
    const num = atoi(args[countAt]!);
    if (num < 1 || num > Math.trunc((args.length - firstAt) / step)) return [];
    const keys = Array.from({ length: num }, (_, i) => firstAt + i * step);
    if (storeAt > 0) keys.push(storeAt);
    return keys;
  };
}

/** The getkeys_proc of each command that has one (db.c), used where Redis falls back to it. */
const PROCS: Readonly<Record<string, (args: readonly Buffer[]) => number[]>> = {
  sintercard: generic(0, 1, 2, 1),
  zintercard: generic(0, 1, 2, 1),
  zunion: generic(0, 1, 2, 1),
  zinter: generic(0, 1, 2, 1),
  zdiff: generic(0, 1, 2, 1),
  zunionstore: generic(1, 2, 3, 1),
  zinterstore: generic(1, 2, 3, 1),
  zdiffstore: generic(1, 2, 3, 1),
  eval: generic(0, 2, 3, 1),
  eval_ro: generic(0, 2, 3, 1),
  evalsha: generic(0, 2, 3, 1),
  evalsha_ro: generic(0, 2, 3, 1),
  fcall: generic(0, 2, 3, 1),
  fcall_ro: generic(0, 2, 3, 1),
  lmpop: generic(0, 1, 2, 1),
  blmpop: generic(0, 2, 3, 1),
  zmpop: generic(0, 1, 2, 1),
  bzmpop: generic(0, 2, 3, 1),
  set: () => [1],
  bitfield: () => [1],
  sort: (args) => {
    // sortGetKeys: LIMIT, GET and BY skip their arguments; the last STORE names the destination.
    let store = 0;
    for (let i = 2; i < args.length; i++) {
      const arg = lower(args[i]);
      if (arg === 'limit') i += 2;
      else if (arg === 'get' || arg === 'by') i += 1;
      else if (arg === 'store' && i + 1 < args.length) store = i + 1;
    }
    return store > 0 ? [1, store] : [1];
  },
  sort_ro: () => [1],
  migrate: (args) => {
    // migrateGetKeys: argv[3], or with an empty argv[3] the arguments after KEYS.
    if (args.length > 6) {
      for (let i = 6; i < args.length; i++) {
        const arg = lower(args[i]);
        if (arg === 'keys') {
          if (args[3]!.length > 0) return [];
          return Array.from({ length: args.length - i - 1 }, (_, k) => i + 1 + k);
        }
        if (arg === 'auth') i += 1;
        else if (arg === 'auth2') i += 2;
      }
    }
    return [3];
  },
  georadius: (args) => georadiusStore(args, 5, 1),
  georadiusbymember: (args) => georadiusStore(args, 5, 1),
  xread: (args) => xreadProcKeys(args),
  xreadgroup: (args) => xreadProcKeys(args),
};

/** geo.c georadiusGetKeys: the key, and the last STORE or STOREDIST argument scanned from `from`. */
function georadiusStore(args: readonly Buffer[], from: number, key: number): number[] {
  let stored = -1;
  for (let i = from; i < args.length; i++) {
    const arg = lower(args[i]);
    if ((arg === 'store' || arg === 'storedist') && i + 1 < args.length) {
      stored = i + 1;
      i++;
    }
  }
  return stored < 0 ? [key] : [key, stored];
}

/** db.c xreadGetKeys. */
function xreadProcKeys(args: readonly Buffer[]): number[] {
  let streams = -1;
  for (let i = 1; i < args.length; i++) {
    const arg = lower(args[i]);
    if (arg === 'block' || arg === 'count') i++;
    else if (arg === 'group') i += 2;
    else if (arg === 'noack') continue;
    else if (arg === 'streams') {
      streams = i;
      break;
    } else break;
  }
  const num = streams < 0 ? 0 : args.length - streams - 1;
  if (streams < 0 || num === 0 || num % 2 !== 0) return [];
  return Array.from({ length: num / 2 }, (_, k) => streams + 1 + k);
}

// ---------------------------------------------------------------- what a rewrite must prefix

/** The arguments a shared tenant's command names: keys, shard channels, SORT's BY/GET patterns. */
export interface ArgumentRoles {
  readonly keys: readonly number[];
  /** Shard channels (key specs flagged not_key: SPUBLISH, SSUBSCRIBE, SUNSUBSCRIBE). */
  readonly channels: readonly number[];
  /** Key-name patterns (SORT BY and GET): prefixed as keys are, `#` excepted. */
  readonly patterns: readonly number[];
}

export type Located =
  | ArgumentRoles
  /** The key specs cannot say exactly (keyword search, unknown or incomplete) and no parser here can. */
  | { readonly problem: 'unsupported' }
  /** The specs do not fit the arguments (numkeys too large, not a number): Redis would refuse it. */
  | { readonly problem: 'invalid' };

const NONE: readonly number[] = [];

/**
 * The arguments to prefix. The caller has checked the arity (and resolved the subcommand):
 * `args` are the whole command, name included.
 */
export function locateArguments(info: CommandInfo, args: readonly Buffer[]): Located {
  const exact = EXACT[info.name];
  if (exact !== undefined) return exact(args);
  if (!keySpecsAreExact(info)) return { problem: 'unsupported' };
  const channels: number[] = [];
  const keys = keysFromSpecs(info, args, true, channels);
  if (keys === null) return { problem: 'invalid' };
  return { keys, channels: channels.length > 0 ? channels : NONE, patterns: NONE };
}

/** True when the key specs alone find every key the command's own parser will use. */
export function keySpecsAreExact(info: CommandInfo): boolean {
  if (EXACT[info.name] !== undefined) return true;
  return info.keySpecs.every((s) => s.begin.type === 'index' && s.find.type !== 'unknown' && !s.flags.includes('incomplete'));
}

/** Commands whose key specs are not exact, read the way each command's own parser reads them. */
const EXACT: Readonly<Record<string, (args: readonly Buffer[]) => ArgumentRoles>> = {
  sort: (args) => sortRoles(args),
  sort_ro: (args) => sortRoles(args),
  georadius: (args) => ({ keys: georadiusRoles(args, 6), channels: NONE, patterns: NONE }),
  georadiusbymember: (args) => ({ keys: georadiusRoles(args, 5), channels: NONE, patterns: NONE }),
  xread: (args) => ({ keys: xreadRoles(args), channels: NONE, patterns: NONE }),
  xreadgroup: (args) => ({ keys: xreadRoles(args), channels: NONE, patterns: NONE }),
  migrate: (args) => ({ keys: PROCS['migrate']!(args), channels: NONE, patterns: NONE }),
};

/**
 * sort.c sortCommandGeneric: options are read left to right; every STORE names a key (the last
 * one wins in Redis; prefixing them all is the same), BY and GET name key patterns, except `#`
 * (the element itself).
 */
function sortRoles(args: readonly Buffer[]): ArgumentRoles {
  const keys = [1];
  const patterns: number[] = [];
  for (let j = 2; j < args.length; j++) {
    const arg = lower(args[j]);
    const left = args.length - j - 1;
    if (arg === 'limit' && left >= 2) j += 2;
    else if (arg === 'store' && left >= 1) keys.push(++j);
    else if ((arg === 'by' || arg === 'get') && left >= 1) {
      j++;
      if (!(args[j]!.length === 1 && args[j]![0] === 35 /* # */)) patterns.push(j);
    } else if (arg !== 'asc' && arg !== 'desc' && arg !== 'alpha') break; // a syntax error: Redis stops here too
  }
  return { keys, channels: NONE, patterns };
}

/**
 * geo.c georadiusGeneric: options from `from` on, left to right; COUNT takes a value, STORE and
 * STOREDIST a key (every one is prefixed: Redis keeps the last).
 */
function georadiusRoles(args: readonly Buffer[], from: number): number[] {
  const keys = [1];
  for (let i = from; i < args.length; i++) {
    const arg = lower(args[i]);
    const more = i + 1 < args.length;
    if (arg === 'count' && more) i++;
    else if ((arg === 'store' || arg === 'storedist') && more) keys.push(++i);
  }
  return keys;
}

/**
 * t_stream.c xreadCommand: BLOCK and COUNT take a value, GROUP two, NOACK none; STREAMS ends the
 * options, and the first half of what follows are the keys. A syntax error ends the search: Redis
 * answers it before touching a key.
 */
function xreadRoles(args: readonly Buffer[]): number[] {
  for (let i = 1; i < args.length; i++) {
    const arg = lower(args[i]);
    const more = args.length - i - 1;
    if ((arg === 'block' || arg === 'count') && more >= 1) i++;
    else if (arg === 'group' && more >= 2) i += 2;
    else if (arg === 'noack') continue;
    else if (arg === 'streams' && more >= 1) {
      const first = i + 1;
      const count = args.length - first;
      if (count % 2 !== 0) return [];
      return Array.from({ length: count / 2 }, (_, k) => first + k);
    } else return [];
  }
  return [];
}
