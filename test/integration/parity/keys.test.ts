// Generic key commands, expiry, DUMP/RESTORE, SORT, SCAN/KEYS, and the database commands.
// Replies that list several keys of the keyspace come in hash-table order, which depends on a
// random seed per server; such cases are shaped so that one key matches.

import { maskIntegers, parity, type Case } from './harness.js';

/** DUMP of the string "hello" by Redis 7.0 (RDB version 10), taken once from a real server. */
const HELLO_DUMP = Buffer.from('\x00\x05hello\x0a\x00cr\xdfve4 \x0a', 'latin1');
const COPY_VIA_DUMP = "return redis.call('RESTORE', KEYS[2], 0, redis.call('DUMP', KEYS[1]))";

const expiry: Case[] = [
  {
    name: 'EXPIRE with NX, XX, GT, LT',
    request: [
      'SET k v',
      'EXPIRE k 100 XX',
      'EXPIRE k 100 NX',
      'EXPIRE k 200 NX',
      'TTL k',
      'EXPIRE k 50 XX',
      'TTL k',
      'EXPIRE k 100 GT',
      'EXPIRE k 10 GT',
      'EXPIRE k 5 LT',
      'EXPIRE k 500 LT',
      'TTL k',
      'SET p v',
      'EXPIRE p 10 GT',
      'EXPIRE p 10 LT',
      'TTL p',
      'EXPIRE missing 10',
    ],
  },
  { name: 'EXPIRE option errors', request: ['SET k v', 'EXPIRE k 10 NX XX', 'EXPIRE k 10 GT LT', 'EXPIRE k 10 NX GT', 'EXPIRE k 10 FOO', 'EXPIRE k abc', 'EXPIRE k 9223372036854775807', 'PEXPIRE k 9223372036854775807', 'EXPIRE k', 'EXPIREAT k 1 XX NX'] },
  {
    name: 'PEXPIRE, EXPIREAT, PEXPIREAT with options, EXPIRETIME, PEXPIRETIME',
    request: [
      'SET k v',
      'EXPIREAT k 4102444800 NX',
      'EXPIRETIME k',
      'PEXPIRETIME k',
      'PEXPIREAT k 4102444800500 GT',
      'PEXPIRETIME k',
      'EXPIRETIME k',
      'EXPIREAT k 4102444900 LT',
      'PEXPIRE k 100000 LT',
      'TTL k',
      'EXPIRETIME missing',
      'PEXPIRETIME missing',
      'SET p v',
      'EXPIRETIME p',
      'PEXPIRETIME p',
    ],
  },
  { name: 'a negative or past expiry deletes the key', request: ['SET a v', 'EXPIRE a -1', 'EXISTS a', 'SET b v', 'PEXPIRE b 0', 'GET b', 'SET c v', 'EXPIREAT c 1', 'TYPE c', 'SET d v', 'PEXPIREAT d 1', 'EXISTS d'] },
  { name: 'TTL and PTTL of missing and persistent keys', request: ['TTL missing', 'PTTL missing', 'SET k v', 'TTL k', 'PTTL k'] },
  // PTTL of a volatile key counts down in milliseconds: its value is masked (replies 2 and 4).
  { name: 'PTTL of a volatile key (value masked)', request: ['SET k v PX 100000', 'PTTL k', 'PEXPIRE k 5000', 'PTTL k'], mask: [maskIntegers] },
  { name: 'PERSIST', request: ['SET k v EX 100', 'PERSIST k', 'TTL k', 'PERSIST k', 'PERSIST missing', 'SET t v', 'PERSIST t'] },
  { name: 'RENAME keeps the TTL; SET drops it', request: ['SET k v EX 100', 'RENAME k j', 'TTL j', 'EXISTS k', 'SET j w', 'TTL j'] },
];

