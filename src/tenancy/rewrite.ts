// Shared tenancy on the request side: what becomes of each command a shared tenant sends. One
// table says, per command, whether it is rewritten (keys and channels prefixed), scoped (made to
// act on the tenant's keys only) or refused; commands it does not name follow from Redis's own
// command table (key specs; `admin` commands are refused). The result is a frame to forward, a
// local reply, or a scoped operation to run.

import { encodeCommand, type Reply } from '../resp/encode.js';
import { errorReply, unknownSubcommand, wrongArity } from '../resp/errors.js';
import { arityOk, locateArguments, type CommandInfo, type CommandKeyTable } from './keyspec.js';
import { isNotificationChannel, type Namespace } from './namespace.js';
import type { ReplyKind } from './replies.js';
import { scopedDbsize, scopedFlush, scopedRandomKey, type Exec } from './scoped.js';

export type Rewritten =
  /**
   * Send `frame` upstream, whose arguments are `args` (both null: the client's frame, unchanged;
   * a session records subscriptions from `args`); transform its reply with `reply`.
   */
  | { readonly kind: 'forward'; readonly args: Buffer[] | null; readonly frame: Buffer | null; readonly reply: ReplyKind | null }
  /** Answer the client with `reply` (a refusal or an argument error); nothing goes upstream. */
  | { readonly kind: 'reply'; readonly reply: Buffer }
  /** Run a scoped operation: several bounded commands upstream, then its reply to the client. */
  | { readonly kind: 'scoped'; readonly run: (exec: Exec) => Promise<Reply> };

export interface RewriteContext {
  /** The client is inside MULTI: a scoped operation cannot join the transaction. */
  readonly inMulti: boolean;
}

export type SharedAction = 'rewrite' | 'scope' | 'refuse';

export interface SharedRule {
  readonly action: SharedAction;
  /** What happens, in a sentence, for the documentation and for refusals. */
  readonly doc: string;
  /** Custom handling; without it, keys (and shard channels) are prefixed by the key specs. */
  readonly prepare?: (args: Buffer[], ns: Namespace, ctx: RewriteContext) => Rewritten;
  /** The transform the reply needs, when `prepare` does not say. */
  readonly reply?: ReplyKind;
}

const OUTSIDE = { inMulti: false } as const;

/** Rewrites shared tenants' commands against one upstream's command table. */
export class SharedRewriter {
  constructor(private readonly table: CommandKeyTable) {}

  rewrite(args: Buffer[], ns: Namespace, ctx: RewriteContext = OUTSIDE): Rewritten {
    const resolved = this.table.resolve(args);
    if (resolved.kind === 'unknown-command') return local(unknownCommand(args));
    if (resolved.kind === 'unknown-subcommand') return local(unknownSubcommand(resolved.container.name, args[1]!.toString('latin1')));
    const info = resolved.info;
    // Redis checks the arity first; the proxy answers it so nothing unprefixed ever leaves.
    if (!arityOk(info, args.length)) return local(wrongArity(info.name));
    const rule = sharedRule(info);
    if (rule.action === 'refuse') return refuse(info.name, rule.doc);
    if (rule.prepare !== undefined) return rule.prepare(args, ns, ctx);
    return byKeySpecs(info, args, ns, rule.reply ?? null);
  }
}

/** The rule for a command or subcommand: its own entry, its container's, or what its flags say. */
export function sharedRule(info: CommandInfo): SharedRule {
  const own = SHARED_POLICY.get(info.name);
  if (own !== undefined) return own;
  const bar = info.name.indexOf('|');
  const container = bar > 0 ? SHARED_POLICY.get(info.name.slice(0, bar)) : undefined;
  if (container !== undefined && container.prepare === undefined) return container;
  if (info.flags.has('admin')) return ADMIN;
  return KEY_SPECS;
}

function byKeySpecs(info: CommandInfo, args: Buffer[], ns: Namespace, reply: ReplyKind | null): Rewritten {
  const located = locateArguments(info, args);
  if ('problem' in located) {
    if (located.problem === 'invalid') return local(errorReply('ERR', `the key arguments of '${info.name}' do not match its numkeys: nothing was run`));
    return refuse(info.name, 'its key arguments cannot be located exactly');
  }
  if (located.keys.length === 0 && located.channels.length === 0 && located.patterns.length === 0) return forward(null, reply);
  const out = args.slice();
  for (const i of located.keys) out[i] = ns.key(args[i]!);
  for (const i of located.patterns) out[i] = ns.key(args[i]!);
  for (const i of located.channels) out[i] = ns.shardChannel(args[i]!);
  return forward(out, reply);
}

