// Lists, blocking pops included (with data present, with a timeout, or released by a second connection).

import { parity, times, type Case } from './harness.js';

const lists: Case[] = [
  { name: 'LPUSH, RPUSH, LRANGE, LLEN', request: ['LPUSH l a b c', 'RPUSH l x y', 'LRANGE l 0 -1', 'LRANGE l 1 2', 'LRANGE l -2 -1', 'LRANGE l 5 1', 'LRANGE l -100 100', 'LRANGE missing 0 -1', 'LLEN l', 'LLEN missing'] },
  { name: 'LPUSHX and RPUSHX', request: ['LPUSHX l a', 'RPUSHX l a', 'EXISTS l', 'RPUSH l m', 'LPUSHX l a b', 'RPUSHX l y z', 'LRANGE l 0 -1', 'SET s v', 'LPUSHX s a'] },
  { name: 'LPOP and RPOP with and without count', request: ['RPUSH l a b c d e', 'LPOP l', 'RPOP l', 'LPOP l 2', 'RPOP l 0', 'RPOP l 5', 'LPOP l', 'LPOP missing 2', 'LPOP missing', 'EXISTS l', 'RPUSH l a', 'LPOP l -1', 'LPOP l x'] },
  { name: 'LINDEX and LSET', request: ['RPUSH l a b c', 'LINDEX l 0', 'LINDEX l -1', 'LINDEX l 3', 'LINDEX missing 0', 'LSET l 1 B', 'LSET l -1 C', 'LRANGE l 0 -1', 'LSET l 3 x', 'LSET missing 0 x', 'LINDEX l x'] },
  { name: 'LINSERT', request: ['RPUSH l a c', 'LINSERT l BEFORE c b', 'LINSERT l AFTER c d', 'LINSERT l AFTER nope x', 'LINSERT missing BEFORE a x', 'LINSERT l MIDDLE a x', 'LRANGE l 0 -1'] },
  { name: 'LREM', request: ['RPUSH l a b a c a b', 'LREM l 2 a', 'LRANGE l 0 -1', 'LREM l -1 b', 'LRANGE l 0 -1', 'LREM l 0 c', 'LREM l 0 nope', 'LREM missing 0 a', 'LRANGE l 0 -1'] },
  { name: 'LTRIM', request: ['RPUSH l a b c d e', 'LTRIM l 1 -2', 'LRANGE l 0 -1', 'LTRIM l 5 10', 'EXISTS l', 'LTRIM missing 0 1', 'LTRIM l a b'] },
  {
    name: 'LPOS with RANK, COUNT, MAXLEN',
    request: ['RPUSH l a b c 1 2 3 c c', 'LPOS l c', 'LPOS l c RANK 2', 'LPOS l c RANK -1', 'LPOS l c COUNT 2', 'LPOS l c COUNT 0', 'LPOS l c RANK -2 COUNT 0', 'LPOS l c MAXLEN 2', 'LPOS l c COUNT 0 MAXLEN 7', 'LPOS l nope', 'LPOS l nope COUNT 0', 'LPOS missing a', 'LPOS l c RANK 0', 'LPOS l c COUNT -1', 'LPOS l c MAXLEN -1', 'LPOS l c FOO 1', 'LPOS l c RANK -9223372036854775808'],
  },
  { name: 'LMOVE and RPOPLPUSH', request: ['RPUSH a 1 2 3', 'LMOVE a b LEFT RIGHT', 'LMOVE a b RIGHT LEFT', 'LRANGE a 0 -1', 'LRANGE b 0 -1', 'LMOVE a a LEFT RIGHT', 'RPOPLPUSH b a', 'LRANGE a 0 -1', 'LMOVE missing b LEFT LEFT', 'LMOVE a b UP DOWN', 'SET s v', 'LMOVE a s LEFT LEFT', 'RPOPLPUSH s a'] },
  {
    name: 'LMPOP',
    request: ['RPUSH a 1 2 3', 'RPUSH b x', 'LMPOP 2 missing a LEFT', 'LMPOP 2 missing a RIGHT COUNT 5', 'LMPOP 2 a b LEFT COUNT 1', 'LMPOP 1 missing LEFT', 'LMPOP 0 a LEFT', 'LMPOP 2 a LEFT', 'LMPOP 1 a UP', 'LMPOP 1 a LEFT COUNT 0', 'LMPOP 1 a LEFT COUNT 1 COUNT 1', 'LMPOP -1 a LEFT'],
  },
  { name: 'a list as a queue in one pipeline of 1000 commands', request: [...times(500, (i) => ['RPUSH', 'q', `job${i}`]), ...times(499, () => 'LPOP q'), 'LRANGE q 0 -1'] },
  { name: 'LRANGE of 100 000 elements', request: [['RPUSH', 'big', ...times(100_000, (i) => String(i)).map(String)], 'LRANGE big 0 -1', 'LLEN big', 'LINDEX big 99999', 'LRANGE big 50000 50010'], timeoutMs: 20_000 },
  { name: 'list elements with binary bytes, CR, LF and empty strings', request: [['RPUSH', 'l', '', '\r\n', Buffer.from([0, 255, 13]), 'plain'], 'LRANGE l 0 -1', ['LPOS', 'l', ''], ['LREM', 'l', 0, '\r\n'], 'LRANGE l 0 -1'] },
];

