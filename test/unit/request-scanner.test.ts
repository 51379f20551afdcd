// RequestScanner against Redis 7's processMultibulkBuffer / processInlineBuffer framing.
// Every case runs as one chunk and byte by byte through a caller that resumes exactly the way
// ClientConnection does (keep the partial frame from frameStart, rebase, gate on midFrame/need).

import { describe, expect, test } from 'vitest';
import { RequestScanner, Scan, frameArgs, parseLength, splitInlineArgs, type ScanLimits } from '../../src/resp/request-scanner.js';
import { encodeCommand } from '../../src/resp/encode.js';

/** Redis's defaults: proto-max-bulk-len 512 MiB, 1 Mi arguments, PROTO_INLINE_MAX_SIZE 64 KiB. */
const LIMITS: ScanLimits = { maxBulkLength: 512 * 1024 * 1024, maxMultibulkLength: 1024 * 1024, maxInlineLength: 64 * 1024 };

interface Seen {
  kind: 'frame' | 'error';
  /** Offsets in the whole input stream, whatever the chunking. */
  start: number;
  end: number;
  argc: number;
  args: Buffer[];
  inline: boolean;
  error: string;
}

/** The input path of ClientConnection (onData, keep, append, processPending, process), minus dispatch. */
class Feeder {
  readonly scanner: RequestScanner;
  readonly seen: Seen[] = [];
  nextCalls = 0;
  private pend: Buffer | null = null;
  private pendStart = 0;
  private pendEnd = 0;
  /** Stream offset of pend[0]. */
  private pendBase = 0;
  private streamed = 0;
  private closed = false;

  constructor(limits: ScanLimits = LIMITS, unauthenticated = false) {
    this.scanner = new RequestScanner(limits);
    this.scanner.unauthenticated = unauthenticated;
  }

  /** Bytes received but not consumed by a complete frame. */
  get pending(): number {
    return this.pend === null ? 0 : this.pendEnd - this.pendStart;
  }

  get frames(): string[][] {
    return this.seen.filter((s) => s.kind === 'frame').map((s) => s.args.map((a) => a.toString('latin1')));
  }

  push(chunk: Buffer): void {
    if (this.closed) return;
    const base = this.streamed;
    this.streamed += chunk.length;
    if (this.pend === null) {
      const at = this.process(chunk, 0, chunk.length, base);
      if (at < chunk.length) this.keep(chunk, at, chunk.length, base);
    } else {
      this.append(chunk);
      this.processPending();
    }
  }

  private processPending(): void {
    const pend = this.pend!;
    if (this.scanner.midFrame && this.pendEnd < this.scanner.need) return;
    this.pendStart = this.process(pend, this.pendStart, this.pendEnd, this.pendBase);
    if (this.pendStart === this.pendEnd) this.pend = null;
  }

  private keep(buf: Buffer, from: number, to: number, base: number): void {
    const length = to - from;
    const capacity = Math.max(length * 2, this.scanner.midFrame ? this.scanner.need - from : 0, 16 * 1024);
    const pend = Buffer.allocUnsafe(capacity);
    buf.copy(pend, 0, from, to);
    this.scanner.rebase(-from);
    this.pend = pend;
    this.pendStart = 0;
    this.pendEnd = length;
    this.pendBase = base + from;
  }

  private append(chunk: Buffer): void {
    const pend = this.pend!;
    if (this.pendEnd + chunk.length <= pend.length) {
      chunk.copy(pend, this.pendEnd);
      this.pendEnd += chunk.length;
      return;
    }
    const live = this.pendEnd - this.pendStart;
    const needed = Math.max(live + chunk.length, this.scanner.midFrame ? this.scanner.need - this.pendStart : 0);
    const grown = Buffer.allocUnsafe(Math.max(needed, live * 2, 16 * 1024));
    pend.copy(grown, 0, this.pendStart, this.pendEnd);
    chunk.copy(grown, live);
    this.scanner.rebase(-this.pendStart);
    this.pendBase += this.pendStart;
    this.pend = grown;
    this.pendStart = 0;
    this.pendEnd = live + chunk.length;
  }

