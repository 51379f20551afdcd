// The wire itself: inline commands with quotes and escapes, odd but valid multibulk framing,
// protocol errors (the error, then the close), requests cut into small writes, large pipelines
// and large replies, and pipelines that move between the proxy's routes.

import { parity, raw, times, type Case } from './harness.js';

const K64 = 64 * 1024;

const inline: Case[] = [
  { name: 'inline PING with CRLF, with LF only, with spaces and tabs around', request: raw('PING\r\nPING\n   PING   \r\n\tPING\t\r\nping\r\n'), replies: 5 },
  { name: 'inline commands with double quotes and escapes', request: raw('SET k "a b"\r\nGET k\r\nSET k "\\x41\\x42\\n\\r\\t\\b\\a\\\\\\"z"\r\nGET k\r\nECHO "\\xff\\x00\\x7f"\r\nECHO "\\x4"\r\nECHO "\\q"\r\n'), replies: 7 },
  { name: 'inline commands with single quotes', request: raw("SET k 'v a l'\r\nGET k\r\nECHO 'it\\'s'\r\nECHO 'no \\n escape'\r\nECHO ''\r\nECHO \"\"\r\n"), replies: 6 },
  { name: 'inline words glued to quotes, empty lines, blank lines', request: raw('\r\n\r\n   \r\nECHO a"b"\r\n\r\nPING\r\n'), replies: 2 },
  { name: 'inline unknown command and wrong arity', request: raw('NOSUCH a "b c"\r\nGET\r\nSET k\r\n'), replies: 3 },
  { name: 'inline command with 1000 arguments', request: raw(`RPUSH l ${times(1000, (i) => `v${i}`).join(' ')}\r\nLLEN l\r\nLINDEX l 999\r\n`), replies: 3 },
  { name: 'inline and multibulk mixed in one write', request: raw('SET a 1\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\nINCR a\r\n*1\r\n$4\r\nPING\r\nGET a\r\n'), replies: 5 },
  { name: 'an inline line just under 64 KB', request: raw(`ECHO ${'x'.repeat(K64 - 10)}\r\n`), replies: 1 },
  { name: 'an inline line over 64 KB without a newline', request: raw(`ECHO ${'x'.repeat(K64 + 10)}`), replies: 1, closes: true },
  { name: 'inline unbalanced double quote', request: raw('PING\r\nSET k "abc\r\nPING\r\n'), replies: 2, closes: true },
  { name: 'inline unbalanced single quote', request: raw("SET k 'abc\r\n"), replies: 1, closes: true },
  { name: 'inline closing quote followed by a letter', request: raw('ECHO "a"b\r\n'), replies: 1, closes: true },
  { name: 'an inline line with a NUL byte', request: raw('PI\0NG\r\nPING\r\n'), replies: 1, silent: true, timeoutMs: 300, divergence: 'Redis finds no line end past the NUL and waits; the proxy splits at the NUL and answers' },
];

const multibulk: Case[] = [
  { name: 'empty and negative multibulk counts are skipped', request: raw('*0\r\n*-1\r\n*-10\r\nPING\r\n'), replies: 1 },
  { name: 'the two bytes after a bulk payload are skipped whatever they are', request: raw('*1\r\n$4\r\nPINGxy*2\r\n$4\r\nECHO\r\n$2\r\nhi\n\n'), replies: 2 },
  { name: 'a bulk length with a plus sign', request: raw('*1\r\n$+4\r\nPING\r\n'), replies: 1, closes: true },
  { name: 'a negative bulk length', request: raw('*2\r\n$3\r\nGET\r\n$-1\r\n'), replies: 1, closes: true },
  { name: 'a bulk longer than proto-max-bulk-len', request: raw('*2\r\n$3\r\nGET\r\n$536870913\r\n'), replies: 1, closes: true },
  { name: 'a multibulk count that is not a number', request: raw('*abc\r\n'), replies: 1, closes: true },
  { name: 'a multibulk count over 2^31', request: raw('*2147483648\r\n'), replies: 1, closes: true },
  { name: 'a multibulk header ending in LF only', request: raw('*1\n$4\r\nPING\r\n'), replies: 1, closes: true },
  { name: "an argument that does not start with '$'", request: raw('PING\r\n*1\r\n+PING\r\n'), replies: 2, closes: true },
  { name: 'a bulk count string over 64 KB', request: raw(`*1\r\n$${'1'.repeat(K64 + 10)}`), replies: 1, closes: true },
  { name: 'a multibulk count string over 64 KB', request: raw(`*${'1'.repeat(K64 + 10)}`), replies: 1, closes: true },
  { name: 'replies owed before a protocol error come first', request: raw('SET k v\r\nGET k\r\nDEBUG SLEEP 0.05\r\n*1\r\n$x\r\nPING\r\n'), replies: 4, closes: true },
  { name: 'a protocol error queued behind a blocked pop', request: raw('BLPOP missing 0.05\r\nPING\r\n*1\r\n$x\r\nPING\r\n'), replies: 3, closes: true },
  {
    name: 'a command with 1 048 577 arguments',
    request: raw(Buffer.concat([Buffer.from('*1048577\r\n$5\r\nRPUSH\r\n$4\r\nmany\r\n'), Buffer.from('$1\r\nx\r\n'.repeat(1_048_575)), Buffer.from('*2\r\n$4\r\nLLEN\r\n$4\r\nmany\r\n')])),
    replies: 2,
    timeoutMs: 20_000,
    divergence: 'the proxy refuses more than 1 048 576 arguments with a protocol error; Redis 7.0 accepts up to INT_MAX',
  },
  { name: 'a command with 100 000 arguments', request: [['SADD', 'many', ...times(100_000, (i) => String(i))], 'SCARD many', 'SRANDMEMBER many 0'] },
  { name: 'the RESP3 attribute, map and other types are only replies: sent as requests they are inline text', request: raw('%1\r\n|1\r\n~1\r\n'), replies: 3 },
];

