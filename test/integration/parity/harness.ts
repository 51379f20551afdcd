// Differential parity harness: the same request bytes go to a redis-server A directly and to the
// proxy in front of a redis-server B; the replies must be the same bytes. A and B start empty and
// are flushed before every case, so each case sees the same state on both sides.

import net from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startRedis, type RedisProcess } from '../../helpers/redis.js';
import { startProxyProcess, type ProxyProcess } from '../../helpers/proxy.js';
import { waitFor } from '../../helpers/poll.js';

// ------------------------------------------------------------------ case data

export type Arg = string | Buffer | number;
/**
 * A command: 'SET k "two words"' (split on spaces; double quotes group words and take \r \n \t
 * \\ \" and \xHH escapes, as redis-cli does), or its arguments one by one.
 */
export type Command = string | readonly Arg[];
/** Request bytes written as they are, for inline commands, malformed input and the like. */
export interface Raw {
  raw: string | Buffer;
}
export type Request = readonly Command[] | Raw;

/** Rewrites a reply (latin1 text) before comparison; applied to Redis's and the proxy's alike. */
export type Mask = (reply: string) => string;

/** One exchange on one of the case's connections; the connections stay open across steps. */
export interface Step {
  /** Which connection of the case (0, 1, ...); opened on first use. */
  conn?: number;
  /** The request, or a function building it from the replies of the earlier steps on the same side (a DUMP payload ...). */
  request?: Request | ((earlier: Buffer[]) => Request);
  /** Top-level replies to wait for: by default one per command; required with a raw request. */
  replies?: number;
  /** Replies owed by earlier steps on this connection (a command that blocked), read first. */
  owed?: number;
  /** Write the request this many bytes at a time, a turn of the event loop apart (frames cut anywhere). */
  chunk?: number;
  /** Then wait until the server has this many blocked clients (the command really blocks). */
  untilBlocked?: number;
  /** Then wait for the server to close the connection, and compare that too. */
  closes?: boolean;
}

export interface Case {
  name: string;
  /** A single connection, one write: the usual case. */
  request?: Request;
  replies?: number;
  closes?: boolean;
  chunk?: number;
  /**
   * Reply frames that belong to the case, on every connection of both sides; others are dropped as
   * they arrive and not counted. Only for streams that also carry other connections' traffic
   * (MONITOR); say so in the case.
   */
  keep?: (frame: string) => boolean;
  /** Or several connections, exchange after exchange (pub/sub delivery, WATCH, blocking). */
  steps?: Step[];
  /** Non-deterministic fields only (timestamps, ids, memory figures); say which in the case. */
  mask?: Mask[];
  /** Per exchange; a case that expects Redis to stay silent uses a short one. */
  timeoutMs?: number;
  /** Redis sends fewer replies than asked within timeoutMs (it waits for more input): compare what came. */
  silent?: boolean;
  /** A known difference (the README's, or one by design): the proxy's reply is checked against this instead of Redis's. */
  documented?: Documented;
  /** A divergence caused by the proxy, reported and not fixed yet: the case checks that it still shows. */
  divergence?: string;
}

export interface Documented {
  reason: string;
  /** The proxy's whole reply (after masks), or a pattern for it. */
  proxied: string | RegExp;
  /** Replies the proxy sends, when not as many as Redis. */
  replies?: number;
  /** False when the request must not be sent to Redis at all (it would turn the connection into a replica). */
  direct?: boolean;
}

export const raw = (bytes: string | Buffer): Raw => ({ raw: bytes });

// ------------------------------------------------------------------ masks
// Masks exist only for what differs between two healthy servers fed the same bytes: clocks,
// connection ids and addresses, memory figures. A case that uses one says which field in a comment.

/** The `index`-th top-level reply of an exchange, whatever it is (masks leave valid RESP behind, so they chain). */
export const maskReply =
  (index: number): Mask =>
  (reply) => {
    const buf = Buffer.from(reply, 'latin1');
    const out: string[] = [];
    let at = 0;
    for (let i = 0; at < buf.length; i++) {
      const end = frameEnd(buf, at);
      if (end < 0) {
        out.push(buf.toString('latin1', at));
        break;
      }
      out.push(i === index ? '+<masked>\r\n' : buf.toString('latin1', at, end));
      at = end;
    }
    return out.join('');
  };