const keyspace: Case[] = [
  { name: 'DEL, UNLINK, EXISTS counting repeats, TOUCH', request: ['MSET a 1 b 2 c 3', 'EXISTS a b missing a', 'TOUCH a b missing', 'DEL a missing', 'UNLINK b c missing', 'EXISTS a b c', 'DEL', 'EXISTS'] },
  { name: 'TYPE of every type', request: ['SET s v', 'RPUSH l a', 'SADD set a', 'ZADD z 1 a', 'HSET h f v', 'XADD x 1-1 f v', 'TYPE s', 'TYPE l', 'TYPE set', 'TYPE z', 'TYPE h', 'TYPE x', 'TYPE missing'] },
  { name: 'RENAME and RENAMENX', request: ['SET a 1', 'SET b 2', 'RENAME a c', 'GET c', 'RENAME missing d', 'RENAMENX c b', 'RENAMENX c d', 'GET d', 'RENAME d d', 'RENAMENX d d', 'RENAME missing missing', 'RENAME d'] },
  { name: 'RENAME over a key of another type', request: ['SET s v', 'RPUSH l a', 'RENAME s l', 'TYPE l', 'GET l'] },
  {
    name: 'COPY with DB and REPLACE',
    request: ['SET a 1', 'COPY a b', 'COPY a b', 'SET a 2', 'COPY a b REPLACE', 'GET b', 'COPY a a', 'COPY missing x', 'COPY a z DB 1', 'COPY a z DB 16', 'COPY a z DB x', 'COPY a z FOO', 'MOVE z 1', 'RPUSH l x y', 'COPY l l2', 'LRANGE l2 0 -1', 'OBJECT ENCODING l2'],
  },
  { name: 'COPY keeps the TTL', request: ['SET a v EXAT 4102444800', 'COPY a b', 'EXPIRETIME b'] },
  { name: 'RANDOMKEY on an empty and a one-key db', request: ['RANDOMKEY', 'SET only v', 'RANDOMKEY', 'RANDOMKEY x'] },
  { name: 'KEYS on a one-key db and with one match', request: ['KEYS *', 'SET only v', 'KEYS *', 'MSET ab 1 ac 2 zz 3', 'KEYS z*', 'KEYS ?z', 'KEYS a[b]', 'KEYS nomatch*', 'KEYS'] },
  { name: 'KEYS with escapes in the pattern', request: [['SET', 'a*b', 'v'], 'SET axb v', ['KEYS', 'a\\*b'], ['KEYS', 'a[*]b'], ['KEYS', '*\\']] },
  {
    name: 'SCAN with MATCH, COUNT and TYPE on a small db',
    request: [
      'SCAN 0',
      'MSET k1 1 k2 2 k3 3',
      'RPUSH list a',
      'HSET hash f v',
      'SADD set m',
      'ZADD zset 1 m',
      'XADD stream 1-1 f v',
      'SCAN 0 TYPE hash',
      'SCAN 0 TYPE list COUNT 100',
      'SCAN 0 MATCH z* COUNT 1000',
      'SCAN 0 MATCH s?t TYPE set',
      'SCAN 0 MATCH k* TYPE hash',
      'SCAN 0 TYPE stream',
      'SCAN 0 MATCH nomatch',
      'SCAN 0 TYPE nosuchtype',
    ],
  },
  { name: 'SCAN errors', request: ['SCAN abc', 'SCAN -1', 'SCAN 0 COUNT 0', 'SCAN 0 COUNT x', 'SCAN 0 MATCH', 'SCAN 0 FOO bar', 'SCAN', 'SCAN 18446744073709551616'] },
  {
    name: 'OBJECT ENCODING of every encoding',
    request: [
      'RPUSH l a',
      'HSET h f v',
      ['HSET', 'hbig', 'f', 'v'.repeat(65)],
      'SADD ints 1 2 3',
      'SADD strs a b',
      'ZADD z 1 a',
      ['ZADD', 'zbig', 1, 'm'.repeat(65)],
      'XADD x 1-1 f v',
      'OBJECT ENCODING l',
      'OBJECT ENCODING h',
      'OBJECT ENCODING hbig',
      'OBJECT ENCODING ints',
      'OBJECT ENCODING strs',
      'OBJECT ENCODING z',
      'OBJECT ENCODING zbig',
      'OBJECT ENCODING x',
    ],
  },
  {
    name: 'encodings change at the size thresholds',
    request: [
      ['HSET', 'h', ...Array.from({ length: 129 }, (_, i) => [`f${i}`, i]).flat()],
      'OBJECT ENCODING h',
      ['SADD', 's', ...Array.from({ length: 513 }, (_, i) => i)],
      'OBJECT ENCODING s',
      ['ZADD', 'z', ...Array.from({ length: 129 }, (_, i) => [i, `m${i}`]).flat()],
      'OBJECT ENCODING z',
      'SADD t 1 2',
      'SADD t x',
      'OBJECT ENCODING t',
    ],
  },
  { name: 'OBJECT REFCOUNT and FREQ', request: ['SET k v', 'SET n 1', 'OBJECT REFCOUNT k', 'OBJECT REFCOUNT n', 'OBJECT FREQ k', 'OBJECT FREQ missing', 'OBJECT REFCOUNT missing'] },
  // OBJECT IDLETIME counts seconds of a clock: masked.
  { name: 'OBJECT IDLETIME (value masked)', request: ['SET k v', 'OBJECT IDLETIME k', 'OBJECT IDLETIME missing'], mask: [maskIntegers] },
  { name: 'OBJECT HELP, unknown subcommand, arity', request: ['OBJECT HELP', 'OBJECT NOPE', 'OBJECT', 'OBJECT ENCODING', 'OBJECT ENCODING a b'] },
];

