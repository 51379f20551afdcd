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

const DEBUG_ON_SHARED_LINK =
  "SCRIPT DEBUG travels on the shared link: it is refused there as 'inside a pipeline', or it puts the shared link in debug mode, so the next EVAL of any client opens the debugger and other clients' commands are read as debugger commands; the session's end closes the shared link (the script's reply is lost, the client stays connected)";

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
    name: 'SCRIPT DEBUG SYNC, then EVAL enters the debugger, which ends the connection',
    steps: [
      { request: ['SCRIPT DEBUG SYNC'] },
      { request: ['EVAL "return 1" 0'] },
      { request: raw('*1\r\n$1\r\nc\r\n'), replies: 2, closes: true },
    ],
    timeoutMs: 1000,
    divergence: DEBUG_ON_SHARED_LINK,
  },
  {
    name: 'after a debugging session on one connection, another connection is served as usual',
    steps: [
      { conn: 0, request: ['SCRIPT DEBUG SYNC'] },
      { conn: 0, request: ['EVAL "return 1" 0'] },
      { conn: 0, request: raw('*1\r\n$1\r\nc\r\n'), replies: 2, closes: true },
      { conn: 1, request: ['SET after-debug 1', 'GET after-debug', 'EVAL "return 2" 0'] },
    ],
    timeoutMs: 1000,
    divergence: DEBUG_ON_SHARED_LINK,
  },
  // Last of the file: through the proxy this one can leave the server blocked in a debugging session.
  {
    name: 'SCRIPT DEBUG on one connection leaves the EVAL and GET of other connections alone',
    steps: [
      { conn: 0, request: ['SCRIPT DEBUG SYNC'] },
      { conn: 1, request: ['EVAL "return 2" 0'] },
      { conn: 2, request: ['SET other v', 'GET other'] },
    ],
    timeoutMs: 1000,
    divergence: DEBUG_ON_SHARED_LINK,
  },
];

parity({ 'connection modes': hazards });