/** The value after a field name in a flat array reply (XINFO, XPENDING ...): `idle` -> <masked>. */
export const maskField =
  (name: string): Mask =>
  (reply) =>
    reply.replace(new RegExp(`(\\$${name.length}\\r\\n${escape(name)}\\r\\n)(:-?\\d+|\\$-1|\\$\\d+\\r\\n[^\\r]*)\\r\\n`, 'g'), '$1+<masked>\r\n');

/** `name=value` pairs inside bulk strings (CLIENT INFO, CLIENT LIST); bulk lengths are redone. */
export const maskPairs =
  (...names: string[]): Mask =>
  (reply) =>
    mapBulks(reply, (payload) => payload.replace(new RegExp(`(^|[ \\n])(${names.map(escape).join('|')})=[^ \\n]*`, 'g'), '$1$2=#'));

/** Every integer reply, at any depth (TIME, OBJECT IDLETIME ...). */
export const maskIntegers: Mask = (reply) => reply.replace(/(^|\n):-?\d+\r\n/g, '$1:<masked>\r\n');

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Rewrites each bulk payload of a reply with fn, re-emitting its length. */
function mapBulks(reply: string, fn: (payload: string) => string): string {
  const out: string[] = [];
  let at = 0;
  while (at < reply.length) {
    const lineEnd = reply.indexOf('\r\n', at);
    if (lineEnd < 0) {
      out.push(reply.slice(at));
      break;
    }
    const type = reply[at];
    const n = Number(reply.slice(at + 1, lineEnd));
    if ((type === '$' || type === '=' || type === '!') && n >= 0) {
      const payload = fn(reply.slice(lineEnd + 2, lineEnd + 2 + n));
      out.push(`${type}${payload.length}\r\n${payload}\r\n`);
      at = lineEnd + 2 + n + 2;
    } else {
      out.push(reply.slice(at, lineEnd + 2));
      at = lineEnd + 2;
    }
  }
  return out.join('');
}

// ------------------------------------------------------------------ the wire

/** A command as a RESP multibulk frame (one allocation: commands of a million arguments stay cheap). */
export function encode(command: Command): Buffer {
  const args = typeof command === 'string' ? splitArgs(command) : command;
  const values = args.map((arg) => (Buffer.isBuffer(arg) ? arg : String(arg)));
  let size = 3 + String(args.length).length;
  for (const value of values) {
    const length = typeof value === 'string' ? Buffer.byteLength(value) : value.length;
    size += 5 + String(length).length + length;
  }
  const out = Buffer.allocUnsafe(size);
  let at = out.write(`*${args.length}\r\n`, 0, 'latin1');
  for (const value of values) {
    const length = typeof value === 'string' ? Buffer.byteLength(value) : value.length;
    at += out.write(`$${length}\r\n`, at, 'latin1');
    at += typeof value === 'string' ? out.write(value, at, 'utf8') : value.copy(out, at);
    at += out.write('\r\n', at, 'latin1');
  }
  return out;
}

/** Splits a command written as text; see Command. */
export function splitArgs(line: string): Buffer[] {
  const args: Buffer[] = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] === ' ') {
      i++;
      continue;
    }
    if (line[i] !== '"') {
      const end = line.indexOf(' ', i);
      const word = end < 0 ? line.slice(i) : line.slice(i, end);
      args.push(Buffer.from(word, 'utf8'));
      i += word.length;
      continue;
    }
    const bytes: number[] = [];
    for (i++; ; i++) {
      if (i >= line.length) throw new Error(`unbalanced quotes in ${line}`);
      const ch = line[i]!;
      if (ch === '"') {
        i++;
        break;
      }
      if (ch !== '\\') {
        bytes.push(...Buffer.from(ch, 'utf8'));
        continue;
      }
      const e = line[++i]!;
      if (e === 'x') {
        bytes.push(parseInt(line.slice(i + 1, i + 3), 16));
        i += 2;
      } else bytes.push(e === 'n' ? 10 : e === 'r' ? 13 : e === 't' ? 9 : e.charCodeAt(0));
    }
    args.push(Buffer.from(bytes));
  }
  return args;
}

