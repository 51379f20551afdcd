// Just enough RESP for the bench: encode a command, find where a reply frame ends, and run one
// command on a short-lived connection. Replies are never decoded beyond what the bench reads.

import net from 'node:net';

const CRLF = '\r\n';

export function encodeCommand(args) {
  let out = `*${args.length}${CRLF}`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}${CRLF}${arg}${CRLF}`;
  return Buffer.from(out);
}

/** Index just past the reply frame that starts at `pos`, or -1 while the frame is incomplete. */
export function frameEnd(buf, pos) {
  const lineEnd = buf.indexOf(CRLF, pos);
  if (lineEnd < 0) return -1;
  const type = String.fromCharCode(buf[pos]);
  const count = Number(buf.toString('latin1', pos + 1, lineEnd));
  const next = lineEnd + 2;
  if (type === '$' || type === '=' || type === '!') return count < 0 ? next : next + count + 2 <= buf.length ? next + count + 2 : -1;
  if (type === '*' || type === '~' || type === '>' || type === '%' || type === '|') {
    let end = next;
    const frames = count < 0 ? 0 : type === '%' || type === '|' ? 2 * count : count;
    for (let i = 0; i < frames && end >= 0; i++) end = frameEnd(buf, end);
    return end;
  }
  return next; // simple line types: + - : _ , # (
}

/** First line of a reply, without its type byte; for simple replies and errors. */
export function replyText(frame) {
  return frame.toString('utf8', 1, frame.indexOf(CRLF)).trim();
}

export function isError(frame) {
  return frame[0] === 0x2d; // '-'
}

/** Runs one command and resolves with the raw reply frame; rejects on connect error or timeout. */
export function call(port, args, { host = '127.0.0.1', timeoutMs = 2000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let buf = Buffer.alloc(0);
    const fail = (err) => {
      sock.destroy();
      reject(err);
    };
    sock.setTimeout(timeoutMs, () => fail(new Error(`no reply from ${host}:${port} within ${timeoutMs} ms`)));
    sock.on('error', fail);
    sock.on('connect', () => sock.write(encodeCommand(args)));
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      const end = frameEnd(buf, 0);
      if (end < 0) return;
      sock.destroy();
      resolve(buf.subarray(0, end));
    });
  });
}

/** Polls PING until the server answers PONG. */
export async function waitForPong(port, timeoutMs, isAlive = () => true) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error('process exited before answering PING');
    try {
      const reply = await call(port, ['PING'], { timeoutMs: 500 });
      if (replyText(reply) === 'PONG') return;
      last = replyText(reply);
    } catch (err) {
      last = err.message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`port ${port} did not answer PING within ${timeoutMs} ms (last: ${last})`);
}