// ---------------------------------------------------------------- the table

const local = (reply: Buffer): Rewritten => ({ kind: 'reply', reply });
const forward = (args: Buffer[] | null, reply: ReplyKind | null): Rewritten => ({ kind: 'forward', args, frame: args === null ? null : encodeCommand(args), reply });

function refuse(name: string, why: string): Rewritten {
  return local(errorReply('NOPERM', `'${name}' is not available in shared tenancy: ${why}`));
}

const lower = (arg: Buffer | undefined): string => (arg === undefined ? '' : arg.toString('latin1').toLowerCase());

const ADMIN: SharedRule = { action: 'refuse', doc: 'an admin command acts on the whole server' };
const KEY_SPECS: SharedRule = { action: 'rewrite', doc: 'keys prefixed where the key specs say' };

const refused = (doc: string): SharedRule => ({ action: 'refuse', doc });
const rewritten = (doc: string, extra: Partial<SharedRule> = {}): SharedRule => ({ action: 'rewrite', doc, ...extra });

/** A multi-step scoped operation, refused inside MULTI (it cannot be part of a transaction). */
function scopedOp(name: string, check: (args: Buffer[]) => Buffer | null, run: (exec: Exec, ns: Namespace) => Promise<Reply>) {
  return (args: Buffer[], ns: Namespace, ctx: RewriteContext): Rewritten => {
    const error = check(args);
    if (error !== null) return local(error);
    if (ctx.inMulti) return local(errorReply('ERR', `'${name}' cannot be queued in MULTI in shared tenancy: it runs as several commands`));
    return { kind: 'scoped', run: (exec) => run(exec, ns) };
  };
}

const SYNTAX = errorReply('ERR', 'syntax error');
const flushArgs = (args: Buffer[]): Buffer | null => (args.length === 1 || (args.length === 2 && ['async', 'sync'].includes(lower(args[1]))) ? null : SYNTAX);
const noArgs = (): Buffer | null => null;

const mapAll = (args: Buffer[], from: number, map: (arg: Buffer) => Buffer): Buffer[] => args.map((arg, i) => (i < from ? arg : map(arg)));

/**
 * Commands whose shared-tenancy behaviour is not simply "prefix the keys the key specs name".
 * Keys are full command names (`client|list`); a container's entry covers its subcommands.
 */
