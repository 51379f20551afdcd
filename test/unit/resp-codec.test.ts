// encode.ts and decode.ts: exact bytes, round trips, and agreement with the scanners.

import { describe, expect, test } from 'vitest';
import { EMPTY_ARRAY, NULL_ARRAY, NULL_BULK, OK, bulk, encode, encodeCommand, integer, status, type Reply } from '../../src/resp/encode.js';
import { ErrorValue, asText, decodeFrame, type Value } from '../../src/resp/decode.js';
import { ReplyScanner } from '../../src/resp/reply-scanner.js';
import { RequestScanner, Scan } from '../../src/resp/request-scanner.js';

const text = (buf: Buffer): string => buf.toString('latin1');

describe('encode', () => {
  test('each type, byte for byte', () => {
    expect(text(encode('foo'))).toBe('$3\r\nfoo\r\n');
    expect(text(encode(''))).toBe('$0\r\n\r\n');
    expect(text(encode(Buffer.from([0, 13, 10])))).toBe('$3\r\n\x00\r\n\r\n');
    expect(text(encode('é'))).toBe('$2\r\n\xc3\xa9\r\n');
    expect(text(encode(null))).toBe('$-1\r\n');
    expect(text(encode(42))).toBe(':42\r\n');
    expect(text(encode(-7))).toBe(':-7\r\n');
    expect(text(encode(0))).toBe(':0\r\n');
    expect(text(encode(9007199254740993n))).toBe(':9007199254740993\r\n');
    expect(text(encode([]))).toBe('*0\r\n');
    expect(text(encode({ status: 'OK' }))).toBe('+OK\r\n');
    expect(text(encode({ error: Buffer.from('-ERR nope\r\n') }))).toBe('-ERR nope\r\n');
    expect(text(encode(['a', [1, null], []]))).toBe('*3\r\n$1\r\na\r\n*2\r\n:1\r\n$-1\r\n*0\r\n');
  });

  test('helpers and constants', () => {
    expect(text(bulk(null))).toBe('$-1\r\n');
    expect(text(bulk('hi'))).toBe('$2\r\nhi\r\n');
    expect(text(integer(5n))).toBe(':5\r\n');
    expect(text(status('PONG'))).toBe('+PONG\r\n');
    expect(text(OK)).toBe('+OK\r\n');
    expect(text(NULL_BULK)).toBe('$-1\r\n');
    expect(text(NULL_ARRAY)).toBe('*-1\r\n');
    expect(text(EMPTY_ARRAY)).toBe('*0\r\n');
  });

  test('encodeCommand is read back by the request scanner', () => {
    const args = ['SET', Buffer.from([0, 255, 13, 10]), '', 'ü'];
    const frame = encodeCommand(args);
    expect(text(frame)).toBe('*4\r\n$3\r\nSET\r\n$4\r\n\x00\xff\r\n\r\n$0\r\n\r\n$2\r\n\xc3\xbc\r\n');
    const scanner = new RequestScanner({ maxBulkLength: 512 * 1024 * 1024, maxMultibulkLength: 1024 * 1024, maxInlineLength: 64 * 1024 });
    expect(scanner.next(frame, 0, frame.length)).toBe(Scan.Frame);
    expect(scanner.frameEnd).toBe(frame.length);
    expect(scanner.args(frame)).toEqual(args.map((a) => (typeof a === 'string' ? Buffer.from(a) : a)));
  });
});

/** What a reply looks like once decoded: text as Buffers, bigints as numbers, statuses as Buffers. */
function decoded(value: Reply): Value {
  if (value === null) return null;
  if (typeof value === 'string') return Buffer.from(value);
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) return value.map(decoded);
  if ('status' in value) return Buffer.from(value.status);
  return new ErrorValue(value.error.toString('latin1').slice(1, -2));
}

const VALUES: [string, Reply][] = [
  ['bulk', 'hello'],
  ['empty bulk', ''],
  ['bulk with CRLF', 'a\r\nb\r\n'],
  ['binary bulk', Buffer.from([0, 1, 2, 13, 10, 254, 255])],
  ['utf-8 bulk', 'naïve ☃'],
  ['null', null],
  ['integer', 123456],
  ['negative integer', -1],
  ['bigint within 2^53', 2n ** 52n],
  ['status', { status: 'QUEUED' }],
  ['error', { error: Buffer.from('-WRONGTYPE Operation against a key holding the wrong kind of value\r\n') }],
  ['empty array', []],
  ['flat array', ['a', 1, null]],
  ['nested arrays', [['a', ['b', []]], [null, 2], { status: 'OK' }]],
  ['HELLO-like reply', ['server', 'redis', 'proto', 2, 'modules', []]],
];

describe('decode(encode(v))', () => {
  for (const [name, value] of VALUES) {
    test(name, () => {
      const frame = encode(value);
      const { value: back, end } = decodeFrame(frame);
      expect(end).toBe(frame.length);
      expect(back).toEqual(decoded(value));
    });
  }

  test('a frame at an offset, followed by another', () => {
    const first = encode(['x', [1, 2]]);
    const second = encode('tail');
    const buf = Buffer.concat([Buffer.from('junk'), first, second]);
    const one = decodeFrame(buf, 4);
    expect(one).toEqual({ value: [Buffer.from('x'), [1, 2]], end: 4 + first.length });
    expect(decodeFrame(buf, one.end)).toEqual({ value: Buffer.from('tail'), end: buf.length });
  });

  test('the reply scanner finds the same frame ends', () => {
    const frames = VALUES.map(([, value]) => encode(value));
    const stream = Buffer.concat(frames);
    const scanner = new ReplyScanner();
    const decodedEnds: number[] = [];
    const scannedEnds: number[] = [];
    for (let at = 0; at < stream.length; ) {
      at = decodeFrame(stream, at).end;
      decodedEnds.push(at);
    }
    for (let at = scanner.next(stream, 0); at >= 0; at = scanner.next(stream, at)) scannedEnds.push(at);
    expect(scannedEnds).toEqual(decodedEnds);
    expect(decodedEnds.length).toBe(frames.length);
  });
});

describe('decodeFrame', () => {
  test('null bulk and null array are null, errors keep their line', () => {
    expect(decodeFrame(Buffer.from('$-1\r\n'))).toEqual({ value: null, end: 5 });
    expect(decodeFrame(Buffer.from('*-1\r\n'))).toEqual({ value: null, end: 5 });
    const error = decodeFrame(Buffer.from('-NOAUTH Authentication required.\r\n')).value;
    expect(error).toBeInstanceOf(ErrorValue);
    expect((error as ErrorValue).line).toBe('NOAUTH Authentication required.');
  });

  test('asText', () => {
    expect(asText(Buffer.from('ü'))).toBe('ü');
    expect(asText(1)).toBeUndefined();
    expect(asText(null)).toBeUndefined();
    expect(asText(undefined)).toBeUndefined();
  });
});