  private process(buf: Buffer, pos: number, end: number, base: number): number {
    const scanner = this.scanner;
    while (pos < end && !this.closed) {
      this.nextCalls++;
      const status = scanner.next(buf, pos, end);
      if (status === Scan.Incomplete) {
        // The frame restarts where it began; the caller keeps its bytes from there.
        expect(scanner.frameStart).toBe(pos);
        break;
      }
      if (status === Scan.Error) {
        this.seen.push({ kind: 'error', start: base + pos, end: base + end, argc: 0, args: [], inline: false, error: scanner.error });
        this.closed = true;
        this.pend = null;
        return end;
      }
      expect(scanner.frameStart).toBe(pos);
      const args = scanner.argc === 0 ? [] : scanner.args(buf).map((a) => Buffer.from(a));
      expect(args.length).toBe(scanner.argc);
      if (scanner.argc > 0) {
        // The name is found where policy lookup will read it: in the re-encoded inline frame, or in place.
        const frame = scanner.inline ?? buf;
        expect(frame.subarray(scanner.nameStart, scanner.nameStart + scanner.nameLength)).toEqual(args[0]);
      }
      if (scanner.inline !== null) expect(scanner.inline).toEqual(encodeCommand(args));
      this.seen.push({
        kind: 'frame',
        start: base + scanner.frameStart,
        end: base + scanner.frameEnd,
        argc: scanner.argc,
        args,
        inline: scanner.inline !== null,
        error: '',
      });
      pos = scanner.frameEnd;
    }
    return pos;
  }
}

type Chunking = 'whole' | 'bytes' | number;

function feed(input: Buffer, chunking: Chunking, unauthenticated = false, limits = LIMITS): Feeder {
  const feeder = new Feeder(limits, unauthenticated);
  const size = chunking === 'whole' ? Math.max(input.length, 1) : chunking === 'bytes' ? 1 : chunking;
  for (let i = 0; i < input.length; i += size) feeder.push(Buffer.from(input.subarray(i, i + size)));
  return feeder;
}

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');
const mb = (...args: string[]): string => `*${args.length}\r\n` + args.map((a) => `$${a.length}\r\n${a}\r\n`).join('');
/** Where each of these consecutive frames ends. */
const ends = (...frames: string[]): number[] => frames.map((_, i) => frames.slice(0, i + 1).join('').length);

interface Case {
  name: string;
  input: string | Buffer;
  /** Arguments of each frame in order; [] is an empty frame (no reply). */
  frames: string[][];
  /** Protocol error expected after the frames (text after "Protocol error: "). */
  error?: string;
  /** Bytes left waiting for more input at the end (no error). */
  pending?: number;
  /** Exact stream offsets where frames end. */
  ends?: number[];
  /** For each frame: true when it was an inline command. */
  inline?: boolean[];
  unauthenticated?: boolean;
}

function check(c: Case, chunking: Chunking): void {
  const input = typeof c.input === 'string' ? bytes(c.input) : c.input;
  const feeder = feed(input, chunking, c.unauthenticated ?? false);
  const frames = feeder.seen.filter((s) => s.kind === 'frame');
  expect(feeder.frames).toEqual(c.frames);
  // Frames are contiguous from the first byte: nothing skipped, nothing scanned twice.
  let at = 0;
  for (const f of frames) {
    expect(f.start).toBe(at);
    expect(f.end).toBeGreaterThan(f.start);
    at = f.end;
  }
  if (c.ends) expect(frames.map((f) => f.end)).toEqual(c.ends);
  if (c.inline) expect(frames.map((f) => f.inline)).toEqual(c.inline);
  const errors = feeder.seen.filter((s) => s.kind === 'error');
  if (c.error !== undefined) {
    expect(errors.map((e) => e.error)).toEqual([c.error]);
    expect(feeder.seen[feeder.seen.length - 1]!.kind).toBe('error');
  } else {
    expect(errors).toEqual([]);
    expect(feeder.pending).toBe(c.pending ?? 0);
    expect(at).toBe(input.length - (c.pending ?? 0));
  }
}

