// Request decoding, and the only place that does it: finds command frames in raw client bytes
// without copying them, so complete frames can be forwarded upstream as one slice.
// Framing follows Redis's processMultibulkBuffer / processInlineBuffer exactly (header lines end
// at the first CR and the byte after it is skipped, bulk payloads are followed by two skipped
// bytes), so a frame boundary found here is the one the upstream Redis will find.

import { encodeCommand } from './encode.js';

export interface ScanLimits {
  maxBulkLength: number;
  maxMultibulkLength: number;
  maxInlineLength: number;
}

export const enum Scan {
  /** A complete frame: see frameStart, frameEnd, argc, nameStart, nameLength, inline. */
  Frame,
  /** More bytes are needed; call again with the same frame start once `need` bytes are there. */
  Incomplete,
  /** A protocol error; `error` holds the text after "Protocol error: ". */
  Error,
}

const enum Phase {
  Idle,
  Header,
  Body,
}

const CR = 13;
const LF = 10;
const STAR = 42;
const DOLLAR = 36;

/** Redis's limits for clients that have not authenticated yet. */
const UNAUTH_MAX_ARGS = 10;
const UNAUTH_MAX_BULK = 16384;

export class RequestScanner {
  // Results of the last Scan.Frame.
  frameStart = 0;
  frameEnd = 0;
  /** Number of arguments; 0 for an empty frame (`*0`, `*-1`, blank inline line), which gets no reply. */
  argc = 0;
  nameStart = 0;
  nameLength = 0;
  /** For an inline command: the same command re-encoded as multibulk (forwarded instead of the raw bytes). */
  inline: Buffer | null = null;
  /** With Scan.Incomplete: the buffer must hold at least this many bytes (absolute end) to progress. */
  need = 0;
  error = '';
  /** Redis applies smaller limits before AUTH when a password is required. */
  unauthenticated = false;

  private phase = Phase.Idle;
  private cursor = 0;
  private argsLeft = 0;
  private bulkEnd = 0;

  constructor(private readonly limits: ScanLimits) {}

  /** True while a frame is half scanned; its bytes start at frameStart. */
  get midFrame(): boolean {
    return this.phase !== Phase.Idle;
  }

  /** The caller moved the unfinished frame by `delta` bytes (e.g. into a buffer of its own). */
  rebase(delta: number): void {
    this.frameStart += delta;
    this.cursor += delta;
    this.bulkEnd += delta;
    this.nameStart += delta;
    this.need += delta;
  }

  /** Scans one frame starting at `pos` (or resumes the unfinished one) within buf[0, end). */
  next(buf: Buffer, pos: number, end: number): Scan {
    if (this.phase === Phase.Idle) {
      this.frameStart = pos;
      this.inline = null;
      this.need = 0;
      if (buf[pos] !== STAR) return this.scanInline(buf, pos, end);
      const cr = findCR(buf, pos + 1, end);
      if (cr < 0 || cr + 1 >= end) {
        if (cr < 0 && end - pos > this.limits.maxInlineLength) return this.fail('too big mbulk count string');
        return this.incomplete(end + 1);
      }
      const count = parseLength(buf, pos + 1, cr);
      if (Number.isNaN(count) || count > this.limits.maxMultibulkLength) return this.fail('invalid multibulk length');
      if (count <= 0) return this.frame(0, cr + 2);
      if (this.unauthenticated && count > UNAUTH_MAX_ARGS) return this.fail('unauthenticated multibulk length');
      this.argc = count;
      this.argsLeft = count;
      this.cursor = cr + 2;
      this.phase = Phase.Header;
    }
    while (this.argsLeft > 0) {
      if (this.phase === Phase.Header) {
        const at = this.cursor;
        if (at >= end) return this.incomplete(at + 1);
        const cr = findCR(buf, at, end);
        if (cr < 0 || cr + 1 >= end) {
          if (cr < 0 && end - at > this.limits.maxInlineLength) return this.fail('too big bulk count string');
          return this.incomplete(end + 1);
        }
        if (buf[at] !== DOLLAR) return this.fail(`expected '$', got '${printableByte(buf[at]!)}'`);
        const length = parseLength(buf, at + 1, cr);
        if (Number.isNaN(length) || length < 0 || length > this.limits.maxBulkLength) return this.fail('invalid bulk length');
        if (this.unauthenticated && length > UNAUTH_MAX_BULK) return this.fail('unauthenticated bulk length');
        if (this.argsLeft === this.argc) {
          this.nameStart = cr + 2;
          this.nameLength = length;
        }
        this.bulkEnd = cr + 2 + length + 2;
        this.phase = Phase.Body;
      }
      if (this.bulkEnd > end) return this.incomplete(this.bulkEnd);
      this.cursor = this.bulkEnd;
      this.argsLeft--;
      this.phase = Phase.Header;
    }
    return this.frame(this.argc, this.cursor);
  }

