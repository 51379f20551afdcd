// Sorted sets: every range form, the set operations WITHSCORES, pops (blocking ones included),
// score formatting. A skiplist sorted set's ZSCAN follows its hash table, whose seed is random per
// server, so it is asked for one member only.

import { parity, times, type Case } from './harness.js';

const zsets: Case[] = [
  {
    name: 'ZADD with NX, XX, GT, LT, CH, INCR',
    request: [
      'ZADD z 1 a 2 b',
      'ZADD z NX 5 a 3 c',
      'ZADD z XX 10 a 4 d',
      'ZADD z XX CH 11 a 2 b',
      'ZADD z GT CH 5 a 20 b',
      'ZADD z LT CH 1 a 30 b',
      'ZADD z INCR 2.5 a',
      'ZADD z NX INCR 1 a',
      'ZADD z XX INCR 1 missing',
      'ZADD z GT INCR -1 a',
      'ZRANGE z 0 -1 WITHSCORES',
    ],
  },
  { name: 'ZADD errors', request: ['ZADD z NX XX 1 a', 'ZADD z GT LT 1 a', 'ZADD z NX GT 1 a', 'ZADD z INCR 1 a 2 b', 'ZADD z 1', 'ZADD z nan a', 'ZADD z x a', 'ZADD z 1 a 2', 'ZADD z', 'ZADD z FOO 1 a'] },
  {
    name: 'score formatting: integers, fractions, exponents, infinities',
    request: ['ZADD z 0.1 a 1e3 b -0 c 1.7976931348623157e308 d -inf e +inf f 3.0 g 0.30000000000000004 h 1e-300 i', 'ZRANGE z 0 -1 WITHSCORES', 'ZSCORE z d', 'ZSCORE z e', 'ZINCRBY z 0.2 a', 'ZINCRBY z 1 f', 'ZINCRBY z -inf f', 'ZMSCORE z a missing f'],
  },
  { name: 'ZCARD, ZCOUNT, ZLEXCOUNT, ZSCORE, ZMSCORE', request: ['ZADD z 1 a 2 b 3 c 3 d', 'ZCARD z', 'ZCOUNT z 2 3', 'ZCOUNT z (2 3', 'ZCOUNT z -inf +inf', 'ZCOUNT z x y', 'ZADD l 0 a 0 b 0 c 0 d', 'ZLEXCOUNT l [b +', 'ZLEXCOUNT l (a [c', 'ZLEXCOUNT l - +', 'ZLEXCOUNT l a b', 'ZSCORE z c', 'ZSCORE z missing', 'ZMSCORE z a missing d', 'ZMSCORE missing a', 'ZCARD missing'] },
  { name: 'ZRANK and ZREVRANK', request: ['ZADD z 1 a 2 b 3 c', 'ZRANK z a', 'ZRANK z c', 'ZREVRANK z a', 'ZRANK z missing', 'ZRANK missing a', 'ZRANK z a WITHSCORE', 'ZREVRANK z'] },
  {
    name: 'ZRANGE by index, REV, WITHSCORES',
    request: ['ZADD z 1 a 2 b 3 c 4 d', 'ZRANGE z 0 -1', 'ZRANGE z 1 2 WITHSCORES', 'ZRANGE z 0 -1 REV', 'ZRANGE z -2 -1 REV WITHSCORES', 'ZRANGE z 5 10', 'ZRANGE z 0 -1 LIMIT 0 1', 'ZREVRANGE z 0 1 WITHSCORES', 'ZRANGE missing 0 -1'],
  },
  {
    name: 'ZRANGE BYSCORE with exclusive bounds, LIMIT, REV',
    request: [
      'ZADD z 1 a 2 b 3 c 4 d 5 e',
      'ZRANGE z 2 4 BYSCORE',
      'ZRANGE z (2 4 BYSCORE WITHSCORES',
      'ZRANGE z -inf +inf BYSCORE LIMIT 1 2',
      'ZRANGE z +inf -inf BYSCORE REV LIMIT 0 2 WITHSCORES',
      'ZRANGE z 4 (2 BYSCORE REV',
      'ZRANGE z 1 5 BYSCORE LIMIT 2 -1',
      'ZRANGEBYSCORE z (1 (5',
      'ZRANGEBYSCORE z 1 5 WITHSCORES LIMIT 1 1',
      'ZREVRANGEBYSCORE z 5 1 LIMIT 0 2',
      'ZRANGE z x y BYSCORE',
      'ZRANGEBYSCORE z 1 5 LIMIT 1',
    ],
  },
  {
    name: 'ZRANGE BYLEX, REV, LIMIT',
    request: [
      'ZADD z 0 a 0 b 0 c 0 d 0 e',
      'ZRANGE z [b (d BYLEX',
      'ZRANGE z - + BYLEX LIMIT 1 2',
      'ZRANGE z + - BYLEX REV',
      'ZRANGE z (e [b BYLEX REV LIMIT 0 2',
      'ZRANGEBYLEX z - [c',
      'ZREVRANGEBYLEX z [c -',
      'ZRANGE z b d BYLEX',
      'ZRANGE z [a [b BYLEX WITHSCORES',
      'ZRANGEBYLEX z a b',
    ],
  },
  { name: 'ZRANGE option errors', request: ['ZADD z 1 a', 'ZRANGE z 0 -1 BYSCORE BYLEX', 'ZRANGE z 0 -1 LIMIT 0 1 WITHSCORES', 'ZRANGE z 0', 'ZRANGE z 0 -1 FOO', 'ZRANGE z a b'] },
  {
    name: 'ZRANGESTORE',
    request: ['ZADD z 1 a 2 b 3 c 4 d', 'ZRANGESTORE d z 0 1', 'ZRANGE d 0 -1 WITHSCORES', 'ZRANGESTORE d z 2 4 BYSCORE LIMIT 1 5', 'ZRANGE d 0 -1 WITHSCORES', 'ZRANGESTORE d z [a [b BYLEX', 'ZRANGESTORE d z 5 10', 'EXISTS d', 'ZRANGESTORE d missing 0 -1', 'ZRANGESTORE d z 0 -1 WITHSCORES'],
  },
  { name: 'ZINCRBY and ZREM', request: ['ZINCRBY z 2 a', 'ZINCRBY z -5.5 a', 'ZINCRBY z x a', 'ZADD z 1 b', 'ZREM z a missing', 'ZREM z b', 'EXISTS z', 'ZREM missing a'] },
  { name: 'ZREMRANGEBYRANK, BYSCORE, BYLEX', request: ['ZADD z 1 a 2 b 3 c 4 d 5 e', 'ZREMRANGEBYRANK z 0 1', 'ZREMRANGEBYSCORE z (3 4', 'ZRANGE z 0 -1', 'ZADD l 0 a 0 b 0 c', 'ZREMRANGEBYLEX l [a (c', 'ZRANGE l 0 -1', 'ZREMRANGEBYLEX l a b', 'ZREMRANGEBYRANK missing 0 -1'] },
  {
    name: 'ZUNION, ZINTER, ZDIFF WITHSCORES, WEIGHTS, AGGREGATE',
    request: [
      'ZADD a 1 x 2 y 3 z',
      'ZADD b 10 y 20 z 30 w',
      'SADD s x w',
      'ZUNION 2 a b',
      'ZUNION 2 a b WITHSCORES',
      'ZUNION 2 a b WEIGHTS 2 0.5 WITHSCORES',
      'ZUNION 2 a b AGGREGATE MAX WITHSCORES',
      'ZUNION 3 a b s AGGREGATE MIN WITHSCORES',
      'ZINTER 2 a b WITHSCORES',
      'ZINTER 2 a b WEIGHTS 1 -1 AGGREGATE SUM WITHSCORES',
      'ZINTER 2 a s WITHSCORES',
      'ZDIFF 2 a b WITHSCORES',
      'ZDIFF 2 b a',
      'ZUNION 2 a missing WITHSCORES',
      'ZINTER 2 a missing',
    ],
  },
  {
    name: 'ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE, ZINTERCARD',
    request: ['ZADD a 1 x 2 y', 'ZADD b 3 y 4 z', 'ZUNIONSTORE d 2 a b', 'ZRANGE d 0 -1 WITHSCORES', 'ZINTERSTORE d 2 a b WEIGHTS 2 3', 'ZRANGE d 0 -1 WITHSCORES', 'ZDIFFSTORE d 2 a b', 'ZRANGE d 0 -1 WITHSCORES', 'ZINTERSTORE d 2 a missing', 'EXISTS d', 'ZINTERCARD 2 a b', 'ZINTERCARD 2 a b LIMIT 1', 'ZINTERCARD 1 missing'],
  },
  {
    name: 'set operation errors',
    request: ['ZADD a 1 x', 'ZUNION 0 a', 'ZUNION 2 a', 'ZUNION 1 a WEIGHTS 1 2', 'ZUNION 1 a AGGREGATE AVG', 'ZUNION 1 a WEIGHTS x', 'ZDIFF 1 a WEIGHTS 1', 'ZINTERCARD 0 a', 'ZINTERCARD 1 a LIMIT -1', 'ZUNIONSTORE d 1 a WITHSCORES', 'SET s v', 'ZUNION 2 a s', 'ZUNION -1 a'],
  },
  { name: 'ZPOPMIN and ZPOPMAX with count', request: ['ZADD z 1 a 2 b 3 c 4 d', 'ZPOPMIN z', 'ZPOPMAX z', 'ZPOPMIN z 5', 'ZPOPMIN z', 'ZPOPMAX missing 2', 'ZADD z 1 a', 'ZPOPMAX z -1', 'ZPOPMIN z 0', 'ZPOPMIN z x'] },
  {
    name: 'ZMPOP',
    request: ['ZADD a 1 x 2 y 3 z', 'ZMPOP 2 missing a MIN', 'ZMPOP 1 a MAX COUNT 5', 'ZMPOP 1 a MIN', 'ZMPOP 0 a MIN', 'ZMPOP 1 a MIDDLE', 'ZMPOP 1 a MIN COUNT 0', 'ZMPOP 2 a MIN'],
  },
  { name: 'BZPOPMIN, BZPOPMAX, BZMPOP with data and with a timeout', request: ['ZADD z 1 a 2 b 3 c', 'BZPOPMIN missing z 0', 'BZPOPMAX z 0', 'BZMPOP 0 1 z MIN COUNT 5', 'BZPOPMIN z 0.02', 'BZMPOP 0.02 1 z MAX', 'BZPOPMIN z -1', 'BZMPOP 0 0 z MIN'] },
  {
    name: 'BZPOPMIN released by a ZADD from another connection',
    steps: [
      { conn: 0, request: ['BZPOPMIN zq 5'], replies: 0, untilBlocked: 1 },
      { conn: 1, request: ['ZADD zq 2 b 1 a'] },
      { conn: 0, owed: 1, request: ['ZRANGE zq 0 -1 WITHSCORES'] },
    ],
  },
  {
    name: 'ZRANDMEMBER deterministic cases',
    request: ['ZRANDMEMBER missing', 'ZRANDMEMBER missing 3', 'ZADD one 1.5 m', 'ZRANDMEMBER one', 'ZRANDMEMBER one -3', 'ZRANDMEMBER one -2 WITHSCORES', 'ZADD z 1 a 2 b 3 c', 'ZRANDMEMBER z 3', 'ZRANDMEMBER z 10 WITHSCORES', 'ZRANDMEMBER z 0', 'ZRANDMEMBER z 1 FOO'],
  },
  { name: 'ZSCAN of a small sorted set', request: ['ZADD z 1 a 2 b 3 ab', 'ZSCAN z 0', 'ZSCAN z 0 MATCH a*', 'ZSCAN z 0 COUNT 1', 'ZSCAN missing 0', 'ZSCAN z x'] },
  { name: 'a skiplist sorted set of 200 members', request: [['ZADD', 'z', ...times(200, (i) => [i / 4, `member:${i}`]).flat()], 'OBJECT ENCODING z', 'ZRANGE z 0 -1 WITHSCORES', 'ZRANGE z 10 20 BYSCORE LIMIT 5 10', 'ZRANK z member:150', 'ZSCAN z 0 MATCH member:199 COUNT 1000'] },
];

const errors: Case[] = ['ZADD s 1 a', 'ZRANGE s 0 -1', 'ZCARD s', 'ZSCORE s a', 'ZRANK s a', 'ZINCRBY s 1 a', 'ZREM s a', 'ZPOPMIN s', 'ZRANDMEMBER s', 'ZSCAN s 0', 'ZRANGESTORE d s 0 -1', 'ZCOUNT s 0 1', 'ZLEXCOUNT s - +', 'BZPOPMIN s 0', 'ZMPOP 1 s MIN'].map((command) => ({
  name: `wrong type: ${command}`,
  request: ['SET s v', command],
}));

parity({ 'sorted sets': zsets, 'sorted set errors': errors });