function cases(title: string, list: Case[]): void {
  describe(title, () => {
    for (const c of list) {
      test(`${c.name} (one chunk)`, () => check(c, 'whole'));
      test(`${c.name} (byte by byte)`, () => check(c, 'bytes'));
    }
  });
}

cases('multibulk framing', [
  { name: 'one command', input: mb('PING'), frames: [['PING']], ends: [14], inline: [false] },
  {
    name: 'a pipeline',
    input: mb('SET', 'k', 'v') + mb('GET', 'k') + mb('DEL', 'k'),
    frames: [['SET', 'k', 'v'], ['GET', 'k'], ['DEL', 'k']],
    ends: ends(mb('SET', 'k', 'v'), mb('GET', 'k'), mb('DEL', 'k')),
  },
  { name: 'payload holding CRLF and a fake header', input: mb('SET', 'k', 'a\r\n*1\r\n$1\r\nb'), frames: [['SET', 'k', 'a\r\n*1\r\n$1\r\nb']] },
  { name: 'binary payload', input: Buffer.concat([bytes('*2\r\n$4\r\nECHO\r\n$4\r\n'), Buffer.from([0, 255, 13, 10]), bytes('\r\n')]), frames: [['ECHO', '\x00\xff\r\n']] },
  { name: 'empty argument', input: mb('SET', 'k', ''), frames: [['SET', 'k', '']] },
  { name: 'header line ends at the first CR, the byte after it is skipped', input: '*1\rX$4\rYPING\r\n', frames: [['PING']], ends: [14] },
  { name: 'two bytes after a payload are skipped whatever they are', input: '*2\r\n$4\r\nECHO\r\n$2\r\nhiAB' + mb('PING'), frames: [['ECHO', 'hi'], ['PING']], ends: [22, 36] },
  { name: 'lower-case name', input: mb('ping'), frames: [['ping']] },
  { name: '*0 is an empty frame', input: '*0\r\n' + mb('PING'), frames: [[], ['PING']], ends: [4, 18] },
  { name: '*-1 is an empty frame', input: '*-1\r\n' + mb('PING'), frames: [[], ['PING']], ends: [5, 19] },
  { name: '*-10 is an empty frame', input: '*-10\r\n' + mb('PING'), frames: [[], ['PING']] },
  { name: 'the largest argument count is only a wait', input: '*1048576\r\n$3\r\nSET\r\n', frames: [], pending: 19 },
  { name: 'the largest bulk is only a wait', input: '*1\r\n$536870912\r\nabc', frames: [], pending: 19 },
  { name: 'a count line without CR waits', input: '*1\n', frames: [], pending: 3 },
  { name: 'a count line with CR but no following byte waits', input: '*1\r', frames: [], pending: 3 },
  { name: 'a bulk header without its LF waits', input: '*1\r\n$4\r', frames: [], pending: 7 },
  { name: 'a payload without its two trailing bytes waits', input: '*1\r\n$4\r\nPING\r', frames: [], pending: 13 },
  { name: 'a complete frame, then a partial one', input: mb('PING') + '*2\r\n$3\r\nGET\r\n$1', frames: [['PING']], pending: 15 },
]);