function isRaw(request: Request): request is Raw {
  return !Array.isArray(request);
}

function requestBytes(request: Request): Buffer {
  if (isRaw(request)) return Buffer.isBuffer(request.raw) ? request.raw : Buffer.from(request.raw, 'latin1');
  return Buffer.concat(request.map(encode));
}

/**
 * Offset just past the reply frame starting at `at`, or -1 while it is incomplete. Written apart
 * from the proxy's scanner; knows RESP3 types too, for the one exchange that asks Redis for them.
 */
export function frameEnd(buf: Buffer, at: number): number {
  const lineEnd = buf.indexOf('\r\n', at);
  if (lineEnd < 0) return -1;
  const type = String.fromCharCode(buf[at]!);
  const head = buf.toString('latin1', at + 1, lineEnd);
  const next = lineEnd + 2;
  const count = (): number => {
    if (!/^-?\d+$/.test(head)) throw new Error(`bad length '${head}' at offset ${at}`);
    return Number(head);
  };
  const elements = (n: number, from: number): number => {
    let pos = from;
    for (let i = 0; i < n && pos >= 0; i++) pos = frameEnd(buf, pos);
    return pos;
  };
  switch (type) {
    case '+':
    case '-':
    case ':':
    case '_':
    case ',':
    case '#':
    case '(':
      return next;
    case '$':
    case '=':
    case '!': {
      const n = count();
      if (n < 0) return next;
      return next + n + 2 <= buf.length ? next + n + 2 : -1;
    }
    case '*':
    case '~':
    case '>':
      return elements(Math.max(0, count()), next);
    case '%':
      return elements(2 * count(), next);
    case '|': {
      const end = elements(2 * count(), next);
      return end < 0 ? -1 : frameEnd(buf, end);
    }
    default:
      throw new Error(`not a RESP reply at offset ${at}: ${JSON.stringify(buf.toString('latin1', at, at + 40))}`);
  }
}

/** A raw connection that hands out whole reply frames, counted as they arrive. */
class Conn {
  private data = Buffer.allocUnsafe(64 * 1024);
  private length = 0;
  /** Ends of the complete frames in data[0, length), in order. */
  private ends: number[] = [];
  private scanned = 0;
  private wake: () => void = () => {};
  closed = false;

  private constructor(
    private readonly socket: net.Socket,
    /** Frames failing this are dropped as they complete (see Case.keep). */
    private readonly keep?: (frame: string) => boolean,
  ) {
    socket.on('data', (chunk: Buffer) => {
      if (this.length + chunk.length > this.data.length) {
        const grown = Buffer.allocUnsafe(Math.max(this.data.length * 2, this.length + chunk.length));
        this.data.copy(grown, 0, 0, this.length);
        this.data = grown;
      }
      chunk.copy(this.data, this.length);
      this.length += chunk.length;
      this.scan();
      this.wake();
    });
    // The server's FIN counts as the close: our side may still hold unsent bytes it will never read.
    const closed = (): void => {
      this.closed = true;
      this.wake();
    };
    socket.on('end', closed);
    socket.on('close', closed);
    socket.on('error', () => {}); // a reset shows as a close
  }

