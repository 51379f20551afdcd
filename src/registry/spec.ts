// The proxy's own commands: one typed spec per command, in Redis's vocabulary (arity, flags), so
// arity errors and COMMAND INFO work for them as clients expect.

import { ERR, INVALID_JSON, valueTooLarge, wrongArity, RedisError } from '../resp/errors.js';
import type { Reply } from '../resp/encode.js';
import type { Tenant } from '../state/keys.js';
import type { StateStore } from '../state/store.js';
import type { Limits } from '../state/limits.js';
import type { LocalCaller, LocalCommand } from './policy.js';

export type CommandFlag = 'write' | 'readonly' | 'denyoom' | 'admin' | 'pubsub' | 'noscript' | 'blocking' | 'loading' | 'stale' | 'fast';

export interface CommandCall {
  readonly args: ArgReader;
  readonly tenant: Tenant;
  readonly caller: LocalCaller;
  readonly state: StateStore;
  readonly limits: Limits;
}

export interface CommandSpec {
  /** Full name as clients type it, e.g. `sumavlib.suma_try_leader`. */
  readonly name: string;
  /** Redis arity: positive is exact, negative is "at least", both counting the name. */
  readonly arity: number;
  readonly flags: readonly CommandFlag[];
  readonly summary: string;
  readonly group: string;
  readonly since: string;
  handler(call: CommandCall): Reply | Promise<Reply>;
}

/** What a spec needs from the running proxy to become a LocalCommand. */
export interface SpecRuntime {
  tenantOf(caller: LocalCaller): Tenant;
  state: StateStore;
  limits: Limits;
}

export function arityOk(arity: number, argc: number): boolean {
  return arity >= 0 ? argc === arity : argc >= -arity;
}

export function toLocalCommand(spec: CommandSpec, runtime: SpecRuntime): LocalCommand {
  return {
    name: spec.name,
    spec,
    check: (args) => (arityOk(spec.arity, args.length) ? null : wrongArity(spec.name)),
    run: (caller, args) => spec.handler({ args: new ArgReader(args), tenant: runtime.tenantOf(caller), caller, state: runtime.state, limits: runtime.limits }),
  };
}

/**
 * Reads arguments in order and latches the first error, so a command's grammar reads straight
 * through and is checked once at the end (`reader.error`).
 */
export class ArgReader {
  private at = 1;
  error: Buffer | null = null;

  constructor(readonly all: Buffer[]) {}

  get remaining(): number {
    return this.all.length - this.at;
  }

  /** The next argument as UTF-8 text, or '' (and a syntax error) when there is none. */
  text(maxBytes = Infinity): string {
    const arg = this.all[this.at++];
    if (arg === undefined) return this.fail(ERR.syntax), '';
    if (arg.length > maxBytes) this.fail(valueTooLarge(maxBytes));
    return arg.toString('utf8');
  }

  /** The next argument as JSON text (valid UTF-8 and JSON, at most `maxBytes`), returned unchanged. */
  json(maxBytes: number): string {
    const arg = this.all[this.at];
    const text = this.text(maxBytes);
    if (arg !== undefined && arg.length <= maxBytes && !isJson(arg)) this.fail(INVALID_JSON);
    return text;
  }

  /** The next argument as an integer in [min, max]; `rangeError` replaces Redis's generic one. */
  int(min: number, max: number, rangeError?: Buffer): number {
    const arg = this.all[this.at++];
    if (arg === undefined) return this.fail(ERR.syntax), 0;
    const text = arg.toString('latin1');
    if (!/^-?\d{1,16}$/.test(text)) return this.fail(ERR.notInteger), 0;
    const n = Number(text);
    if (n < min || n > max) this.fail(rangeError ?? ERR.notInteger);
    return n;
  }

  /** If the next argument is one of `words` (case-insensitive), consumes it and returns it upper-cased. */
  keyword<T extends string>(...words: T[]): T | null {
    const arg = this.all[this.at];
    if (arg === undefined || arg.length > 32) return null;
    const upper = arg.toString('latin1').toUpperCase();
    const hit = words.find((w) => w === upper);
    if (hit !== undefined) this.at++;
    return hit ?? null;
  }

  /** True if the next argument is one of `words` (case-insensitive); consumes nothing. */
  peekKeyword(...words: string[]): boolean {
    const arg = this.all[this.at];
    return arg !== undefined && arg.length <= 32 && words.includes(arg.toString('latin1').toUpperCase());
  }

  /** Latches `error` unless an earlier one is already latched. */
  fail(error: Buffer): void {
    this.error ??= error;
  }

  /** The latched error, or a syntax error for arguments left over; throw it from a handler. */
  finish(): void {
    if (this.error === null && this.remaining > 0) this.error = ERR.syntax;
    if (this.error !== null) throw new ReplyError(this.error);
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isJson(raw: Buffer): boolean {
  try {
    JSON.parse(strictUtf8.decode(raw));
    return true;
  } catch {
    return false;
  }
}

/** A ready error reply thrown out of a handler. */
export class ReplyError extends RedisError {
  constructor(readonly reply: Buffer) {
    const line = reply.toString('utf8', 1, reply.length - 2);
    const space = line.indexOf(' ');
    super(space < 0 ? line : line.slice(0, space), space < 0 ? '' : line.slice(space + 1));
  }

  override toReply(): Buffer {
    return this.reply;
  }
}