const blocking: Case[] = [
  { name: 'BLPOP and BRPOP with data present', request: ['RPUSH a 1 2', 'RPUSH b x', 'BLPOP missing a b 1', 'BRPOP a b 0', 'BLPOP a b 0', 'BLPOP a b 0.01'] },
  { name: 'BLPOP timing out', request: ['BLPOP missing 0.05', 'PING'] },
  { name: 'BRPOP timing out then more commands on the same connection', request: ['BRPOP a b 0.02', 'RPUSH a x', 'BRPOP a b 0.02', 'GET nothing'] },
  { name: 'blocking pop errors', request: ['BLPOP a -1', 'BLPOP a abc', 'BLPOP a', 'BRPOP a 1e400', 'SET s v', 'BLPOP s 0.01', 'BLMOVE a b LEFT UP 0.01', 'BLMPOP -1 1 a LEFT', 'BLMPOP 0.01 0 a LEFT', 'BRPOPLPUSH a b -5'] },
  { name: 'BLMOVE and BRPOPLPUSH with data and with a timeout', request: ['RPUSH a 1 2', 'BLMOVE a b RIGHT LEFT 0', 'BRPOPLPUSH a b 0', 'LRANGE b 0 -1', 'BLMOVE a b LEFT LEFT 0.02', 'BRPOPLPUSH a b 0.02'] },
  { name: 'BLMPOP with data and with a timeout', request: ['RPUSH b x y z', 'BLMPOP 0 2 a b RIGHT COUNT 2', 'BLMPOP 0.02 1 a LEFT', 'BLMPOP 1 1 b LEFT COUNT 10'] },
  { name: 'QUIT queued behind a blocked pop', request: ['BLPOP missing 0.05', 'QUIT', 'PING'], replies: 2, closes: true },
  { name: 'RESET queued behind a blocked pop', request: ['SELECT 4', 'BLPOP missing 0.05', 'RESET', 'SET k v', 'SELECT 4', 'GET k'] },
  {
    name: 'BLPOP released by an RPUSH from another connection',
    steps: [
      { conn: 0, request: ['BLPOP q1 5'], replies: 0, untilBlocked: 1 },
      { conn: 1, request: ['RPUSH q1 hello', 'LLEN q1'] },
      { conn: 0, owed: 1 },
    ],
  },
  {
    name: 'BLMOVE released by an LPUSH from another connection',
    steps: [
      { conn: 0, request: ['BLMOVE q2 dst LEFT RIGHT 5'], replies: 0, untilBlocked: 1 },
      { conn: 1, request: ['LPUSH q2 a b'] },
      { conn: 0, owed: 1, request: ['LRANGE dst 0 -1', 'LRANGE q2 0 -1'] },
    ],
  },
  {
    name: 'two blocked clients served in order',
    steps: [
      { conn: 0, request: ['BRPOP q3 5'], replies: 0, untilBlocked: 1 },
      { conn: 1, request: ['BRPOP q3 5'], replies: 0, untilBlocked: 2 },
      { conn: 2, request: ['RPUSH q3 first second'] },
      { conn: 0, owed: 1 },
      { conn: 1, owed: 1 },
    ],
  },
  {
    name: 'a blocked pop inside MULTI does not block',
    request: ['MULTI', 'BLPOP missing 0', 'BRPOP missing 10', 'BLMOVE missing x LEFT LEFT 0', 'EXEC'],
  },
];

const errors: Case[] = ['LPUSH s x', 'RPUSH s x', 'LPOP s', 'RPOP s', 'LRANGE s 0 1', 'LLEN s', 'LINDEX s 0', 'LSET s 0 x', 'LINSERT s BEFORE a b', 'LREM s 0 a', 'LTRIM s 0 1', 'LPOS s a', 'LMOVE s d LEFT LEFT', 'LMPOP 1 s LEFT', 'BLPOP s 0', 'BLMPOP 0 1 s LEFT'].map((command) => ({
  name: `wrong type: ${command}`,
  request: ['SET s v', command],
}));

parity({ lists, 'blocking lists': blocking, 'list errors': errors });
