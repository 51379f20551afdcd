// ReplyScanner.next: frame ends at exact offsets for every RESP2 type, whole, split at every
// byte offset, and byte by byte.

import { describe, expect, test } from 'vitest';
import { ReplyScanner } from '../../src/resp/reply-scanner.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

/** Feeds the chunks in order; returns where top-level frames ended, as offsets in the whole stream. */
function frameEnds(chunks: Buffer[], scanner = new ReplyScanner()): number[] {
  const ends: number[] = [];
  let base = 0;
  for (const chunk of chunks) {
    for (let at = scanner.next(chunk, 0); at >= 0; at = scanner.next(chunk, at)) {
      expect(at).toBeGreaterThan(0);
      expect(at).toBeLessThanOrEqual(chunk.length);
      ends.push(base + at);
    }
    base += chunk.length;
  }
  return ends;
}

function byteByByte(input: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < input.length; i++) out.push(Buffer.from(input.subarray(i, i + 1)));
  return out;
}

const REPLIES: [string, string][] = [
  ['status', '+OK\r\n'],
  ['empty status', '+\r\n'],
  ['error', '-ERR unknown command\r\n'],
  ['error with a code word', '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n'],
  ['integer', ':1000\r\n'],
  ['negative integer', ':-42\r\n'],
  ['zero', ':0\r\n'],
  ['bulk', '$5\r\nhello\r\n'],
  ['empty bulk', '$0\r\n\r\n'],
  ['null bulk', '$-1\r\n'],
  ['bulk holding CRLF', '$4\r\n\r\n\r\n\r\n'],
  ['bulk holding what looks like frames', '$15\r\n*2\r\n$1\r\na\r\n:1\r\n\r\n'],
  ['bulk of ten bytes', '$10\r\n0123456789\r\n'],
  ['empty array', '*0\r\n'],
  ['null array', '*-1\r\n'],
  ['flat array', '*3\r\n$3\r\nfoo\r\n:7\r\n+OK\r\n'],
  ['array with nulls', '*3\r\n$-1\r\n*-1\r\n$0\r\n\r\n'],
  ['array with an error element', '*2\r\n-ERR bad\r\n:1\r\n'],
  ['nested arrays', '*2\r\n*2\r\n:1\r\n:2\r\n*2\r\n$1\r\na\r\n*0\r\n'],
  ['deep nesting ending in a null', '*1\r\n*1\r\n*1\r\n*1\r\n$-1\r\n'],
  ['array ending in an empty array', '*2\r\n:1\r\n*0\r\n'],
  ['array of bulks holding CRLF', '*2\r\n$2\r\n\r\n\r\n$3\r\n\n\r\n\r\n'],
  ['EXEC-like reply', '*3\r\n+OK\r\n:2\r\n*2\r\n$1\r\nx\r\n$-1\r\n'],
];

describe('ReplyScanner: one frame at a time', () => {
  for (const [name, text] of REPLIES) {
    const input = bytes(text);

    test(`${name}: one chunk`, () => {
      const scanner = new ReplyScanner();
      expect(frameEnds([input], scanner)).toEqual([input.length]);
      expect(scanner.midFrame).toBe(false);
    });

    test(`${name}: split at every offset`, () => {
      for (let cut = 1; cut < input.length; cut++) {
        const scanner = new ReplyScanner();
        const chunks = [input.subarray(0, cut), input.subarray(cut)];
        expect(frameEnds(chunks, scanner), `cut at ${cut}`).toEqual([input.length]);
        expect(scanner.midFrame).toBe(false);
      }
    });

    test(`${name}: byte by byte`, () => {
      const scanner = new ReplyScanner();
      const chunks = byteByByte(input);
      const ends: number[] = [];
      let base = 0;
      for (const chunk of chunks) {
        // Mid-frame until the last byte, and never before.
        expect(scanner.midFrame || base === 0).toBe(true);
        ends.push(...frameEnds([chunk], scanner).map((at) => base + at));
        base += chunk.length;
      }
      expect(ends).toEqual([input.length]);
      expect(scanner.midFrame).toBe(false);
    });
  }
});

describe('ReplyScanner: a stream of replies', () => {
  const texts = REPLIES.map(([, text]) => text);
  const input = bytes(texts.join(''));
  const expected = texts.map((_, i) => texts.slice(0, i + 1).join('').length);

  test('one chunk', () => {
    expect(frameEnds([input])).toEqual(expected);
  });

  test('split at every offset', () => {
    for (let cut = 1; cut < input.length; cut++) {
      expect(frameEnds([input.subarray(0, cut), input.subarray(cut)]), `cut at ${cut}`).toEqual(expected);
    }
  });

  test('split in three at many offsets', () => {
    for (let a = 1; a < input.length; a += 7) {
      for (let b = a + 1; b < input.length; b += 5) {
        const chunks = [input.subarray(0, a), input.subarray(a, b), input.subarray(b)];
        expect(frameEnds(chunks), `cuts at ${a}, ${b}`).toEqual(expected);
      }
    }
  });

  test('byte by byte', () => {
    expect(frameEnds(byteByByte(input))).toEqual(expected);
  });

  test('scanning from an offset inside the chunk', () => {
    const scanner = new ReplyScanner();
    const buf = bytes(':1\r\n$3\r\nabc\r\n*1\r\n:2\r\n');
    expect(scanner.next(buf, 0)).toBe(4);
    expect(scanner.next(buf, 4)).toBe(13);
    expect(scanner.next(buf, 13)).toBe(buf.length);
    expect(scanner.next(buf, buf.length)).toBe(-1);
    expect(scanner.midFrame).toBe(false);
  });
});

describe('ReplyScanner: large and partial frames', () => {
  test('a 1 MB bulk in 64 KB chunks ends exactly after its CRLF', () => {
    const payload = Buffer.alloc(1024 * 1024, 0x0d);
    const input = Buffer.concat([bytes(`*2\r\n$${payload.length}\r\n`), payload, bytes('\r\n:1\r\n+OK\r\n')]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < input.length; i += 64 * 1024) chunks.push(input.subarray(i, i + 64 * 1024));
    expect(frameEnds(chunks)).toEqual([input.length - 5, input.length]);
  });

  test('a large array of small elements split at 1 KB', () => {
    const parts = ['*100000\r\n'];
    for (let i = 0; i < 100_000; i++) parts.push(i % 2 ? `:${i}\r\n` : `$${String(i).length}\r\n${i}\r\n`);
    const input = bytes(parts.join(''));
    const chunks: Buffer[] = [];
    for (let i = 0; i < input.length; i += 1024) chunks.push(input.subarray(i, i + 1024));
    const started = performance.now();
    expect(frameEnds(chunks)).toEqual([input.length]);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test('midFrame while a header line or a payload is cut, reset() forgets it', () => {
    const scanner = new ReplyScanner();
    expect(scanner.midFrame).toBe(false);
    expect(scanner.next(bytes('$5\r'), 0)).toBe(-1);
    expect(scanner.midFrame).toBe(true);
    scanner.reset();
    expect(scanner.midFrame).toBe(false);
    expect(scanner.next(bytes('*2\r\n:1\r\n'), 0)).toBe(-1);
    expect(scanner.midFrame).toBe(true);
    scanner.reset();
    expect(scanner.next(bytes('+OK\r\n'), 0)).toBe(5);
  });
});