const dump: Case[] = [
  { name: 'DUMP of a string and a missing key', request: ['SET s hello', 'DUMP s', 'DUMP missing'] },
  { name: 'DUMP of every type', request: ['RPUSH l a b 1', 'HSET h f v', 'SADD s 1 2', 'SADD t a', 'ZADD z 1.5 a', 'XADD x 1-1 f v', 'DUMP l', 'DUMP h', 'DUMP s', 'DUMP t', 'DUMP z', 'DUMP x'] },
  {
    name: 'RESTORE with TTL, REPLACE, ABSTTL, IDLETIME, FREQ',
    request: [
      ['RESTORE', 'a', 0, HELLO_DUMP],
      'GET a',
      ['RESTORE', 'a', 0, HELLO_DUMP],
      ['RESTORE', 'a', 0, HELLO_DUMP, 'REPLACE'],
      ['RESTORE', 'b', 100000, HELLO_DUMP],
      'TTL b',
      ['RESTORE', 'c', 4102444800000, HELLO_DUMP, 'ABSTTL'],
      'EXPIRETIME c',
      ['RESTORE', 'd', 0, HELLO_DUMP, 'IDLETIME', 1000],
      ['RESTORE', 'e', 0, HELLO_DUMP, 'FREQ', 5],
      ['RESTORE', 'f', 0, HELLO_DUMP, 'IDLETIME', 1, 'FREQ', 5],
      ['RESTORE', 'g', 0, HELLO_DUMP, 'IDLETIME', -1],
      ['RESTORE', 'g', 0, HELLO_DUMP, 'FREQ', 256],
      ['RESTORE', 'g', -1, HELLO_DUMP],
      ['RESTORE', 'g', 0, HELLO_DUMP, 'NOPE'],
      ['RESTORE', 'g', 1, HELLO_DUMP, 'ABSTTL'],
      'EXISTS g',
    ],
  },
  { name: 'RESTORE-ASKING', request: [['RESTORE-ASKING', 'a', 0, HELLO_DUMP], 'GET a', ['RESTORE-ASKING', 'a', 0, HELLO_DUMP]] },
  { name: 'RESTORE of a bad payload', request: ['RESTORE k 0 garbage', ['RESTORE', 'k', 0, Buffer.concat([HELLO_DUMP.subarray(0, -1), Buffer.from([0])])], ['RESTORE', 'k', 0, ''], 'RESTORE k 0'] },
  {
    name: 'DUMP and RESTORE round trips of every type (in a script)',
    request: [
      'RPUSH l a b 1',
      'HSET h f v g w',
      'SADD s 1 2 3',
      'ZADD z 1 a 2 b',
      'XADD x 1-1 f v',
      'XGROUP CREATE x g 0',
      ['EVAL', COPY_VIA_DUMP, 2, 'l', 'l2'],
      ['EVAL', COPY_VIA_DUMP, 2, 'h', 'h2'],
      ['EVAL', COPY_VIA_DUMP, 2, 's', 's2'],
      ['EVAL', COPY_VIA_DUMP, 2, 'z', 'z2'],
      ['EVAL', COPY_VIA_DUMP, 2, 'x', 'x2'],
      'LRANGE l2 0 -1',
      'HGETALL h2',
      'SMEMBERS s2',
      'ZRANGE z2 0 -1 WITHSCORES',
      'XINFO GROUPS x2',
    ],
  },
];