cases('multibulk protocol errors', [
  { name: 'non-numeric count', input: '*abc\r\n', frames: [], error: 'invalid multibulk length' },
  { name: 'count with a leading zero', input: '*01\r\n$4\r\nPING\r\n', frames: [], error: 'invalid multibulk length' },
  { name: 'count with a plus sign', input: '*+1\r\n$4\r\nPING\r\n', frames: [], error: 'invalid multibulk length' },
  { name: 'count -0', input: '*-0\r\n', frames: [], error: 'invalid multibulk length' },
  { name: 'empty count', input: '*\r\n', frames: [], error: 'invalid multibulk length' },
  { name: 'count with a trailing space', input: '*1 \r\n$4\r\nPING\r\n', frames: [], error: 'invalid multibulk length' },
  { name: 'count above 1048576', input: '*1048577\r\n', frames: [], error: 'invalid multibulk length' },
  { name: 'count 20000000', input: '*20000000\r\n', frames: [], error: 'invalid multibulk length' },
  { name: 'count of 21 characters', input: '*100000000000000000000\r\n', frames: [], error: 'invalid multibulk length' },
  { name: 'error after good frames', input: mb('PING') + '*x\r\n', frames: [['PING']], error: 'invalid multibulk length' },
  { name: "'$' expected, got a letter", input: '*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n', frames: [], error: "expected '$', got 'f'" },
  { name: "'$' expected, got CR (printed as a space)", input: '*1\r\n\r\n', frames: [], error: "expected '$', got ' '" },
  { name: "'$' expected, got LF (printed as a space)", input: '*1\r\n\nX\r\n', frames: [], error: "expected '$', got ' '" },
  { name: "'$' expected, got an inline command", input: '*1\r\nPING\r\n', frames: [], error: "expected '$', got 'P'" },
  { name: 'negative bulk length', input: '*1\r\n$-1\r\n', frames: [], error: 'invalid bulk length' },
  { name: 'non-numeric bulk length', input: '*1\r\n$abc\r\n', frames: [], error: 'invalid bulk length' },
  { name: 'bulk length with a leading zero', input: '*1\r\n$04\r\nPING\r\n', frames: [], error: 'invalid bulk length' },
  { name: 'empty bulk length', input: '*1\r\n$\r\n', frames: [], error: 'invalid bulk length' },
  { name: 'bulk length above proto-max-bulk-len', input: '*1\r\n$536870913\r\n', frames: [], error: 'invalid bulk length' },
  { name: 'no CR within 64 KiB of a count', input: '*' + '1'.repeat(64 * 1024), frames: [], error: 'too big mbulk count string' },
  { name: 'exactly 64 KiB of count without CR is a wait', input: '*' + '1'.repeat(64 * 1024 - 1), frames: [], pending: 64 * 1024 },
  { name: 'no CR within 64 KiB of a bulk header', input: '*1\r\n$' + '1'.repeat(64 * 1024), frames: [], error: 'too big bulk count string' },
  { name: 'exactly 64 KiB of bulk header without CR is a wait', input: '*1\r\n$' + '1'.repeat(64 * 1024 - 1), frames: [], pending: 4 + 64 * 1024 },
]);

cases('limits before AUTH', [
  { name: 'ten arguments are fine', unauthenticated: true, input: mb(...'abcdefghij'.split('')), frames: ['abcdefghij'.split('')] },
  { name: 'eleven arguments', unauthenticated: true, input: mb(...'abcdefghijk'.split('')), frames: [], error: 'unauthenticated multibulk length' },
  { name: 'a 16384-byte argument is fine', unauthenticated: true, input: mb('AUTH', 'p'.repeat(16384)), frames: [['AUTH', 'p'.repeat(16384)]] },
  { name: 'a 16385-byte argument', unauthenticated: true, input: '*2\r\n$4\r\nAUTH\r\n$16385\r\n', frames: [], error: 'unauthenticated bulk length' },
  { name: 'an invalid count stays invalid', unauthenticated: true, input: '*1048577\r\n', frames: [], error: 'invalid multibulk length' },
  { name: 'an invalid bulk length stays invalid', unauthenticated: true, input: '*1\r\n$536870913\r\n', frames: [], error: 'invalid bulk length' },
  { name: '*-1 is still an empty frame', unauthenticated: true, input: '*-1\r\n', frames: [[]] },
  { name: 'eleven arguments once authenticated', input: mb(...'abcdefghijk'.split('')), frames: ['abcdefghijk'.split('')] },
]);

