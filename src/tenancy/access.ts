// A tenant's deny list and its `scripts: false` switch, as Redis ACL would answer them. Checked
// for every command of the tenant, in both isolation modes. Compiled once per distinct list into
// a table by command id, so the forwarding path pays one array read per frame.

import { errorReply } from '../resp/errors.js';

/** What `scripts: false` refuses, whole commands and their subcommands alike. */
export const SCRIPT_COMMANDS: readonly string[] = ['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro', 'script', 'function'];

export const enum Verdict {
  Allowed = 0,
  Denied = 1,
  /** Some subcommands are denied: look at the arguments (check()). */
  BySubcommand = 2,
}

export class AccessRules {
  /** Whole commands denied, and `container|sub` pairs. */
  private readonly commands: ReadonlySet<string>;
  private readonly subcommands: ReadonlySet<string>;
  private compiled: { names: readonly string[]; verdicts: Uint8Array } | null = null;

  constructor(deny: readonly string[], scripts: boolean) {
    const names = [...deny, ...(scripts ? [] : SCRIPT_COMMANDS)].map((n) => n.toLowerCase());
    this.commands = new Set(names.filter((n) => !n.includes('|')));
    this.subcommands = new Set(names.filter((n) => n.includes('|') && !this.commands.has(n.slice(0, n.indexOf('|')))));
  }

  /** Nothing is denied: the client may stay on the fast path. */
  get empty(): boolean {
    return this.commands.size === 0 && this.subcommands.size === 0;
  }

  /** Redis's NOPERM reply when `args` is denied, else null. */
  check(args: readonly Buffer[]): Buffer | null {
    if (this.empty) return null;
    const name = args[0]!.toString('latin1').toLowerCase();
    if (this.commands.has(name)) return noPerm(name);
    if (args.length < 2 || this.subcommands.size === 0) return null;
    const full = `${name}|${args[1]!.toString('latin1').toLowerCase()}`;
    return this.subcommands.has(full) ? noPerm(full) : null;
  }

  /**
   * A verdict per command id, for `names` in id order (the command table's `names`); cached for
   * the last table it was asked about.
   */
  verdicts(names: readonly string[]): Uint8Array {
    if (this.compiled !== null && this.compiled.names === names) return this.compiled.verdicts;
    const verdicts = new Uint8Array(names.length);
    const containers = new Set([...this.subcommands].map((n) => n.slice(0, n.indexOf('|'))));
    names.forEach((name, id) => {
      if (this.commands.has(name)) verdicts[id] = Verdict.Denied;
      else if (containers.has(name)) verdicts[id] = Verdict.BySubcommand;
    });
    this.compiled = { names, verdicts };
    return verdicts;
  }
}

/** Equal for deny lists and switches with the same effect, so tenants can share one AccessRules. */
export function accessKey(deny: readonly string[], scripts: boolean): string {
  return `${scripts ? '' : 'noscripts '}${[...deny].map((n) => n.toLowerCase()).sort().join(' ')}`;
}

/** Redis 7's ACL wording (server.c processCommand, with the command's full name). */
function noPerm(fullName: string): Buffer {
  return errorReply('NOPERM', `this user has no permissions to run the '${fullName}' command`);
}
