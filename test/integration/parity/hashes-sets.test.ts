// Hashes and sets. Hashes stay small (listpack: insertion order); sets whose order shows in a reply
// are integer sets (intset: sorted). A hash-table set lists its members in an order that depends
// on each server's random hash seed, so string sets are observed through SORT ... ALPHA, counts, or
// one-member results.

import { parity, times, type Case } from './harness.js';

const hashes: Case[] = [
  { name: 'HSET, HGET, HGETALL, HKEYS, HVALS, HLEN', request: ['HSET h a 1 b 2', 'HSET h b 3 c 4', 'HGET h b', 'HGET h missing', 'HGET missing f', 'HGETALL h', 'HKEYS h', 'HVALS h', 'HLEN h', 'HGETALL missing', 'HKEYS missing', 'HLEN missing'] },
  { name: 'HMSET, HMGET with missing fields, HSETNX', request: ['HMSET h a 1 b 2', 'HMGET h a missing b', 'HMGET missing a b', 'HSETNX h a 9', 'HSETNX h c 3', 'HGETALL h', 'HMSET h a', 'HSET h a'] },
  { name: 'HDEL, HEXISTS, HSTRLEN', request: ['HSET h a 1 b 22 c 333', 'HDEL h a missing', 'HEXISTS h a', 'HEXISTS h b', 'HSTRLEN h c', 'HSTRLEN h missing', 'HDEL h b c', 'EXISTS h', 'HDEL missing a'] },
  { name: 'HINCRBY and HINCRBYFLOAT', request: ['HINCRBY h n 5', 'HINCRBY h n -10', 'HINCRBYFLOAT h f 1.5', 'HINCRBYFLOAT h f 0.1', 'HINCRBYFLOAT h n 2.5e3', 'HSET h s abc', 'HINCRBY h s 1', 'HINCRBYFLOAT h s 1', 'HINCRBY h n 1.5', 'HSET h big 9223372036854775807', 'HINCRBY h big 1', 'HINCRBYFLOAT h f inf', 'HGETALL h'] },
  { name: 'HRANDFIELD deterministic cases', request: ['HRANDFIELD missing', 'HRANDFIELD missing 3', 'HSET one f v', 'HRANDFIELD one', 'HRANDFIELD one -3', 'HRANDFIELD one -2 WITHVALUES', 'HSET h a 1 b 2 c 3', 'HRANDFIELD h 3', 'HRANDFIELD h 10 WITHVALUES', 'HRANDFIELD h 0', 'HRANDFIELD h 1 FOO', 'HRANDFIELD h x'] },
  { name: 'HSCAN of a small hash', request: ['HSET h a 1 b 2 c 3 ab 4', 'HSCAN h 0', 'HSCAN h 0 MATCH a*', 'HSCAN h 0 COUNT 1', 'HSCAN h 0 MATCH nomatch', 'HSCAN missing 0', 'HSCAN h abc', 'HSCAN h 0 COUNT 0', 'HSCAN h 0 NOVALUES'] },
  { name: 'a hash converted to hashtable by a long value keeps its fields', request: ['HSET h a 1', ['HSET', 'h', 'long', 'x'.repeat(100)], 'OBJECT ENCODING h', 'HGET h long', 'HLEN h', 'HSTRLEN h long'] },
  { name: 'binary and empty fields and values', request: [['HSET', 'h', '', 'empty field', 'crlf', '\r\n', Buffer.from([0, 1, 255]), Buffer.from([13, 10])], 'HGETALL h', ['HGET', 'h', ''], ['HEXISTS', 'h', Buffer.from([0, 1, 255])]] },
  { name: 'a hash of 100 fields in one HSET, read back', request: [['HSET', 'h', ...times(100, (i) => [`field:${i}`, `value:${i}`]).flat()], 'HGETALL h', 'HLEN h'] },
];