  static open(port: number, keep?: (frame: string) => boolean): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      socket.once('connect', () => resolve(new Conn(socket, keep)));
      socket.once('error', reject);
    });
  }

  private scan(): void {
    while (this.scanned < this.length) {
      const end = frameEnd(this.data.subarray(0, this.length), this.scanned);
      if (end < 0) return;
      if (this.keep && !this.keep(this.data.toString('latin1', this.scanned, end))) {
        this.data.copy(this.data, this.scanned, end, this.length);
        this.length -= end - this.scanned;
        continue;
      }
      this.ends.push(end);
      this.scanned = end;
    }
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Waits for `n` whole frames (or a close, or the timeout) and takes them; with fewer, takes all that came. */
  read(n: number, timeoutMs: number): Promise<{ bytes: Buffer; frames: number }> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(), timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.wake = () => {};
        const frames = Math.min(n, this.ends.length);
        const cut = frames === n ? (n === 0 ? 0 : this.ends[n - 1]!) : this.length;
        const bytes = Buffer.from(this.data.subarray(0, cut));
        this.data.copy(this.data, 0, cut, this.length);
        this.length -= cut;
        this.scanned -= Math.min(cut, this.scanned);
        this.ends = this.ends.slice(frames).map((e) => e - cut);
        if (frames < n) this.ends = [];
        resolve({ bytes, frames });
      };
      const check = (): void => {
        if (this.ends.length >= n || this.closed) done();
      };
      this.wake = check;
      check();
    });
  }

  /** Bytes received and not taken yet. */
  get pending(): number {
    return this.length;
  }

  waitClose(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.closed) return resolve(true);
      const timer = setTimeout(() => {
        this.wake = () => {};
        resolve(false);
      }, timeoutMs);
      this.wake = () => {
        if (!this.closed) return;
        clearTimeout(timer);
        this.wake = () => {};
        resolve(true);
      };
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

// ------------------------------------------------------------------ servers

interface Side {
  /** Where the case's connections go: redis A itself, or the proxy in front of B. */
  port: number;
  /** A direct connection to the redis-server behind, for flushing and for watching blocked clients. */
  control: Conn;
}

let redisA: RedisProcess;
let redisB: RedisProcess;
let proxy: ProxyProcess;
let direct: Side;
let proxied: Side;

async function command(conn: Conn, ...commands: Command[]): Promise<string> {
  conn.send(Buffer.concat(commands.map(encode)));
  const { bytes, frames } = await conn.read(commands.length, 10_000);
  if (frames !== commands.length) throw new Error(`control connection: ${frames} of ${commands.length} replies`);
  return bytes.toString('latin1');
}

async function blockedClients(side: Side): Promise<number> {
  return Number(/blocked_clients:(\d+)/.exec(await command(side.control, 'INFO clients'))![1]);
}

/** Both servers back to empty, with no subscriber or blocked client left by an earlier case. */
async function reset(side: Side): Promise<void> {
  const flushed = await command(side.control, 'FLUSHALL', 'SCRIPT FLUSH', 'FUNCTION FLUSH');
  if (flushed !== '+OK\r\n+OK\r\n+OK\r\n') throw new Error(`reset failed: ${JSON.stringify(flushed)}`);
  await waitFor(
    async () => {
      const state = await command(side.control, 'PUBSUB NUMPAT', 'PUBSUB CHANNELS', 'PUBSUB SHARDCHANNELS', 'INFO clients');
      return state.startsWith(':0\r\n*0\r\n*0\r\n') && state.includes('blocked_clients:0\r\n');
    },
    { timeoutMs: 10_000, intervalMs: 10, message: 'connections of an earlier case are still subscribed or blocked' },
  );
}

// ------------------------------------------------------------------ running a case

interface Outcome {
  reply: string;
  frames: number;
  expected: number;
  closed: boolean;
  /** Bytes that came after the expected replies (more replies than the case counts). */
  extra: number;
}

function stepsOf(c: Case): Step[] {
  if (c.steps) return c.steps;
  return [{ conn: 0, request: c.request!, replies: c.replies, closes: c.closes, chunk: c.chunk }];
}

function repliesOf(step: Step, request: Request | undefined): number {
  const owed = step.owed ?? 0;
  if (step.replies !== undefined) return owed + step.replies;
  if (request === undefined) return owed;
  if (isRaw(request)) throw new Error('a raw request needs its number of replies');
  return owed + request.length;
}

