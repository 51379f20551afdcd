// How each standard command travels, as data. A command not listed here is stateless: it goes
// on the shared pipelined connection (or the client's own session once it has one), and that
// includes unknown and module commands, so the upstream's own error comes back.

import { NameTable } from './name-table.js';
import { REDIS_COMMANDS } from './redis-commands.js';
import type { Reply } from '../resp/encode.js';
import type { CommandSpec } from './spec.js';

export const enum Kind {
  /** Needs the client's own upstream connection; nothing else to do. */
  Session,
  /** Answered by the proxy itself (sumavlib.* and friends). */
  Local,
  Select,
  Multi,
  Exec,
  Discard,
  Watch,
  Unwatch,
  Subscribe,
  Unsubscribe,
  /** CLIENT: some subcommands carry connection state, others are server-wide. */
  Client,
  /** XREAD / XREADGROUP: blocking only with BLOCK. */
  StreamRead,
  Monitor,
  Auth,
  Hello,
  Quit,
  Reset,
  /** Not forwarded: replication protocol and commands that would break the shared connection. */
  Refused,
  /** PUBLISH / SPUBLISH: stateless, but the system event channels are not the clients' to publish on. */
  Publish,
  /** SCRIPT: stateless except SCRIPT DEBUG, whose debugger would take over the connection. */
  Script,
}

export const enum PubSubFamily {
  Channel,
  Pattern,
  Shard,
}

export interface Policy {
  kind: Kind;
  family?: PubSubFamily;
  /** For Kind.Local. */
  command?: LocalCommand;
}

/** A command the proxy answers itself. */
export interface LocalCommand {
  readonly name: string;
  /** Its spec, for COMMAND and COMMAND INFO. */
  readonly spec?: CommandSpec;
  /** A Redis command the proxy answers itself (INFO, COMMAND): inside MULTI it goes to Redis instead. */
  readonly standard?: boolean;
  /** Arity and argument errors, Redis's wording; null when the call may run. */
  check(args: Buffer[]): Buffer | null;
  run(client: LocalCaller, args: Buffer[]): Reply | Promise<Reply>;
}

/** What a local command may know about its caller. */
export interface LocalCaller {
  readonly id: number;
  readonly remoteAddress: string;
}

/**
 * Standard commands and the proxy's own, in one case-insensitive table; built once at boot. Each
 * name has an id (its index in `names`), so counters are kept per command without string keys;
 * id 0 is `other`, every name not in the table. A stateless Redis command has an id and no policy.
 */
export class CommandTable {
  private readonly ids = new NameTable<number>();
  /** Policy per id; undefined for stateless commands. Read on the hot path. */
  readonly policies: (Policy | undefined)[] = [undefined];
  private readonly idNames: string[] = ['other'];

  constructor() {
    for (const [name, policy] of STANDARD) this.add(name, policy);
    for (const name of REDIS_COMMANDS) if (this.ids.byName(name) === undefined) this.add(name, undefined);
  }

  /** Registers a local command; a name registered twice is a boot error. */
  addLocal(command: LocalCommand): void {
    const policy: Policy = { kind: Kind.Local, command };
    const id = this.ids.byName(command.name);
    if (id === undefined) return this.add(command.name, policy);
    // A Redis command the proxy answers itself (INFO, COMMAND) keeps the id it has.
    if (this.policies[id] !== undefined) throw new Error(`command '${command.name.toLowerCase()}' is registered twice`);
    this.policies[id] = policy;
  }

  /** The command's id from request bytes; 0 for a name not in the table. */
  idOf(buf: Buffer, start: number, length: number): number {
    return this.ids.get(buf, start, length) ?? 0;
  }

  policyOf(buf: Buffer, start: number, length: number): Policy | undefined {
    return this.policies[this.idOf(buf, start, length)];
  }

  /** The name of every id, in id order (labels of the per-command metrics). */
  get names(): readonly string[] {
    return this.idNames;
  }

  locals(): LocalCommand[] {
    const out: LocalCommand[] = [];
    for (const policy of this.policies) if (policy?.command) out.push(policy.command);
    return out;
  }

  private add(name: string, policy: Policy | undefined): void {
    this.ids.set(name, this.idNames.length);
    this.idNames.push(name.toLowerCase());
    this.policies.push(policy);
  }
}

const STANDARD: [string, Policy][] = [];
const table = { set: (name: string, policy: Policy): void => void STANDARD.push([name, policy]) };

const session = (...names: string[]): void => names.forEach((n) => table.set(n, { kind: Kind.Session }));
const special = (kind: Kind, ...names: string[]): void => names.forEach((n) => table.set(n, { kind }));

session('blpop', 'brpop', 'brpoplpush', 'blmove', 'blmpop', 'bzpopmin', 'bzpopmax', 'bzmpop', 'wait', 'waitaof');
session('readonly', 'readwrite', 'debug');
special(Kind.Select, 'select');
special(Kind.Multi, 'multi');
special(Kind.Exec, 'exec');
special(Kind.Discard, 'discard');
special(Kind.Watch, 'watch');
special(Kind.Unwatch, 'unwatch');
special(Kind.Client, 'client');
special(Kind.StreamRead, 'xread', 'xreadgroup');
special(Kind.Monitor, 'monitor');
special(Kind.Auth, 'auth');
special(Kind.Hello, 'hello');
special(Kind.Quit, 'quit');
special(Kind.Reset, 'reset');
special(Kind.Refused, 'sync', 'psync', 'replconf');
special(Kind.Publish, 'publish', 'spublish');
special(Kind.Script, 'script');
table.set('subscribe', { kind: Kind.Subscribe, family: PubSubFamily.Channel });
table.set('psubscribe', { kind: Kind.Subscribe, family: PubSubFamily.Pattern });
table.set('ssubscribe', { kind: Kind.Subscribe, family: PubSubFamily.Shard });
table.set('unsubscribe', { kind: Kind.Unsubscribe, family: PubSubFamily.Channel });
table.set('punsubscribe', { kind: Kind.Unsubscribe, family: PubSubFamily.Pattern });
table.set('sunsubscribe', { kind: Kind.Unsubscribe, family: PubSubFamily.Shard });

/** Commands Redis accepts before AUTH. */
export function allowedBeforeAuth(kind: Kind | undefined): boolean {
  return kind === Kind.Auth || kind === Kind.Hello || kind === Kind.Quit || kind === Kind.Reset;
}

/** Channels the proxy publishes its own events on; clients may subscribe but not publish there. */
export function isSystemChannel(name: Buffer): boolean {
  return name.length > 7 && name.toString('latin1', 0, 7) === '__suma.';
}

/** CLIENT subcommands that act on the caller's own connection and so need its session. */
const CLIENT_SESSION = new Set(['id', 'info', 'getname', 'setname', 'reply', 'tracking', 'caching', 'getredir', 'trackinginfo', 'no-evict', 'no-touch']);

export function clientNeedsSession(sub: string): boolean {
  return CLIENT_SESSION.has(sub.toLowerCase());
}

/** Commands a RESP2 client may send while subscribed. */
const SUBSCRIBED_CONTEXT = new Set(['subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe', 'ping', 'quit', 'reset']);

export function allowedWhileSubscribed(name: string): boolean {
  return SUBSCRIBED_CONTEXT.has(name.toLowerCase());
}