cases('inline commands', [
  { name: 'CRLF', input: 'PING\r\n', frames: [['PING']], ends: [6], inline: [true] },
  { name: 'LF only', input: 'PING\n', frames: [['PING']], ends: [5] },
  { name: 'whitespace split', input: '  SET \t k   v  \r\n', frames: [['SET', 'k', 'v']] },
  { name: 'CR inside the line separates', input: 'GET\rk\n', frames: [['GET', 'k']] },
  { name: 'empty line is an empty frame', input: '\r\nPING\r\n', frames: [[], ['PING']], ends: [2, 8] },
  { name: 'bare LF is an empty frame', input: '\nPING\n', frames: [[], ['PING']], ends: [1, 6] },
  { name: 'blank line is an empty frame', input: '   \t \r\n', frames: [[]] },
  { name: 'double quotes', input: 'SET k "a b"\r\n', frames: [['SET', 'k', 'a b']] },
  { name: 'double-quote escapes', input: 'ECHO "\\n\\r\\t\\b\\a\\\\\\"\\q"\r\n', frames: [['ECHO', '\n\r\t\b\x07\\"q']] },
  { name: 'hex escapes', input: 'ECHO "\\x41\\x7a\\xfF\\x00"\r\n', frames: [['ECHO', 'Az\xff\x00']] },
  { name: 'incomplete hex escapes are plain escapes', input: 'ECHO "\\x4g" "\\xZZ" "\\X41"\r\n', frames: [['ECHO', 'x4g', 'xZZ', 'X41']] },
  { name: "single quotes with \\' only", input: "ECHO 'it\\'s' 'a\\nb' 'say \"hi\"'\r\n", frames: [['ECHO', "it's", 'a\\nb', 'say "hi"']] },
  { name: 'empty quoted arguments are kept', input: `SET k ""\r\nSET k ''\r\n`, frames: [['SET', 'k', ''], ['SET', 'k', '']] },
  { name: 'quotes inside a word join it', input: 'ECHO ab"c d" e\r\n', frames: [['ECHO', 'abc d', 'e']] },
  { name: 'closing quote followed by a tab', input: 'ECHO "a"\tb\r\n', frames: [['ECHO', 'a', 'b']] },
  { name: 'a line that looks like a header', input: '$4\r\n', frames: [['$4']] },
  { name: 'inline then multibulk then inline', input: 'PING\r\n' + mb('GET', 'k') + 'ECHO x\n', frames: [['PING'], ['GET', 'k'], ['ECHO', 'x']], inline: [true, false, true] },
  { name: 'a line without LF waits', input: 'PING', frames: [], pending: 4 },
  { name: 'unterminated double quote', input: 'SET k "abc\r\n', frames: [], error: 'unbalanced quotes in request' },
  { name: 'unterminated single quote', input: "SET k 'abc\r\n", frames: [], error: 'unbalanced quotes in request' },
  { name: 'closing quote followed by a letter', input: 'SET k "a"b\r\n', frames: [], error: 'unbalanced quotes in request' },
  { name: 'backslash before the end inside quotes', input: 'SET k "a\\\r\n', frames: [], error: 'unbalanced quotes in request' },
  { name: 'good line, then unbalanced', input: 'PING\r\nECHO "x\r\n', frames: [['PING']], error: 'unbalanced quotes in request' },
  { name: 'no LF within 64 KiB', input: 'A'.repeat(64 * 1024 + 1), frames: [], error: 'too big inline request' },
  { name: 'exactly 64 KiB without LF is a wait', input: 'A'.repeat(64 * 1024), frames: [], pending: 64 * 1024 },
  { name: 'a long line with its LF is fine', input: 'ECHO ' + 'a'.repeat(60000) + '\r\n', frames: [['ECHO', 'a'.repeat(60000)]] },
]);