async function play(side: Side, c: Case, replies?: number): Promise<Outcome[]> {
  const conns = new Map<number, Conn>();
  const timeoutMs = c.timeoutMs ?? 5000;
  const outcomes: Outcome[] = [];
  const earlier: Buffer[] = [];
  try {
    for (const step of stepsOf(c)) {
      const id = step.conn ?? 0;
      let conn = conns.get(id);
      if (conn === undefined) {
        conn = await Conn.open(side.port, c.keep);
        conns.set(id, conn);
      }
      const request = typeof step.request === 'function' ? step.request(earlier) : step.request;
      if (request !== undefined) await write(conn, requestBytes(request), step.chunk);
      const expected = replies ?? repliesOf(step, request);
      const { bytes, frames } = await conn.read(expected, timeoutMs);
      earlier.push(bytes);
      if (step.untilBlocked !== undefined) {
        const n = step.untilBlocked;
        await waitFor(async () => (await blockedClients(side)) >= n, { timeoutMs, intervalMs: 5, message: `${n} blocked clients` });
      }
      const closed = step.closes ? await conn.waitClose(timeoutMs) : conn.closed;
      outcomes.push({ reply: bytes.toString('latin1'), frames, expected, closed, extra: conn.pending });
    }
  } finally {
    for (const conn of conns.values()) conn.close();
  }
  return outcomes;
}