export const SHARED_POLICY: ReadonlyMap<string, SharedRule> = new Map<string, SharedRule>([
  // Scoped to the tenant's keys.
  ['flushdb', { action: 'scope', doc: "deletes only the tenant's keys (SCAN MATCH prefix* then UNLINK, 1 000 keys a step); not atomic", prepare: scopedOp('flushdb', flushArgs, scopedFlush) }],
  ['flushall', { action: 'scope', doc: 'as FLUSHDB: the tenant has only db 0', prepare: scopedOp('flushall', flushArgs, scopedFlush) }],
  ['dbsize', { action: 'scope', doc: "counts the tenant's keys with one full SCAN (cost grows with the whole db)", prepare: scopedOp('dbsize', noArgs, scopedDbsize) }],
  ['randomkey', { action: 'scope', doc: 'SCAN from a random cursor until a batch holds a tenant key; nil when the tenant has none (one full SCAN)', prepare: scopedOp('randomkey', noArgs, scopedRandomKey) }],
  ['keys', { action: 'scope', doc: 'the pattern gets the escaped prefix; names are stripped from the reply', prepare: (args, ns) => forward([args[0]!, ns.keyPattern(args[1]!)], 'keys') }],
  ['scan', { action: 'scope', doc: 'MATCH gets the escaped prefix (MATCH prefix* when absent); names are stripped from the reply', prepare: (args, ns) => forward(scanArgs(args, ns), 'scan') }],

  // Pub/sub: channels and patterns namespaced, names stripped on delivery.
  ['subscribe', rewritten('channels prefixed (keyspace channels after `__:`)', { prepare: (args, ns) => forward(mapAll(args, 1, (c) => ns.channel(c)), 'pubsub') })],
  ['unsubscribe', rewritten('as SUBSCRIBE', { prepare: (args, ns) => forward(mapAll(args, 1, (c) => ns.channel(c)), 'pubsub') })],
  ['psubscribe', rewritten('patterns get the escaped prefix; a keyspace pattern must name its db', { prepare: psubscribe })],
  ['punsubscribe', rewritten('as PSUBSCRIBE', { prepare: (args, ns) => forward(mapAll(args, 1, (p) => ns.channelPattern(p) ?? ns.keyPattern(p)), 'pubsub') })],
  ['ssubscribe', rewritten('shard channels prefixed', { prepare: (args, ns) => forward(mapAll(args, 1, (c) => ns.shardChannel(c)), 'pubsub') })],
  ['sunsubscribe', rewritten('as SSUBSCRIBE', { prepare: (args, ns) => forward(mapAll(args, 1, (c) => ns.shardChannel(c)), 'pubsub') })],
  ['publish', rewritten('the channel is prefixed; keyspace-notification channels are refused', { prepare: publish })],
  ['spublish', rewritten('the shard channel is prefixed')],
  ['pubsub|channels', rewritten("the pattern gets the escaped prefix; names stripped (the tenant's keyspace channels are not listed)", { prepare: (args, ns) => forward([...args.slice(0, 2), ns.keyPattern(args[2] ?? Buffer.from('*'))], 'channels') })],
  ['pubsub|shardchannels', rewritten('as PUBSUB CHANNELS', { prepare: (args, ns) => forward([...args.slice(0, 2), ns.keyPattern(args[2] ?? Buffer.from('*'))], 'channels') })],
  ['pubsub|numsub', rewritten('channels prefixed, stripped from the reply', { prepare: (args, ns) => forward(mapAll(args, 2, (c) => ns.channel(c)), 'numsub') })],
  ['pubsub|shardnumsub', rewritten('as PUBSUB NUMSUB', { prepare: (args, ns) => forward(mapAll(args, 2, (c) => ns.shardChannel(c)), 'numsub') })],
  ['pubsub|numpat', refused('Redis counts the patterns of all tenants together')],

  // Replies that name keys.
  ['blpop', rewritten('keys prefixed; the key in the reply stripped', { reply: 'pop' })],
  ['brpop', rewritten('as BLPOP', { reply: 'pop' })],
  ['bzpopmin', rewritten('as BLPOP', { reply: 'pop' })],
  ['bzpopmax', rewritten('as BLPOP', { reply: 'pop' })],
  ['lmpop', rewritten('as BLPOP', { reply: 'pop' })],
  ['blmpop', rewritten('as BLPOP', { reply: 'pop' })],
  ['zmpop', rewritten('as BLPOP', { reply: 'pop' })],
  ['bzmpop', rewritten('as BLPOP', { reply: 'pop' })],
  ['xread', rewritten("keys found as XREAD's own parser finds them; stream names stripped from the reply", { reply: 'streams' })],
  ['xreadgroup', rewritten('as XREAD', { reply: 'streams' })],
  ['sort', rewritten('the key, every STORE key and the BY/GET patterns (not `#`) prefixed')],
  ['sort_ro', rewritten('as SORT')],
  ['georadius', rewritten('the key and every STORE/STOREDIST key prefixed (Redis uses the last)')],
  ['georadiusbymember', rewritten('as GEORADIUS')],
  ['eval', rewritten('KEYS prefixed; the script can still name any key itself')],
  ['evalsha', rewritten('as EVAL')],
  ['eval_ro', rewritten('as EVAL')],
  ['evalsha_ro', rewritten('as EVAL')],
  ['fcall', rewritten('as EVAL; the function library is shared by every tenant')],
  ['fcall_ro', rewritten('as FCALL')],

  // Allowed in a narrowed form.
  ['select', rewritten('SELECT 0 only: shared tenants live in db 0', { prepare: (args) => (args[1]!.toString('latin1') === '0' ? forward(null, null) : refuse('select', 'shared tenants live in db 0')) })],
  ['copy', rewritten('both keys prefixed; DB other than 0 refused', { prepare: copy })],
  ['function|load', rewritten('loads a library shared by every tenant; REPLACE refused', { prepare: functionLoad })],

  // Refused: they reach beyond the tenant and Redis cannot narrow them.
  ['swapdb', refused('it swaps the data of every tenant')],
  ['move', refused('shared tenants live in db 0')],
  ['migrate', refused('it makes the server connect to any host')],
  ['restore-asking', refused('a Redis Cluster internal')],
  ['config', refused('server configuration belongs to the operator')],
  ['debug', refused('it acts on the whole server')],
  ['monitor', refused('it shows the commands of every tenant')],
  ['acl', refused('the proxy, not Redis, knows the users')],
  ['cluster', refused('it reveals and changes the whole keyspace')],
  ['module', refused('modules belong to the operator')],
  ['slowlog', refused('it shows the commands and arguments of every tenant')],
  ['latency', refused('server diagnostics belong to the operator')],
  ['client|list', refused('it lists the connections of every tenant')],
  ['client|kill', refused('it can close connections of other tenants')],
  ['client|pause', refused('it pauses every tenant')],
  ['client|unpause', refused('as CLIENT PAUSE')],
  ['client|unblock', refused('it can unblock clients of other tenants')],
  ['client|no-evict', refused('an admin command')],
  ['client|tracking', refused('invalidation messages would name keys of other tenants')],
  ['script|flush', refused('it empties the script cache of every tenant')],
  ['script|kill', refused('it can kill a script of another tenant')],
  ['function|flush', refused('it deletes the libraries of every tenant')],
  ['function|delete', refused('libraries are shared: it could delete one of another tenant')],
  ['function|restore', refused('it can replace the libraries of every tenant')],
  ['function|kill', refused('it can kill a function of another tenant')],
]);

