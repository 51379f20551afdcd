// Streams with explicit ids, consumer groups, claims; XREAD/XREADGROUP blocking with a timeout
// or released by a second connection. Idle times and delivery times are the only masked fields.

import { maskField, parity, type Case, type Mask } from './harness.js';

/** Idle time of each entry of the extended XPENDING form: [id, consumer, idle ms, deliveries]. */
const pendingIdle: Mask = (reply) => reply.replace(/(\*4\r\n\$\d+\r\n\d+-\d+\r\n\$\d+\r\n[^\r]*\r\n):\d+\r\n/g, '$1:<idle>\r\n');
/** Delivery times inside XINFO STREAM FULL: group PEL [id, consumer, time, count], consumer PEL [id, time, count]. */
const fullTimes: Mask[] = [
  maskField('seen-time'),
  pendingIdle,
  (reply) => reply.replace(/(\*3\r\n\$\d+\r\n\d+-\d+\r\n):\d+\r\n(:\d+\r\n)/g, '$1:<time>\r\n$2'),
];

const STREAM = ['XADD s 1-1 name a', 'XADD s 2-1 name b', 'XADD s 3-1 name c', 'XADD s 4-1 name d'];

const streams: Case[] = [
  {
    name: 'XADD with explicit ids and XLEN',
    request: ['XADD s 1-1 f v', 'XADD s 1-2 f v g w', 'XADD s 1-* f v', 'XADD s 2-* f v', 'XADD s 5 f v', 'XLEN s', 'XLEN missing', 'XADD s 5-0 f v', 'XADD s 0-0 f v', 'XADD t 0-0 f v', 'XADD s 1-1 f v', 'XADD s abc f v', 'XADD s 9-1 f', 'XADD s 9-1', 'XADD s 18446744073709551615-18446744073709551615 f v', 'XADD s 18446744073709551615-* f v'],
  },
  { name: 'XADD NOMKSTREAM, MAXLEN, MINID, LIMIT', request: ['XADD s NOMKSTREAM 1-1 f v', 'EXISTS s', ...STREAM, 'XADD s MAXLEN 2 5-1 f v', 'XRANGE s - +', 'XADD s MAXLEN = 1 6-1 f v', 'XLEN s', 'XADD s MINID 7 7-1 f v', 'XADD s MINID ~ 0 LIMIT 10 8-1 f v', 'XADD s MAXLEN 1 LIMIT 10 9-1 f v', 'XADD s MAXLEN -1 10-1 f v', 'XRANGE s - +'] },
  {
    name: 'XRANGE and XREVRANGE with exclusive ranges and COUNT',
    request: [...STREAM, 'XRANGE s - +', 'XRANGE s 2 3', 'XRANGE s (2-1 +', 'XRANGE s - + COUNT 2', 'XRANGE s - + COUNT 0', 'XREVRANGE s + -', 'XREVRANGE s + (3-1 COUNT 1', 'XRANGE s 5 +', 'XRANGE missing - +', 'XRANGE s (- +', 'XRANGE s x +', 'XRANGE s - + COUNT', 'XREVRANGE s - +'],
  },
  { name: 'XDEL and XTRIM', request: [...STREAM, 'XDEL s 2-1 9-9', 'XLEN s', 'XTRIM s MAXLEN 2', 'XRANGE s - +', 'XTRIM s MINID 4', 'XTRIM s MAXLEN ~ 0', 'XTRIM s MAXLEN = 0', 'XLEN s', 'XTRIM missing MAXLEN 0', 'XTRIM s FOO 1', 'XTRIM s MAXLEN x', 'XDEL s', 'XDEL missing 1-1'] },
  {
    name: 'XREAD with COUNT and several streams',
    request: [...STREAM, 'XADD t 1-5 x y', 'XREAD STREAMS s 0', 'XREAD COUNT 1 STREAMS s t 2-1 0', 'XREAD STREAMS s 9', 'XREAD STREAMS s missing 0 0', 'XREAD STREAMS s', 'XREAD COUNT x STREAMS s 0', 'XREAD STREAMS s $', 'XREAD FOO STREAMS s 0'],
  },
  { name: 'XREAD BLOCK timing out', request: ['XADD s 1-1 f v', 'XREAD BLOCK 20 STREAMS s $', 'XREAD BLOCK 20 STREAMS missing 0', 'XREAD BLOCK 10 COUNT 1 STREAMS s 0', 'XREAD BLOCK -1 STREAMS s $'] },
  {
    name: 'XREAD BLOCK released by an XADD from another connection',
    steps: [
      { conn: 0, request: ['XREAD BLOCK 5000 STREAMS xs $'], replies: 0, untilBlocked: 1 },
      { conn: 1, request: ['XADD xs 7-7 field value'] },
      { conn: 0, owed: 1 },
    ],
  },
];

