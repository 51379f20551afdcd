// A raw RESP client for byte-exact tests: bytes in, bytes out, nothing decoded on the way. Its
// reply-frame counter is written apart from the proxy's own scanner, so it can judge that scanner.

import net from 'node:net';

export interface RawConnection {
  socket: net.Socket;
  send(bytes: string | Buffer): void;
  /**
   * Resolves once the bytes received (and not yet read) satisfy `until`, and consumes them:
   * - expected bytes: exactly those, which must arrive first; fails at the first byte that differs;
   * - a predicate: all bytes received so far, once it returns true.
   */
  readUntil(until: string | Buffer | ((received: Buffer) => boolean), timeoutMs?: number): Promise<Buffer>;
  /** Resolves when the server closes the connection. */
  closed: Promise<void>;
  close(): void;
}

/** Connects to 127.0.0.1:port. */
export async function rawConnect(port: number, host = '127.0.0.1'): Promise<RawConnection> {
  const socket = net.connect(port, host);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let received = Buffer.alloc(0);
  let ended = false;
  let wake: () => void = () => {};
  socket.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    wake();
  });
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      ended = true;
      wake();
      resolve();
    }),
  );
  socket.on('error', () => {}); // A reset shows as `closed`.

  const readUntil = (until: string | Buffer | ((received: Buffer) => boolean), timeoutMs = 5000): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const expected = typeof until === 'function' ? null : Buffer.from(until as string | Buffer);
      const timer = setTimeout(() => settle(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      const settle = (err?: Error, take?: number): void => {
        wake = () => {};
        clearTimeout(timer);
        if (err) {
          const wanted = expected ? `; expected ${show(expected)}` : '';
          reject(new Error(`${err.message}; received ${show(received)}${wanted}`));
          return;
        }
        const out = received.subarray(0, take);
        received = received.subarray(take);
        resolve(out);
      };
      const check = (): void => {
        if (expected) {
          const n = Math.min(expected.length, received.length);
          if (!received.subarray(0, n).equals(expected.subarray(0, n))) return settle(new Error(`bytes differ at offset ${firstDifference(received, expected)}`));
          if (received.length >= expected.length) return settle(undefined, expected.length);
        } else if ((until as (b: Buffer) => boolean)(received)) {
          return settle(undefined, received.length);
        }
        if (ended) settle(new Error('connection closed'));
      };
      wake = check;
      check();
    });

  return {
    socket,
    send: (bytes) => void socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes),
    readUntil,
    closed,
    close: () => socket.destroy(),
  };
}

/** Sends `bytes` on a fresh connection and returns everything received once `replies` whole replies arrived. */
export async function exchange(port: number, bytes: string | Buffer, replies: number, timeoutMs = 5000): Promise<Buffer> {
  const conn = await rawConnect(port);
  try {
    conn.send(bytes);
    return await conn.readUntil((received) => countReplies(received) >= replies, timeoutMs);
  } finally {
    conn.close();
  }
}

export interface RawResult {
  /** Everything received, as latin1 text (byte for byte). */
  reply: string;
  /** Complete top-level reply frames received. */
  replies: number;
  /** True when the server closed the connection. */
  closed: boolean;
}

/**
 * Like exchange, but never fails: resolves with whatever arrived once `replies` replies are in,
 * the server closed, or `timeoutMs` passed (ask for more replies than come to wait for a close).
 */
export function rawExchange(port: number, request: string | Buffer, replies: number, timeoutMs = 10_000): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let closed = false;
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ reply: received.toString('latin1'), replies: countReplies(received), closed });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('connect', () => socket.write(typeof request === 'string' ? Buffer.from(request, 'latin1') : request));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (replies > 0 && countReplies(received) >= replies) finish();
    });
    socket.on('end', () => {
      closed = true;
      finish();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ECONNRESET') return reject(err);
      closed = true;
      finish();
    });
  });
}

/** A command as a RESP2 array of bulk strings. */
export function encodeCommand(...args: (string | Buffer | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg), 'utf8');
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Complete top-level RESP2 replies at the start of `bytes`; throws on bytes that are not RESP2. */
export function countReplies(bytes: Buffer): number {
  let count = 0;
  for (let at = 0; at < bytes.length; count++) {
    const end = replyEnd(bytes, at);
    if (end < 0) break;
    at = end;
  }
  return count;
}

/** Offset just past the reply starting at `at`, or -1 while it is incomplete. */
function replyEnd(bytes: Buffer, at: number): number {
  const lineEnd = bytes.indexOf('\r\n', at);
  if (lineEnd < 0) return -1;
  const header = bytes.toString('latin1', at + 1, lineEnd);
  switch (String.fromCharCode(bytes[at]!)) {
    case '+':
    case '-':
    case ':':
      return lineEnd + 2;
    case '$': {
      const length = lengthOf(header, at);
      const end = lineEnd + 2 + length + 2;
      return length < 0 ? lineEnd + 2 : end <= bytes.length ? end : -1;
    }
    case '*': {
      let next = lineEnd + 2;
      for (let i = lengthOf(header, at); i > 0 && next >= 0; i--) next = replyEnd(bytes, next);
      return next;
    }
    default:
      throw new Error(`not a RESP2 reply at offset ${at}: ${show(bytes.subarray(at, at + 20))}`);
  }
}

function lengthOf(header: string, at: number): number {
  if (!/^(-1|\d+)$/.test(header)) throw new Error(`bad RESP2 length '${header}' at offset ${at}`);
  return Number(header);
}

function firstDifference(a: Buffer, b: Buffer): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** Bytes as a JSON string (CR/LF and control bytes escaped), cut at 300 characters. */
export function show(bytes: Buffer): string {
  const text = JSON.stringify(bytes.toString('latin1'));
  return text.length > 300 ? text.slice(0, 300) + '...' : text;
}
