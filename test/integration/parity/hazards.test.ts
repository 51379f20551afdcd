// Commands that put the connection that carries them into a mode of its own, where the proxy
// could share that connection with other clients: kept apart in this file (its own proxy).

import { parity, raw, type Case, type Mask } from './harness.js';

/**
 * MONITOR shows every connection's commands; behind the proxy that includes the proxy's own
 * (its INFO, its sumavlib sweeper's EVALSHA), which come on their own schedule. The MONITOR
 * cases keep only the lines of their own commands.
 */
const ownLines =
  (...words: string[]) =>
  (frame: string): boolean =>
    !/^\+\d+\.\d+ \[/.test(frame) || words.some((w) => frame.includes(w));

/** A MONITOR line: its timestamp and the client's address (Redis sees the proxy's). */
const monitorLine: Mask = (reply) => reply.replace(/\+\d+\.\d+ \[(\d+) [^\]]+\]/g, '+<time> [$1 <client>]');

const hazards: Case[] = [
  // The timestamp and the client address of each MONITOR line are masked.
  {
    name: 'MONITOR sees the commands of another connection (time and address masked)',
    steps: [
      { conn: 0, request: ['MONITOR'] },
      { conn: 1, request: ['SET m1 v', 'GET m1', ['ECHO', 'a\r\nb"c']] },
      { conn: 0, replies: 3 },
    ],
    keep: ownLines('"m1"', '"ECHO"'),
    mask: [monitorLine],
  },
  { name: 'MONITOR, then commands on the monitoring connection', request: ['MONITOR', 'PING', 'GET k', 'QUIT'], replies: 5, closes: true, keep: ownLines('"PING"'), mask: [monitorLine] },
  {
    name: 'SCRIPT DEBUG YES and SYNC are refused; the connection goes on as usual',
    request: ['SCRIPT DEBUG SYNC', 'SCRIPT DEBUG YES', 'SCRIPT DEBUG NO', 'EVAL "return 2" 0'],
    documented: {
      reason: "the Lua debugger takes over the connection it runs on, which through the proxy would be the shared link: it is refused",
      proxied:
        '-ERR SCRIPT DEBUG is not available through suma-redis: debug scripts against a Redis node directly\r\n'.repeat(2) + '+OK\r\n:2\r\n',
      direct: false,
    },
  },
];

parity({ 'connection modes': hazards });