function scanArgs(args: Buffer[], ns: Namespace): Buffer[] {
  const out = args.slice();
  let matched = false;
  // db.c scanGenericCommand: COUNT, MATCH and TYPE each take a value; the last MATCH wins.
  for (let i = 2; i < out.length; i++) {
    const option = lower(out[i]);
    if (i + 1 >= out.length) break;
    if (option === 'match') {
      out[i + 1] = ns.keyPattern(out[i + 1]!);
      matched = true;
      i++;
    } else if (option === 'count' || option === 'type') i++;
    else break;
  }
  if (!matched) out.push(Buffer.from('MATCH'), ns.keyPattern(Buffer.from('*')));
  return out;
}

function psubscribe(args: Buffer[], ns: Namespace): Rewritten {
  const out = args.slice();
  for (let i = 1; i < args.length; i++) {
    const mapped = ns.channelPattern(args[i]!);
    if (mapped === null) return refuse('psubscribe', `name the db of a keyspace pattern, e.g. __keyspace@0__:*`);
    out[i] = mapped;
  }
  return forward(out, 'pubsub');
}

function publish(args: Buffer[], ns: Namespace): Rewritten {
  if (isNotificationChannel(args[1]!)) return refuse('publish', 'Redis publishes keyspace notifications there');
  return forward([args[0]!, ns.channel(args[1]!), args[2]!], null);
}

function copy(args: Buffer[], ns: Namespace): Rewritten {
  for (let i = 3; i < args.length; i++) {
    const option = lower(args[i]);
    if (option === 'db' && i + 1 < args.length) {
      if (args[i + 1]!.toString('latin1') !== '0') return refuse('copy', 'shared tenants live in db 0');
      i++;
    }
  }
  const out = args.slice();
  out[1] = ns.key(args[1]!);
  out[2] = ns.key(args[2]!);
  return forward(out, null);
}

function functionLoad(args: Buffer[]): Rewritten {
  // functions.c: FUNCTION LOAD [REPLACE] code; any argument before the code may be REPLACE.
  for (let i = 2; i < args.length - 1; i++) {
    if (lower(args[i]) === 'replace') return refuse('function|load', 'REPLACE could replace a library of another tenant');
  }
  return forward(null, null);
}

/** Redis's reply to a command name it does not know (server.c processCommand). */
export function unknownCommand(args: readonly Buffer[]): Buffer {
  let shown = '';
  for (let i = 1; i < args.length && shown.length < 128; i++) shown += `'${args[i]!.toString('latin1').slice(0, 128 - shown.length)}' `;
  return errorReply('ERR', `unknown command '${args[0]!.toString('latin1').slice(0, 128)}', with args beginning with: ${shown}`);
}