describe('Redis 7 framing details', () => {
  // Redis 7 processInlineBuffer has no pre-AUTH limit (CVE-2021-32675 only capped multibulk):
  // an eleven-word inline command reaches processCommand and is answered -NOAUTH, not a protocol error.
  test('an inline command has no argument limit before AUTH', () => {
    for (const chunking of ['whole', 'bytes'] as const) {
      const feeder = feed(bytes('a b c d e f g h i j k\r\n'), chunking, true);
      expect(feeder.seen.map((s) => s.error)).toEqual(['']);
      expect(feeder.frames).toEqual(['abcdefghijk'.split('')]);
    }
  });

  // sdssplitargs ends an unquoted word only at ' ', '\n', '\r', '\t' or NUL; \v and \f are part of it
  // (though isspace skips them between words).
  test('vertical tab and form feed do not end an unquoted word', () => {
    for (const chunking of ['whole', 'bytes'] as const) {
      expect(feed(bytes('SET a\vb c\fd\r\n'), chunking).frames).toEqual([['SET', 'a\vb', 'c\fd']]);
      expect(feed(bytes('SET \v\fk v\r\n'), chunking).frames).toEqual([['SET', 'k', 'v']]);
    }
  });

  // string2ll rejects what does not fit a long long; a count below LLONG_MIN is not "<= 0".
  test('a count below LLONG_MIN is invalid, not an empty frame', () => {
    for (const chunking of ['whole', 'bytes'] as const) {
      const feeder = feed(bytes('*-9223372036854775809\r\n' + mb('PING')), chunking);
      expect(feeder.seen.map((s) => s.error)).toEqual(['invalid multibulk length']);
    }
  });

  // Redis looks at the '$' only once the whole header line (CR and the byte after it) is there;
  // until then it waits, and with no CR within 64 KiB the error is about the count string.
  test("the '$' check waits for the header line", () => {
    const scanner = new RequestScanner(LIMITS);
    const buf = bytes('*1\r\nxy');
    expect(scanner.next(buf, 0, buf.length)).toBe(Scan.Incomplete);
    for (const chunking of ['whole', 'bytes'] as const) {
      expect(feed(bytes('*1\r\nxy\r'), chunking).pending).toBe(7);
      expect(feed(bytes('*1\r\nxy\r\n'), chunking).seen.map((s) => s.error)).toEqual(["expected '$', got 'x'"]);
      const long = feed(bytes('*1\r\nx' + 'y'.repeat(64 * 1024)), chunking);
      expect(long.seen.map((s) => s.error)).toEqual(['too big bulk count string']);
    }
  });
});