  private scanInline(buf: Buffer, pos: number, end: number): Scan {
    const lf = buf.indexOf(LF, pos);
    if (lf < 0 || lf >= end) {
      if (end - pos > this.limits.maxInlineLength) return this.fail('too big inline request');
      return this.incomplete(end + 1);
    }
    let lineEnd = lf;
    if (lineEnd > pos && buf[lineEnd - 1] === CR) lineEnd--;
    const args = splitInlineArgs(buf.subarray(pos, lineEnd));
    if (args === null) return this.fail('unbalanced quotes in request');
    if (args.length === 0) return this.frame(0, lf + 1);
    this.inline = encodeCommand(args);
    this.nameStart = this.inline.indexOf(LF, this.inline.indexOf(LF) + 1) + 1;
    this.nameLength = args[0]!.length;
    return this.frame(args.length, lf + 1);
  }

  private frame(argc: number, frameEnd: number): Scan {
    this.argc = argc;
    this.frameEnd = frameEnd;
    this.phase = Phase.Idle;
    return Scan.Frame;
  }

  private incomplete(need: number): Scan {
    this.need = need;
    if (this.phase === Phase.Idle) this.cursor = this.frameStart;
    return Scan.Incomplete;
  }

  private fail(what: string): Scan {
    this.error = what;
    this.phase = Phase.Idle;
    return Scan.Error;
  }

  /** The arguments of the last frame, copied out (for commands the proxy answers itself). */
  args(buf: Buffer): Buffer[] {
    return this.inline ? frameArgs(this.inline, 0, this.inline.length) : frameArgs(buf, this.frameStart, this.frameEnd);
  }
}

/** Arguments of one complete, already validated multibulk frame. */
export function frameArgs(buf: Buffer, start: number, end: number): Buffer[] {
  let cr = findCR(buf, start + 1, end);
  const count = parseLength(buf, start + 1, cr);
  const args: Buffer[] = [];
  let at = cr + 2;
  for (let i = 0; i < count; i++) {
    cr = findCR(buf, at + 1, end);
    const length = parseLength(buf, at + 1, cr);
    args.push(buf.subarray(cr + 2, cr + 2 + length));
    at = cr + 2 + length + 2;
  }
  return args;
}

function findCR(buf: Buffer, from: number, end: number): number {
  const at = buf.indexOf(CR, from);
  return at >= end ? -1 : at;
}

/** Redis's string2ll: optional '-', digits, no leading zeros, at most 20 characters. NaN if invalid. */
export function parseLength(buf: Buffer, start: number, end: number): number {
  const length = end - start;
  if (length <= 0 || length > 20) return NaN;
  let i = start;
  let negative = false;
  if (buf[i] === 45) {
    negative = true;
    i++;
    if (i === end) return NaN;
  }
  if (buf[i] === 48) return i + 1 === end && !negative ? 0 : NaN;
  // string2ll's range: beyond 19 digits, or past 2^63, the text is not a 64-bit integer.
  const digits = end - i;
  if (digits > 19 || (digits === 19 && buf.toString('latin1', i, end) > (negative ? '9223372036854775808' : '9223372036854775807'))) return NaN;
  let n = 0;
  for (; i < end; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return negative ? -n : n;
}

function printableByte(byte: number): string {
  return byte === CR || byte === LF ? ' ' : String.fromCharCode(byte);
}

const HEX = /^[0-9a-fA-F]$/;

/**
 * Redis's sdssplitargs: whitespace-separated arguments, "double quotes" with C escapes,
 * 'single quotes' with \' only; a closing quote must be followed by a space or the end.
 * Returns null for unbalanced quotes.
 */
export function splitInlineArgs(line: Buffer): Buffer[] | null {
  const args: Buffer[] = [];
  const n = line.length;
  let i = 0;
  // isspace() between words and after a closing quote; an unquoted word ends only at these five.
  const isSpace = (c: number | undefined): boolean => c === 32 || c === 10 || c === 13 || c === 9 || c === 11 || c === 12;
  const endsWord = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9 || c === 0;
  for (;;) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) return args;
    const out: number[] = [];
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      const c = line[i];
      if (inDouble) {
        if (c === undefined) return null;
        if (c === 92 && line[i + 1] === 120 && HEX.test(String.fromCharCode(line[i + 2] ?? 0)) && HEX.test(String.fromCharCode(line[i + 3] ?? 0))) {
          out.push(parseInt(String.fromCharCode(line[i + 2]!, line[i + 3]!), 16));
          i += 3;
        } else if (c === 92 && i + 1 < n) {
          i++;
          const e = line[i]!;
          out.push(e === 110 ? 10 : e === 114 ? 13 : e === 116 ? 9 : e === 98 ? 8 : e === 97 ? 7 : e);
        } else if (c === 34) {
          if (i + 1 < n && !isSpace(line[i + 1])) return null;
          done = true;
        } else out.push(c);
      } else if (inSingle) {
        if (c === undefined) return null;
        if (c === 92 && line[i + 1] === 39) {
          i++;
          out.push(39);
        } else if (c === 39) {
          if (i + 1 < n && !isSpace(line[i + 1])) return null;
          done = true;
        } else out.push(c);
      } else if (c === undefined || endsWord(c)) {
        done = true;
      } else if (c === 34) inDouble = true;
      else if (c === 39) inSingle = true;
      else out.push(c);
      if (i < n) i++;
    }
    args.push(Buffer.from(out));
  }
}
