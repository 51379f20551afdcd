// A small closed-loop load generator for commands redis-benchmark cannot send: N connections,
// one request in flight on each, for a fixed time. Runs as its own process so that its CPU does
// not mix with the runner's.
//   node loadgen.mjs '{"port":6380,"clients":50,"seconds":3,"command":["SET","k:{i}","{n}"]}'
// In the command, {i} is the connection's index and {n} a per-connection request counter.
// Prints one JSON line: { ops, seconds, errors, firstError } or { unknownCommand: "<error text>" }.

import net from 'node:net';
import { encodeCommand, frameEnd, isError, replyText, call } from './resp.mjs';

const spec = JSON.parse(process.argv[2]);

function requestFor(i, n) {
  return encodeCommand(spec.command.map((arg) => arg.replaceAll('{i}', String(i)).replaceAll('{n}', String(n))));
}

const tally = { ops: 0, errors: 0, firstError: null };
let stopping = false;

function countReply(frame) {
  tally.ops++;
  if (!isError(frame)) return;
  tally.errors++;
  tally.firstError ??= replyText(frame);
}

/** One connection: send, wait for the whole reply, send the next, until the time is up. */
function runClient(i) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port: spec.port, noDelay: true });
    let buf = Buffer.alloc(0);
    let n = 0;
    sock.on('error', reject);
    sock.on('connect', () => sock.write(requestFor(i, n++)));
    sock.on('data', (chunk) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      const end = frameEnd(buf, 0);
      if (end < 0) return;
      countReply(buf.subarray(0, end));
      buf = buf.subarray(end);
      if (stopping) {
        sock.end();
        resolve();
      } else {
        sock.write(requestFor(i, n++));
      }
    });
  });
}

const probe = await call(spec.port, spec.command.map((arg) => arg.replaceAll('{i}', 'probe').replaceAll('{n}', '0')));
if (isError(probe) && /^ERR unknown command/i.test(replyText(probe))) {
  console.log(JSON.stringify({ unknownCommand: replyText(probe) }));
} else {
  const started = process.hrtime.bigint();
  setTimeout(() => (stopping = true), spec.seconds * 1000);
  await Promise.all(Array.from({ length: spec.clients }, (_, i) => runClient(i)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(JSON.stringify({ ...tally, seconds }));
}