const sets: Case[] = [
  { name: 'SADD, SREM, SCARD, SISMEMBER, SMEMBERS of an intset', request: ['SADD s 3 1 2', 'SADD s 2 4', 'SMEMBERS s', 'SCARD s', 'SISMEMBER s 2', 'SISMEMBER s 9', 'SREM s 1 9', 'SMEMBERS s', 'SMEMBERS missing', 'SCARD missing', 'SISMEMBER missing a'] },
  { name: 'a set of strings through SORT ALPHA', request: ['SADD s pear apple fig', 'SCARD s', 'SORT s ALPHA', 'SREM s apple', 'SORT s ALPHA', 'SISMEMBER s fig', 'SMEMBERS one', 'SADD one only', 'SMEMBERS one'] },
  { name: 'SMISMEMBER', request: ['SADD s a b 1', 'SMISMEMBER s a x 1 b', 'SMISMEMBER missing a b', 'SMISMEMBER s'] },
  { name: 'SMOVE', request: ['SADD a 1 2', 'SADD b 3', 'SMOVE a b 1', 'SMOVE a b 9', 'SMOVE missing b 1', 'SMEMBERS a', 'SMEMBERS b', 'SMOVE a a 2', 'SET s v', 'SMOVE a s 2'] },
  {
    name: 'SINTER, SUNION, SDIFF of intsets',
    request: ['SADD a 1 2 3 4', 'SADD b 3 4 5', 'SADD c 4 6', 'SINTER a b', 'SINTER a b c', 'SUNION a b c', 'SDIFF a b', 'SDIFF a b c', 'SINTER a missing', 'SUNION missing', 'SDIFF missing a'],
  },
  {
    name: 'SINTERSTORE, SUNIONSTORE, SDIFFSTORE',
    request: ['SADD a 1 2 3', 'SADD b 2 3 4', 'SINTERSTORE d a b', 'SMEMBERS d', 'SUNIONSTORE d a b', 'SMEMBERS d', 'SDIFFSTORE d a b', 'SMEMBERS d', 'SINTERSTORE d a missing', 'EXISTS d', 'SADD x p q', 'SUNIONSTORE u x a', 'SCARD u', 'SORT u ALPHA'],
  },
  { name: 'SINTERCARD', request: ['SADD a 1 2 3 4', 'SADD b 2 3 4 5', 'SADD c x y', 'SINTERCARD 2 a b', 'SINTERCARD 2 a b LIMIT 2', 'SINTERCARD 2 a b LIMIT 0', 'SINTERCARD 2 a c', 'SINTERCARD 1 missing', 'SINTERCARD 0 a', 'SINTERCARD 3 a b', 'SINTERCARD 2 a b LIMIT -1', 'SINTERCARD 2 a b FOO 1'] },
  { name: 'SPOP and SRANDMEMBER deterministic cases', request: ['SADD one x', 'SRANDMEMBER one', 'SRANDMEMBER one -3', 'SRANDMEMBER one 5', 'SPOP one', 'SPOP one', 'SADD ints 5 3 1', 'SRANDMEMBER ints 10', 'SRANDMEMBER ints 3', 'SPOP ints 0', 'SPOP ints 10', 'EXISTS ints', 'SRANDMEMBER missing', 'SRANDMEMBER missing 5', 'SPOP missing 2', 'SPOP one -1'] },
  { name: 'SSCAN of an intset', request: ['SADD s 10 2 30 4', 'SSCAN s 0', 'SSCAN s 0 MATCH 3*', 'SSCAN s 0 COUNT 100', 'SSCAN missing 0', 'SSCAN s x'] },
  { name: 'an intset growing to a hashtable', request: [['SADD', 's', ...times(600, (i) => i)], 'OBJECT ENCODING s', 'SCARD s', 'SISMEMBER s 599', 'SRANDMEMBER s 0', 'SINTERCARD 1 s LIMIT 10'] },
];

const errors: Case[] = [
  ...['HSET s f v', 'HGET s f', 'HGETALL s', 'HDEL s f', 'HLEN s', 'HINCRBY s f 1', 'HRANDFIELD s', 'HSCAN s 0', 'HKEYS s', 'HMGET s a'].map((command) => ({ name: `wrong type: ${command}`, request: ['SET s v', command] })),
  ...['SADD s m', 'SREM s m', 'SMEMBERS s', 'SCARD s', 'SISMEMBER s m', 'SINTER s', 'SUNION s', 'SDIFF s', 'SINTERCARD 1 s', 'SPOP s', 'SRANDMEMBER s', 'SSCAN s 0', 'SMISMEMBER s a'].map((command) => ({ name: `wrong type: ${command}`, request: ['SET s v', command] })),
];

parity({ hashes, sets, 'hash and set errors': errors });