const sort: Case[] = [
  { name: 'SORT numbers, DESC, LIMIT', request: ['RPUSH l 3 1 2 10 -5 2.5', 'SORT l', 'SORT l DESC', 'SORT l LIMIT 1 3', 'SORT l LIMIT 0 -1', 'SORT l LIMIT 10 5', 'SORT l DESC LIMIT 0 2', 'SORT missing'] },
  { name: 'SORT ALPHA of a list and of a set of strings', request: ['RPUSH l banana apple cherry Apple 10 9', 'SORT l ALPHA', 'SORT l ALPHA DESC', 'SADD s pear fig kiwi date', 'SORT s ALPHA', 'SORT s ALPHA LIMIT 1 2', 'SORT l'] },
  { name: 'SORT of a sorted set', request: ['ZADD z 3 a 1 b 2 c', 'SORT z ALPHA', 'SORT z BY nosort', 'SORT z BY nosort DESC', 'SORT z BY nosort LIMIT 1 1'] },
  {
    name: 'SORT BY and GET patterns, hash fields',
    request: [
      'RPUSH ids 1 2 3 4',
      'MSET w_1 40 w_2 30 w_3 20 w_4 10 name_1 one name_2 two name_3 three',
      'HSET obj_1 age 5 n a',
      'HSET obj_2 age 3 n b',
      'HSET obj_3 age 9 n c',
      'HSET obj_4 age 3 n d',
      'SORT ids BY w_*',
      'SORT ids BY w_* GET name_* GET #',
      'SORT ids BY obj_*->age GET obj_*->n',
      'SORT ids BY nosort GET # GET name_*',
      'SORT ids BY missing_* ',
      'SORT ids BY w_* DESC LIMIT 0 2 GET name_*',
      'SORT ids GET obj_*->missing',
    ],
  },
  { name: 'SORT STORE', request: ['RPUSH l 3 1 2', 'SORT l STORE dst', 'LRANGE dst 0 -1', 'TYPE dst', 'SORT missing STORE dst', 'EXISTS dst', 'SADD s 5 4', 'SORT s DESC STORE dst2', 'LRANGE dst2 0 -1'] },
  { name: 'SORT errors', request: ['RPUSH l a b', 'SORT l', 'SORT l LIMIT 0', 'SORT l FOO', 'SET s v', 'SORT s', 'SORT l LIMIT a b', 'SORT'] },
  { name: 'SORT_RO', request: ['RPUSH l 3 1 2', 'SORT_RO l', 'SORT_RO l DESC LIMIT 0 1', 'SORT_RO l STORE d', 'SORT_RO l ALPHA', 'SORT_RO'] },
];

const databases: Case[] = [
  { name: 'SELECT 1 then keys, back to 0', request: ['SET k zero', 'SELECT 1', 'GET k', 'SET k one', 'DBSIZE', 'SELECT 0', 'GET k', 'SELECT 1', 'GET k'] },
  { name: 'SELECT errors', request: ['SELECT 16', 'SELECT -1', 'SELECT abc', 'SELECT 1.5', 'SELECT', 'SELECT 1 2', 'SELECT 00', 'SELECT 0', 'SELECT 99999999999999999999'] },
  { name: 'SELECT 0 on a fresh connection', request: ['SELECT 0', 'SET k v', 'GET k'] },
  { name: 'SELECT stays after an error on the same connection', request: ['SELECT 2', 'SET k two', 'SELECT 16', 'GET k'] },
  { name: 'SWAPDB', request: ['SET a zero', 'SELECT 1', 'SET b one', 'SWAPDB 0 1', 'GET a', 'GET b', 'SELECT 0', 'GET a', 'GET b', 'SWAPDB 0 16', 'SWAPDB a 1', 'SWAPDB 1 1', 'SWAPDB 0'] },
  { name: 'MOVE', request: ['SET k v', 'MOVE k 1', 'EXISTS k', 'MOVE k 1', 'SET k w', 'MOVE k 1', 'MOVE missing 1', 'MOVE k 0', 'MOVE k 16', 'MOVE k x', 'SELECT 1', 'GET k', 'MOVE k 0', 'SELECT 0', 'GET k'] },
  { name: 'MOVE without a session, then SELECT to read it', request: ['SET k v', 'MOVE k 3', 'SELECT 3', 'GET k'] },
  { name: 'DBSIZE and FLUSHDB of one db only', request: ['MSET a 1 b 2', 'DBSIZE', 'SELECT 1', 'SET c 3', 'DBSIZE', 'FLUSHDB', 'DBSIZE', 'SELECT 0', 'DBSIZE', 'FLUSHDB ASYNC', 'DBSIZE', 'FLUSHDB SYNC', 'FLUSHDB NOPE'] },
  { name: 'FLUSHALL and its options', request: ['SET a 1', 'SELECT 5', 'SET b 2', 'FLUSHALL SYNC', 'DBSIZE', 'SELECT 0', 'DBSIZE', 'FLUSHALL ASYNC', 'FLUSHALL NOPE'] },
  { name: 'INFO keyspace over several dbs', request: ['MSET a 1 b 2', 'SELECT 3', 'SET c 3', 'HSET h f v', 'INFO keyspace'] },
];

parity({ expiry, keyspace, 'DUMP and RESTORE': dump, SORT: sort, databases });