async function write(conn: Conn, bytes: Buffer, chunk: number | undefined): Promise<void> {
  if (chunk === undefined) return conn.send(bytes);
  for (let at = 0; at < bytes.length; at += chunk) {
    conn.send(bytes.subarray(at, at + chunk));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function normalise(c: Case, reply: string): string {
  return (c.mask ?? []).reduce((text, mask) => mask(text), reply);
}

/** JSON-escaped text around `at`, so CR, LF and binary bytes stay visible. */
function excerpt(text: string, at: number): string {
  const from = Math.max(0, at - 80);
  const shown = JSON.stringify(text.slice(from, at + 160));
  return `${from > 0 ? `...(${from} bytes) ` : ''}${shown}${text.length > at + 160 ? ` ...(${text.length} bytes in all)` : ''}`;
}

function firstDifference(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function requestText(c: Case): string {
  const text = stepsOf(c)
    .filter((s) => s.request !== undefined)
    .map((s) => `[conn ${s.conn ?? 0}] ${typeof s.request === 'function' ? '(built from earlier replies)' : requestBytes(s.request!).toString('latin1')}`)
    .join(' ');
  return JSON.stringify(text.length > 400 ? text.slice(0, 400) + '...' : text);
}

/** The proxy answered differently from Redis (as opposed to a case that does not hold up on Redis itself). */
class Divergence extends Error {}

async function runCase(c: Case): Promise<void> {
  await Promise.all([reset(direct), reset(proxied)]);
  if (c.documented) return runDocumented(c, c.documented);
  const [mine, theirs] = await Promise.all([play(direct, c), play(proxied, c)]);
  // PARITY_SHOW=1 prints what Redis answered, to check a new case asks what it means to.
  if (process.env.PARITY_SHOW) {
    const shown = mine.map((d, i) => {
      const p = theirs[i]!.reply;
      return `redis ${JSON.stringify(d.reply).slice(0, 600)}${p === d.reply ? '' : `\n  proxy ${JSON.stringify(p).slice(0, 600)}`}`;
    });
    console.log(`${c.name}\n  ${shown.join('\n  ')}`);
  }
  mine.forEach((d, i) => {
    const p = theirs[i]!;
    const where = `step ${i + 1} of ${mine.length}; request ${requestText(c)}`;
    if (d.frames !== d.expected && !c.silent) throw new Error(`Redis itself sent ${d.frames} of ${d.expected} replies (${where}): ${excerpt(d.reply, 0)}`);
    if (d.extra > 0) throw new Error(`Redis sent more replies than the case counts (${where})`);
    const a = normalise(c, d.reply);
    const b = normalise(c, p.reply);
    if (a !== b) {
      const at = firstDifference(a, b);
      throw new Divergence(`replies differ at byte ${at} (${where})\n  redis: ${excerpt(a, at)}\n  proxy: ${excerpt(b, at)}`);
    }
    if (d.closed !== p.closed) throw new Divergence(`Redis ${d.closed ? 'closed' : 'kept'} the connection, the proxy ${p.closed ? 'closed' : 'kept'} it (${where})`);
    if (p.extra > 0) throw new Divergence(`the proxy sent more bytes than Redis (${where})`);
  });
}

/** A reported divergence must still show, as a difference in what the proxy sends. */
async function runDivergent(c: Case): Promise<void> {
  try {
    await runCase(c);
  } catch (err) {
    if (err instanceof Divergence) return;
    throw err;
  }
  throw new Error('the proxy now answers as Redis does: the divergence is gone, drop its marker');
}

async function runDocumented(c: Case, doc: Documented): Promise<void> {
  const [, theirs] = await Promise.all([doc.direct === false ? Promise.resolve([]) : play(direct, c), play(proxied, c, doc.replies)]);
  const got = normalise(c, theirs.map((o) => o.reply).join(''));
  const ok = typeof doc.proxied === 'string' ? got === doc.proxied : doc.proxied.test(got);
  if (!ok) throw new Error(`documented difference (${doc.reason}) no longer as documented: proxy sent ${JSON.stringify(got)}, expected ${String(JSON.stringify(doc.proxied))}`);
}

// ------------------------------------------------------------------ suites

/**
 * Registers the cases of one test file: the servers start once for the file, each case is one
 * `it` named after it, grouped by family.
 */
export function parity(groups: Record<string, Case[]>): void {
  beforeAll(async () => {
    [redisA, redisB] = await Promise.all([startRedis(), startRedis()]);
    proxy = await startProxyProcess(['--upstream', `127.0.0.1:${redisB.port}`, '--log-level', 'warn']);
    const [a, b] = await Promise.all([Conn.open(redisA.port), Conn.open(redisB.port)]);
    direct = { port: redisA.port, control: a };
    proxied = { port: proxy.port, control: b };
  });

  afterAll(async () => {
    direct?.control.close();
    proxied?.control.close();
    await proxy?.stop();
    await Promise.all([redisA?.stop(), redisB?.stop()]);
  });

  for (const [family, cases] of Object.entries(groups)) {
    describe(family, () => {
      const seen = new Set<string>();
      for (const c of cases) {
        if (seen.has(c.name)) throw new Error(`two cases named '${c.name}' in ${family}`);
        seen.add(c.name);
        if (c.divergence) it(`${c.name} [proxy divergence: ${c.divergence}]`, () => runDivergent(c));
        else if (c.documented) it(`${c.name} [documented difference: ${c.documented.reason}]`, () => runCase(c));
        else it(c.name, () => runCase(c));
      }
    });
  }
}

// ------------------------------------------------------------------ helpers for case data

/** The `index`-th top-level reply in `bytes`, which must be an integer. */
export function integerReply(bytes: Buffer, index: number): number {
  let at = 0;
  for (let i = 0; i < index; i++) at = frameEnd(bytes, at);
  const text = bytes.toString('latin1', at, bytes.indexOf('\r\n', at));
  if (!/^:-?\d+$/.test(text)) throw new Error(`reply ${index} is not an integer: ${JSON.stringify(text)}`);
  return Number(text.slice(1));
}

/** The payload of the `index`-th top-level reply in `bytes`, which must be a bulk string. */
export function bulkReply(bytes: Buffer, index: number): Buffer {
  let at = 0;
  for (let i = 0; i < index; i++) at = frameEnd(bytes, at);
  const lineEnd = bytes.indexOf('\r\n', at);
  if (bytes[at] !== 36 /* $ */) throw new Error(`reply ${index} is not a bulk string: ${JSON.stringify(bytes.toString('latin1', at, at + 40))}`);
  const length = Number(bytes.toString('latin1', at + 1, lineEnd));
  return bytes.subarray(lineEnd + 2, lineEnd + 2 + length);
}

/** `n` values (commands, arguments ...) made by fn(i). */
export function times<T>(n: number, fn: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => fn(i));
}