const chunked: Case[] = [
  { name: 'a pipeline written one byte at a time', request: ['SET k "a value"', 'GET k', 'MGET k missing', 'PING'], chunk: 1 },
  { name: 'inline commands written one byte at a time', request: raw('SET k "quoted value"\r\nGET k\r\nPING\r\n'), replies: 3, chunk: 1 },
  { name: 'a 1 MB value written 1000 bytes at a time', request: [['SET', 'big', Buffer.alloc(1024 * 1024, 'z')], 'STRLEN big', 'GETRANGE big 0 9'], chunk: 1000 },
  { name: 'a pipeline cut every 7 bytes', request: times(200, (i) => ['SET', `k${i}`, 'v'.repeat(i)]), chunk: 7 },
];

const pipelines: Case[] = [
  {
    name: '10 000 commands in one write',
    request: times(10_000, (i) => (i % 4 === 0 ? ['SET', `key:${i % 100}`, `value:${i}`] : i % 4 === 1 ? ['GET', `key:${i % 100}`] : i % 4 === 2 ? ['INCR', 'counter'] : ['LPUSH', 'list', i])),
    timeoutMs: 20_000,
  },
  { name: '100 000 inline PINGs in one write', request: raw('PING\r\n'.repeat(100_000)), replies: 100_000, timeoutMs: 20_000 },
  { name: '1000 GETs of a 10 KB value', request: [['SET', 'v', Buffer.alloc(10 * 1024, 'q')], ...times(1000, () => 'GET v')], timeoutMs: 20_000 },
  {
    name: 'a pipeline moving between the shared link and a session',
    request: ['SET k 1', 'INCR k', 'BLPOP nothing 0.01', 'GET k', 'MULTI', 'INCR k', 'EXEC', 'SELECT 0', 'GET k', 'CLIENT GETNAME', 'DEBUG SLEEP 0', 'PING'],
  },
  { name: 'a 5 MB value through a session (db 1)', request: ['SELECT 1', ['SET', 'big', Buffer.alloc(5 * 1024 * 1024, 'S')], 'GET big', 'GETRANGE big 0 3', 'GET big'], timeoutMs: 20_000 },
  { name: 'SELECT 0 answered first, then a stateless pipeline', request: ['SELECT 0', 'SET k v', 'SELECT 0', 'GET k', 'SELECT 1', 'GET k', 'SELECT 0', 'GET k'] },
  { name: 'replies with nulls inside arrays', request: ['SET a 1', 'MGET missing a missing', 'HMGET h x', 'ZMSCORE z a', 'LPOS l x COUNT 0', 'GEOPOS g m', 'EVAL "return {1, false, 3}" 0', 'SMISMEMBER s a'] },
  { name: 'empty arrays and null arrays', request: ['LRANGE missing 0 -1', 'KEYS nomatch', 'BLPOP missing 0.01', 'LPOP missing 3', 'XREAD STREAMS missing 0', 'ZPOPMIN missing', 'HGETALL missing', 'SMEMBERS missing', 'EXEC'] },
];

parity({ 'inline commands': inline, multibulk, 'requests in small writes': chunked, 'large pipelines and replies': pipelines });
