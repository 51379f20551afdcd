// Raw RESP exchanges for byte-exact tests: send bytes, read until N reply frames arrived,
// the server closed, or a deadline passed.

import net from 'node:net';
import { ReplyScanner } from '../../src/resp/reply-scanner.js';

export interface RawResult {
  /** Everything received, as latin1 text (byte for byte). */
  reply: string;
  /** Complete top-level reply frames received. */
  replies: number;
  /** True when the server closed the connection. */
  closed: boolean;
}

export function rawExchange(port: number, request: string | Buffer, replies: number, timeoutMs = 10_000): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const scanner = new ReplyScanner();
    const chunks: Buffer[] = [];
    let count = 0;
    let closed = false;
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ reply: Buffer.concat(chunks).toString('latin1'), replies: count, closed });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('connect', () => socket.write(typeof request === 'string' ? Buffer.from(request, 'latin1') : request));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      for (let at = scanner.next(chunk, 0); at >= 0; at = scanner.next(chunk, at)) count++;
      if (replies > 0 && count >= replies) finish();
    });
    socket.on('end', () => {
      closed = true;
      finish();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') {
        closed = true;
        finish();
      } else reject(err);
    });
  });
}