describe('resuming across chunks', () => {
  test('Incomplete in a payload asks for exactly its end, and the scanner resumes from there', () => {
    const scanner = new RequestScanner(LIMITS);
    const full = bytes(mb('SET', 'key', 'v'.repeat(100)));
    const part = full.subarray(0, 30);
    expect(scanner.next(part, 0, part.length)).toBe(Scan.Incomplete);
    expect(scanner.midFrame).toBe(true);
    expect(scanner.need).toBe(full.length);
    expect(scanner.frameStart).toBe(0);
    expect(scanner.next(full, 0, full.length)).toBe(Scan.Frame);
    expect(scanner.midFrame).toBe(false);
    expect([scanner.frameStart, scanner.frameEnd, scanner.argc]).toEqual([0, full.length, 3]);
  });

  test('Incomplete between frames leaves the scanner idle', () => {
    const scanner = new RequestScanner(LIMITS);
    const buf = bytes('*2\r');
    expect(scanner.next(buf, 0, buf.length)).toBe(Scan.Incomplete);
    expect(scanner.midFrame).toBe(false);
    expect(scanner.need).toBeGreaterThan(buf.length);
  });

  test('rebase moves every position of the unfinished frame, need included', () => {
    const scanner = new RequestScanner(LIMITS);
    const buf = bytes(mb('PING') + '*1\r\n$4\r\nPI');
    expect(scanner.next(buf, 0, buf.length)).toBe(Scan.Frame);
    expect(scanner.next(buf, 14, buf.length)).toBe(Scan.Incomplete);
    expect(scanner.need).toBe(28);
    scanner.rebase(-14);
    expect(scanner.frameStart).toBe(0);
    expect(scanner.need).toBe(14);
  });

  // The caller keeps a partial frame that follows complete ones (keep -> rebase), then gates the
  // next scan on `pendEnd < need`: a need left in the old coordinates stalls the frame for good.
  test('a pipeline split in two at every offset', () => {
    const input = bytes(mb('SET', 'k', 'v') + 'PING\r\n' + mb('GET', 'k') + '*0\r\n' + mb('ECHO', 'a\r\nb'));
    const expected = [['SET', 'k', 'v'], ['PING'], ['GET', 'k'], [], ['ECHO', 'a\r\nb']];
    const stalled: number[] = [];
    for (let cut = 1; cut < input.length; cut++) {
      const feeder = new Feeder();
      feeder.push(Buffer.from(input.subarray(0, cut)));
      feeder.push(Buffer.from(input.subarray(cut)));
      if (feeder.pending !== 0 || JSON.stringify(feeder.frames) !== JSON.stringify(expected)) stalled.push(cut);
    }
    expect(stalled).toEqual([]);
  });

  test('a 1 MB argument in 64 KB chunks', () => {
    const payload = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + 7) & 0xff;
    const input = Buffer.concat([bytes(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${payload.length}\r\n`), payload, bytes('\r\n'), bytes(mb('PING'))]);
    const started = performance.now();
    const feeder = feed(input, 64 * 1024);
    const elapsed = performance.now() - started;
    const frames = feeder.seen.filter((s) => s.kind === 'frame');
    expect(frames.map((f) => f.argc)).toEqual([3, 1]);
    expect(frames[0]!.args[2]!.equals(payload)).toBe(true);
    expect(frames[1]!.end).toBe(input.length);
    expect(feeder.pending).toBe(0);
    // With the need gate, the payload is not looked at again until all of it is there.
    expect(feeder.nextCalls).toBeLessThanOrEqual(4);
    expect(elapsed).toBeLessThan(2000);
  });

  test('a 100 000-argument frame in 1 KB chunks scans in linear time', () => {
    const count = 100_000;
    const parts = [`*${count + 1}\r\n$4\r\nSADD\r\n`];
    for (let i = 0; i < count; i++) {
      const member = `m${i}`;
      parts.push(`$${member.length}\r\n${member}\r\n`);
    }
    const input = bytes(parts.join(''));
    const started = performance.now();
    const feeder = feed(input, 1024);
    const elapsed = performance.now() - started;
    const frames = feeder.seen.filter((s) => s.kind === 'frame');
    expect(frames.length).toBe(1);
    expect(frames[0]!.argc).toBe(count + 1);
    expect(frames[0]!.args[count]!.toString()).toBe(`m${count - 1}`);
    expect(frames[0]!.end).toBe(input.length);
    expect(feeder.nextCalls).toBeLessThanOrEqual(Math.ceil(input.length / 1024));
    expect(elapsed).toBeLessThan(2000);
  });

  test('an Error resets the scanner to idle', () => {
    const scanner = new RequestScanner(LIMITS);
    const bad = bytes('*1\r\n$x\r\n');
    expect(scanner.next(bad, 0, bad.length)).toBe(Scan.Error);
    expect(scanner.midFrame).toBe(false);
    const good = bytes(mb('PING'));
    expect(scanner.next(good, 0, good.length)).toBe(Scan.Frame);
  });

  test('unauthenticated can be lifted between frames', () => {
    const scanner = new RequestScanner(LIMITS);
    scanner.unauthenticated = true;
    const big = bytes(mb(...'abcdefghijk'.split('')));
    expect(scanner.next(big, 0, big.length)).toBe(Scan.Error);
    expect(scanner.error).toBe('unauthenticated multibulk length');
    scanner.unauthenticated = false;
    expect(scanner.next(big, 0, big.length)).toBe(Scan.Frame);
    expect(scanner.argc).toBe(11);
  });
});

describe('args()', () => {
  test('multibulk arguments are views of the frame, at any offset', () => {
    const scanner = new RequestScanner(LIMITS);
    const buf = bytes('xx' + mb('SET', 'k', 'v') + 'yy');
    expect(scanner.next(buf, 2, buf.length - 2)).toBe(Scan.Frame);
    const args = scanner.args(buf);
    expect(args.map((a) => a.toString())).toEqual(['SET', 'k', 'v']);
    expect(args[0]!.buffer).toBe(buf.buffer);
    expect(scanner.inline).toBeNull();
  });

  test('inline arguments come from the re-encoded frame', () => {
    const scanner = new RequestScanner(LIMITS);
    const buf = bytes('set k "a b"\r\n');
    expect(scanner.next(buf, 0, buf.length)).toBe(Scan.Frame);
    expect(scanner.inline!.toString('latin1')).toBe(mb('set', 'k', 'a b'));
    expect(scanner.args(buf).map((a) => a.toString())).toEqual(['set', 'k', 'a b']);
    expect(scanner.inline!.toString('latin1', scanner.nameStart, scanner.nameStart + scanner.nameLength)).toBe('set');
  });
});

describe('frameArgs', () => {
  test('reads a frame inside a larger buffer', () => {
    const frame = mb('HSET', 'h', 'f', '\r\n');
    const buf = bytes('junk' + frame + 'more');
    expect(frameArgs(buf, 4, 4 + frame.length).map((a) => a.toString('latin1'))).toEqual(['HSET', 'h', 'f', '\r\n']);
  });

  test('skips the byte after each CR like the scanner', () => {
    const buf = bytes('*2\rX$4\rYECHO??$0\rZ??');
    expect(frameArgs(buf, 0, buf.length).map((a) => a.toString('latin1'))).toEqual(['ECHO', '']);
  });

  test('agrees with encodeCommand for binary arguments', () => {
    const args = [Buffer.from('SET'), Buffer.from([0, 13, 10, 255]), Buffer.alloc(0)];
    const buf = encodeCommand(args);
    expect(frameArgs(buf, 0, buf.length)).toEqual(args);
  });
});

describe('parseLength (string2ll)', () => {
  const parse = (text: string): number => {
    const buf = bytes(`[${text}]`);
    return parseLength(buf, 1, buf.length - 1);
  };

  test('accepts what string2ll accepts', () => {
    expect(parse('0')).toBe(0);
    expect(parse('7')).toBe(7);
    expect(parse('-1')).toBe(-1);
    expect(parse('1048576')).toBe(1048576);
    expect(parse('536870912')).toBe(536870912);
    expect(parse('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(parse('9223372036854775807')).toBeGreaterThan(9.2e18);
    expect(parse('-9223372036854775808')).toBeLessThan(-9.2e18);
  });

  test('rejects what string2ll rejects', () => {
    for (const text of ['', '-', '+1', '01', '00', '-0', '-01', ' 1', '1 ', '1a', '0x10', '1.0', '1e3', '100000000000000000000']) {
      expect(parse(text), JSON.stringify(text)).toBeNaN();
    }
  });

  test('rejects values outside long long', () => {
    expect(parse('9223372036854775808')).toBeNaN();
    expect(parse('99999999999999999999')).toBeNaN();
    expect(parse('-9223372036854775809')).toBeNaN();
  });
});

describe('splitInlineArgs (sdssplitargs)', () => {
  const split = (text: string): string[] | null => splitInlineArgs(bytes(text))?.map((a) => a.toString('latin1')) ?? null;

  test('words and quotes', () => {
    expect(split('')).toEqual([]);
    expect(split('   ')).toEqual([]);
    expect(split('a  b\tc')).toEqual(['a', 'b', 'c']);
    expect(split('"a b" \'c d\'')).toEqual(['a b', 'c d']);
    expect(split('""')).toEqual(['']);
    expect(split("''")).toEqual(['']);
    expect(split('"\\x41\\x4"')).toEqual(['Ax4']);
    // \' before the closing quote escapes it, so the quote is never closed.
    expect(split("'\\\\'")).toBeNull();
    expect(split('"\\\\"')).toEqual(['\\']);
  });

  test('unbalanced quotes are null', () => {
    expect(split('"a')).toBeNull();
    expect(split("'a")).toBeNull();
    expect(split('"a"b')).toBeNull();
    expect(split("'a'b")).toBeNull();
    expect(split('"a\\"')).toBeNull();
  });
});
