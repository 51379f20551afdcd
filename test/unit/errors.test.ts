// errors.ts: one line per error reply, a code word first, whatever the message holds.

import { describe, expect, test } from 'vitest';
import { ERR, RedisError, errorReply, protocolError, sanitize, truncate, unknownSubcommand, wrongArity } from '../../src/resp/errors.js';
import { ReplyScanner } from '../../src/resp/reply-scanner.js';

/** An error reply is "-", a code word, a space, text without CR or LF, and one CRLF. */
function expectOneLine(reply: Buffer): void {
  expect(reply[0]).toBe(0x2d);
  expect(reply.subarray(-2).toString('latin1')).toBe('\r\n');
  const body = reply.subarray(0, -2);
  expect(body.includes(0x0d), JSON.stringify(reply.toString('latin1'))).toBe(false);
  expect(body.includes(0x0a), JSON.stringify(reply.toString('latin1'))).toBe(false);
  expect(/^-[A-Z]+ /.test(body.toString('latin1'))).toBe(true);
  // A client's parser sees exactly one frame.
  const scanner = new ReplyScanner();
  expect(scanner.next(reply, 0)).toBe(reply.length);
}

describe('error replies', () => {
  test('errorReply', () => {
    expect(errorReply('ERR', 'bad thing').toString()).toBe('-ERR bad thing\r\n');
    expect(errorReply('WRONGTYPE', 'Operation against a key holding the wrong kind of value').toString()).toBe(
      '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n',
    );
  });

  test('CR and LF in a message never reach the wire', () => {
    for (const message of ['a\r\nb', 'a\nb', 'a\rb', '\r\n', 'trailing\r\n', '\nleading', 'x\r\n+OK\r\n:1', 'a\n\n\nb']) {
      const reply = errorReply('ERR', message);
      expectOneLine(reply);
    }
    expect(errorReply('ERR', 'a\r\nb').toString()).toBe('-ERR a  b\r\n');
  });

  // A message carries text that came from a client (a key name decoded as UTF-8, say): no character
  // of it may turn into a CR or LF byte. U+010A and U+010D end in 0x0A / 0x0D.
  test('no character of a message becomes a CR or LF byte', () => {
    const key = Buffer.from([0xc4, 0x8a, 0xc4, 0x8d]).toString('utf8'); // U+010A U+010D, 'Ċč'
    expect(key).toBe('\u010a\u010d');
    expectOneLine(errorReply('ERR', `no such key '${key}'`));
    expectOneLine(new RedisError('ERR', `no such key '${key}'`).toReply());
    for (let code = 0; code < 0x800; code++) expectOneLine(errorReply('ERR', `x${String.fromCharCode(code)}y`));
  });

  test('protocolError', () => {
    expect(protocolError('invalid bulk length').toString()).toBe('-ERR Protocol error: invalid bulk length\r\n');
    expect(protocolError("expected '$', got ' '").toString()).toBe("-ERR Protocol error: expected '$', got ' '\r\n");
    expectOneLine(protocolError('a\r\nb'));
  });

  test("wrongArity and unknownSubcommand use Redis's wording", () => {
    expect(wrongArity('GET').toString()).toBe("-ERR wrong number of arguments for 'get' command\r\n");
    expect(unknownSubcommand('client', 'foo').toString()).toBe("-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n");
    expectOneLine(unknownSubcommand('client', 'a\r\nb'));
    expectOneLine(unknownSubcommand('client', 'x'.repeat(1000)));
  });

  test('truncate keeps 128 characters', () => {
    expect(truncate('a'.repeat(128))).toBe('a'.repeat(128));
    expect(truncate('a'.repeat(129))).toBe('a'.repeat(128) + '...');
    expect(truncate('abcdef', 3)).toBe('abc...');
  });

  test('sanitize', () => {
    expect(sanitize('plain')).toBe('plain');
    expect(sanitize('a\r\nb\nc\rd')).not.toMatch(/[\r\n]/);
  });

  test('RedisError carries a stable name, code and message', () => {
    const err = new RedisError('NOSCRIPT', 'No matching script.');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('RedisError');
    expect(err.code).toBe('NOSCRIPT');
    expect(err.message).toBe('No matching script.');
    expect(err.toReply().toString()).toBe('-NOSCRIPT No matching script.\r\n');
    expectOneLine(new RedisError('ERR', 'multi\nline\r\nmessage').toReply());
  });

  test('every canned error is one line with a code word', () => {
    for (const [name, reply] of Object.entries(ERR)) {
      expect(Buffer.isBuffer(reply), name).toBe(true);
      expectOneLine(reply);
    }
    expect(ERR.noAuth.toString()).toBe('-NOAUTH Authentication required.\r\n');
    expect(ERR.wrongPass.toString()).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    expect(ERR.syntax.toString()).toBe('-ERR syntax error\r\n');
  });
});
