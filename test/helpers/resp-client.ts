// A minimal request/reply client over raw RESP, for tests that need decoded replies from a real
// server (COMMAND tables, GETKEYS, isolation checks) without a client library in between.
// Calls may be issued concurrently: replies are matched to calls in order.

import net from 'node:net';
import { decodeFrame, type Value } from '../../src/resp/decode.js';
import { encodeCommand } from '../../src/resp/encode.js';
import { ReplyScanner } from '../../src/resp/reply-scanner.js';

export interface RespClient {
  /** Sends one command; resolves with its decoded reply (errors are ErrorValue, not rejections). */
  call(...args: (string | Buffer | number)[]): Promise<Value>;
  /** Sends one command; resolves with the raw reply frame. */
  raw(...args: (string | Buffer | number)[]): Promise<Buffer>;
  /** Sends an already encoded command frame; resolves with the raw reply frame. */
  frame(bytes: Buffer): Promise<Buffer>;
  /** Frames the server sends without being asked (pub/sub pushes), in order. */
  pushes(): Buffer[];
  /** Resolves with the next `n` pushed frames once they have arrived. */
  nextPushes(n: number, timeoutMs?: number): Promise<Buffer[]>;
  close(): void;
}

export async function respConnect(port: number, host = '127.0.0.1'): Promise<RespClient> {
  const socket = net.connect(port, host);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.setNoDelay(true);
  const waiting: ((frame: Buffer) => void)[] = [];
  const pushed: Buffer[] = [];
  let pushWaiter: (() => void) | null = null;
  const scanner = new ReplyScanner();
  let buffered: Buffer = Buffer.alloc(0);
  // The scanner keeps its state across chunks: resume where it stopped, frames start at 0.
  let offset = 0;
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    for (;;) {
      const end = scanner.next(buffered, offset);
      if (end < 0) {
        offset = buffered.length;
        return;
      }
      const frame = Buffer.from(buffered.subarray(0, end));
      buffered = buffered.subarray(end);
      offset = 0;
      if (isPush(frame)) {
        pushed.push(frame);
        pushWaiter?.();
      } else waiting.shift()?.(frame);
    }
  });
  socket.on('error', () => {});

  const frame = (bytes: Buffer): Promise<Buffer> =>
    new Promise((resolve) => {
      waiting.push(resolve);
      socket.write(bytes);
    });
  const raw = (...args: (string | Buffer | number)[]): Promise<Buffer> => frame(encodeCommand(args.map((a) => (typeof a === 'number' ? String(a) : a))));
  return {
    raw,
    frame,
    call: async (...args) => decodeFrame(await raw(...args)).value,
    pushes: () => pushed.splice(0),
    nextPushes: (n, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pushWaiter = null;
          reject(new Error(`timed out waiting for ${n} pushes; got ${pushed.length}`));
        }, timeoutMs);
        const check = (): void => {
          if (pushed.length < n) return;
          clearTimeout(timer);
          pushWaiter = null;
          resolve(pushed.splice(0, n));
        };
        pushWaiter = check;
        check();
      }),
    close: () => socket.destroy(),
  };
}

/** message / pmessage / smessage: frames no call asked for. */
function isPush(frame: Buffer): boolean {
  if (frame[0] !== 42) return false;
  const { value } = decodeFrame(frame);
  if (!Array.isArray(value) || !Buffer.isBuffer(value[0])) return false;
  const kind = value[0].toString('latin1');
  return kind === 'message' || kind === 'pmessage' || kind === 'smessage';
}
