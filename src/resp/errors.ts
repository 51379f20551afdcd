// Error replies: a code word and a message, never a CR or LF on the wire.
// Canned errors live here so tests can assert them and wording stays Redis's.

export class RedisError extends Error {
  override name = 'RedisError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  toReply(): Buffer {
    return errorReply(this.code, this.message);
  }
}

/** Replaces each CR and LF with a space, as Redis does before it emits an error. */
export function sanitize(text: string): string {
  return text.replace(/[\r\n]/g, ' ');
}

/** UTF-8 keeps a sanitized message free of CR and LF bytes (latin1 would fold U+010A into LF). */
export function errorReply(code: string, message: string): Buffer {
  return Buffer.from(`-${sanitize(code)} ${sanitize(message)}\r\n`, 'utf8');
}

const canned = (line: string): Buffer => Buffer.from(`-${line}\r\n`);

export const ERR = {
  noAuth: canned('NOAUTH Authentication required.'),
  wrongPass: canned('WRONGPASS invalid username-password pair or user is disabled.'),
  authNotConfigured: canned(
    'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
  ),
  noProto: canned('NOPROTO unsupported protocol version'),
  syntax: canned('ERR syntax error'),
  notInteger: canned('ERR value is not an integer or out of range'),
  dbOutOfRange: canned('ERR DB index is out of range'),
  tryAgainNoMaster: canned('TRYAGAIN no master is reachable; the command was not run'),
  tryAgainMasterChanged: canned('TRYAGAIN the master changed before the command was sent; it was not run'),
  linkLost: canned('UNCERTAIN upstream connection lost before the reply; the command may or may not have run'),
  execAbortFailover: canned('EXECABORT Transaction discarded because the master changed'),
  inMultiFailover: canned('ERR the master changed during the transaction; it will be discarded at EXEC'),
  unhandled: canned('ERR the proxy could not handle this command'),
  scriptDebug: canned('ERR SCRIPT DEBUG is not available through suma-redis: debug scripts against a Redis node directly'),
  systemChannel: canned('NOPERM the __suma.* channels are reserved for system events'),
} as const;

/** What Redis answers to a command other than (P|S)(UN)SUBSCRIBE, PING, QUIT, RESET while subscribed. */
export function subscribedContext(name: string): Buffer {
  return errorReply('ERR', `Can't execute '${truncate(name)}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`);
}

/** An argument over its size limit (the sumavlib spec's wording). */
export function valueTooLarge(max: number): Buffer {
  return errorReply('ERR', `value too large (max ${max} bytes)`);
}

export const INVALID_JSON = errorReply('ERR', 'invalid JSON');

export function wrongArity(command: string): Buffer {
  return errorReply('ERR', `wrong number of arguments for '${command.toLowerCase()}' command`);
}

export function unknownSubcommand(command: string, sub: string): Buffer {
  return errorReply('ERR', `unknown subcommand '${truncate(sub)}'. Try ${command.toUpperCase()} HELP.`);
}

export function protocolError(what: string): Buffer {
  return errorReply('ERR', `Protocol error: ${what}`);
}

/** Redis truncates echoed arguments in errors; so do we, and we keep them printable. */
export function truncate(text: string, max = 128): string {
  return text.length > max ? text.slice(0, max) + '...' : text;
}