const GROUP = [...STREAM, 'XGROUP CREATE s g 0'];

const groups: Case[] = [
  {
    name: 'XGROUP CREATE, CREATECONSUMER, DELCONSUMER, SETID, DESTROY',
    request: [
      ...STREAM,
      'XGROUP CREATE s g 0',
      'XGROUP CREATE s g 0',
      'XGROUP CREATE missing g 0',
      'XGROUP CREATE missing g $ MKSTREAM',
      'XGROUP CREATE s g2 $ ENTRIESREAD 4',
      'XGROUP CREATE s g3 2-1 ENTRIESREAD -5',
      'XGROUP CREATECONSUMER s g alice',
      'XGROUP CREATECONSUMER s g alice',
      'XGROUP CREATECONSUMER s nope alice',
      'XGROUP DELCONSUMER s g alice',
      'XGROUP DELCONSUMER s g nobody',
      'XGROUP SETID s g 3-1',
      'XGROUP SETID s g $ ENTRIESREAD 4',
      'XGROUP SETID s nope 0',
      'XGROUP DESTROY s g2',
      'XGROUP DESTROY s g2',
      'XGROUP DESTROY missing g',
      'XGROUP NOPE',
      'XGROUP',
      'XINFO GROUPS s',
    ],
  },
  {
    name: 'XREADGROUP, XACK, XPENDING summary',
    request: [
      ...GROUP,
      'XREADGROUP GROUP g alice COUNT 2 STREAMS s >',
      'XREADGROUP GROUP g bob STREAMS s >',
      'XREADGROUP GROUP g bob STREAMS s >',
      'XREADGROUP GROUP g alice STREAMS s 0',
      'XPENDING s g',
      'XACK s g 1-1 9-9',
      'XACK s g 1-1',
      'XPENDING s g',
      'XREADGROUP GROUP g alice STREAMS s 0',
      'XREADGROUP GROUP nope alice STREAMS s >',
      'XREADGROUP GROUP g alice STREAMS missing >',
      'XREADGROUP GROUP g alice NOACK STREAMS s >',
      'XACK s g',
      'XPENDING missing g',
    ],
  },
  {
    name: 'XREADGROUP NOACK leaves nothing pending',
    request: [...GROUP, 'XREADGROUP GROUP g c NOACK COUNT 2 STREAMS s >', 'XPENDING s g', 'XINFO GROUPS s'],
  },
  {
    name: 'XREADGROUP history after XDEL shows nil entries',
    request: [...GROUP, 'XREADGROUP GROUP g c STREAMS s >', 'XDEL s 2-1', 'XREADGROUP GROUP g c STREAMS s 0', 'XAUTOCLAIM s g d 0 0-0 JUSTID'],
  },
  // The idle time of each pending entry is masked.
  {
    name: 'XPENDING extended form, with IDLE and a consumer (idle masked)',
    request: [...GROUP, 'XREADGROUP GROUP g alice COUNT 3 STREAMS s >', 'XPENDING s g - + 10', 'XPENDING s g - + 1', 'XPENDING s g (1-1 + 10 alice', 'XPENDING s g IDLE 0 - + 10 alice', 'XPENDING s g - + 10 nobody', 'XPENDING s g - + -1', 'XPENDING s g IDLE x - + 10', 'XPENDING s g - +'],
    mask: [pendingIdle],
  },
  {
    name: 'XCLAIM with explicit ids, JUSTID, FORCE, RETRYCOUNT, IDLE, TIME',
    request: [
      ...GROUP,
      'XREADGROUP GROUP g alice STREAMS s >',
      'XCLAIM s g bob 0 1-1 2-1',
      'XCLAIM s g bob 0 3-1 JUSTID',
      'XCLAIM s g bob 3600000 4-1',
      'XCLAIM s g carol 0 4-1 IDLE 5000 RETRYCOUNT 7',
      'XCLAIM s g carol 0 9-9 FORCE',
      'XCLAIM s g carol 0 1-1 TIME 4102444800000 JUSTID',
      'XPENDING s g',
      'XCLAIM s g carol 0 1-1 LASTID 9-9',
      'XCLAIM s nope carol 0 1-1',
      'XCLAIM s g carol x 1-1',
      'XCLAIM s g carol 0 1-1 RETRYCOUNT -1',
      'XCLAIM s g carol 0 bad-id',
      'XCLAIM s g carol',
    ],
  },
  {
    name: 'XAUTOCLAIM with COUNT and JUSTID',
    request: [...GROUP, 'XREADGROUP GROUP g alice STREAMS s >', 'XAUTOCLAIM s g bob 0 0-0 COUNT 2', 'XAUTOCLAIM s g bob 0 3-0 JUSTID', 'XAUTOCLAIM s g bob 0 (4-1', 'XAUTOCLAIM s g bob 3600000 0', 'XAUTOCLAIM s g bob 0 0 COUNT 0', 'XAUTOCLAIM s nope bob 0 0', 'XAUTOCLAIM s g bob 0 0 FOO', 'XPENDING s g'],
  },
  {
    name: 'XINFO STREAM, GROUPS, HELP and errors',
    request: [...GROUP, 'XGROUP CREATE s h $', 'XREADGROUP GROUP g a COUNT 1 STREAMS s >', 'XDEL s 4-1', 'XINFO STREAM s', 'XINFO GROUPS s', 'XINFO STREAM missing', 'XINFO GROUPS missing', 'XINFO HELP', 'XINFO NOPE', 'XINFO', 'XINFO STREAM s FULL COUNT x'],
  },
  { name: 'XINFO STREAM of an empty stream', request: ['XADD s 1-1 f v', 'XDEL s 1-1', 'XINFO STREAM s', 'XRANGE s - +', 'XLEN s'] },
  // Idle, seen and delivery times are masked.
  { name: 'XINFO CONSUMERS (idle masked)', request: [...GROUP, 'XREADGROUP GROUP g alice COUNT 2 STREAMS s >', 'XGROUP CREATECONSUMER s g bob', 'XINFO CONSUMERS s g', 'XINFO CONSUMERS s nope'], mask: [maskField('idle')] },
  { name: 'XINFO STREAM FULL (times masked)', request: [...GROUP, 'XREADGROUP GROUP g alice COUNT 2 STREAMS s >', 'XINFO STREAM s FULL', 'XINFO STREAM s FULL COUNT 1'], mask: fullTimes },
  {
    name: 'XSETID',
    request: ['XADD s 5-5 f v', 'XSETID s 9-9', 'XINFO STREAM s', 'XSETID s 1-1', 'XSETID s 10-0 ENTRIESADDED 7 MAXDELETEDID 6-0', 'XINFO STREAM s', 'XSETID missing 1-1', 'XSETID s 11-0 ENTRIESADDED 0'],
  },
  { name: 'XREADGROUP BLOCK timing out', request: [...GROUP, 'XREADGROUP GROUP g c COUNT 10 STREAMS s >', 'XREADGROUP GROUP g c BLOCK 20 STREAMS s >', 'XREADGROUP GROUP g c BLOCK 20 STREAMS s 0'] },
  {
    name: 'XREADGROUP BLOCK released by an XADD from another connection',
    steps: [
      { conn: 0, request: ['XGROUP CREATE gs g $ MKSTREAM', 'XREADGROUP GROUP g c BLOCK 5000 STREAMS gs >'], replies: 1, untilBlocked: 1 },
      { conn: 1, request: ['XADD gs 3-3 k v'] },
      { conn: 0, owed: 1, request: ['XPENDING gs g'] },
    ],
    timeoutMs: 8000,
  },
];

const errors: Case[] = ['XADD s 1-1 f v', 'XRANGE s - +', 'XLEN s', 'XREAD STREAMS s 0', 'XGROUP CREATE s g 0', 'XINFO STREAM s', 'XTRIM s MAXLEN 1', 'XDEL s 1-1', 'XACK s g 1-1', 'XPENDING s g'].map((command) => ({
  name: `wrong type: ${command}`,
  request: ['SET s v', command],
}));

parity({ streams, 'consumer groups': groups, 'stream errors': errors });
