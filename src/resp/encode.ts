// RESP2 encoders for replies the proxy makes itself. Upstream replies never pass through here.

const CRLF = '\r\n';

export const OK = Buffer.from('+OK\r\n');
export const PONG = Buffer.from('+PONG\r\n');
export const RESET = Buffer.from('+RESET\r\n');
export const NULL_BULK = Buffer.from('$-1\r\n');
export const NULL_ARRAY = Buffer.from('*-1\r\n');
export const EMPTY_ARRAY = Buffer.from('*0\r\n');
export const ZERO = Buffer.from(':0\r\n');
export const ONE = Buffer.from(':1\r\n');

export function status(text: string): Buffer {
  return Buffer.from(`+${text}${CRLF}`, 'latin1');
}

export function integer(n: number | bigint): Buffer {
  return Buffer.from(`:${n}${CRLF}`, 'latin1');
}

export function bulk(value: string | Buffer | null): Buffer {
  if (value === null) return NULL_BULK;
  const body = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const head = Buffer.from(`$${body.length}${CRLF}`, 'latin1');
  return Buffer.concat([head, body, Buffer.from(CRLF)]);
}

/** A reply value the proxy builds: nested arrays of strings, buffers, integers and nulls; `raw` is an already encoded frame. */
export type Reply = string | Buffer | number | bigint | null | Reply[] | { status: string } | { error: Buffer } | { raw: Buffer };

export function encode(value: Reply): Buffer {
  const parts: Buffer[] = [];
  encodeInto(value, parts);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

function encodeInto(value: Reply, parts: Buffer[]): void {
  if (value === null) parts.push(NULL_BULK);
  else if (typeof value === 'number' || typeof value === 'bigint') parts.push(integer(value));
  else if (typeof value === 'string' || Buffer.isBuffer(value)) parts.push(bulk(value));
  else if (Array.isArray(value)) {
    parts.push(Buffer.from(`*${value.length}${CRLF}`, 'latin1'));
    for (const item of value) encodeInto(item, parts);
  } else if ('status' in value) parts.push(status(value.status));
  else if ('raw' in value) parts.push(value.raw);
  else parts.push(value.error);
}

/** A command in RESP2 multibulk form. */
export function encodeCommand(args: ReadonlyArray<string | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}${CRLF}`, 'latin1')];
  for (const arg of args) {
    const body = typeof arg === 'string' ? Buffer.from(arg, 'utf8') : arg;
    parts.push(Buffer.from(`$${body.length}${CRLF}`, 'latin1'), body, Buffer.from(CRLF));
  }
  return Buffer.concat(parts);
}
