// COMMAND and its subcommands: Redis's own table, with the proxy's commands added, so clients
// that look commands up (COMMAND INFO, COMMAND COUNT, DOCS, LIST) see ours like any other.
// Redis's part is the upstream reply's raw bytes; only our entries are encoded here.

import { encode, encodeCommand, type Reply } from '../resp/encode.js';
import { errorReply } from '../resp/errors.js';
import { ReplyScanner } from '../resp/reply-scanner.js';
import { globMatch } from '../state/glob.js';
import type { Upstream } from '../upstream/upstream.js';
import type { CommandTable, LocalCommand } from './policy.js';
import type { CommandSpec } from './spec.js';

export function commandCommand(table: CommandTable, upstream: Upstream): LocalCommand {
  const ours = (): CommandSpec[] => table.locals().flatMap((c) => (c.spec ? [c.spec] : []));
  const find = (name: string): CommandSpec | undefined => ours().find((s) => s.name === name.toLowerCase());
  return {
    name: 'command',
    standard: true,
    check: () => null,
    async run(_caller, args) {
      const sub = args[1]?.toString('latin1').toLowerCase();
      const rest = args.slice(2).map((a) => a.toString('utf8'));
      const upstreamReply = async (): Promise<Reply> => ({ raw: await upstream.query(encodeCommand(args)) });
      switch (sub) {
        case undefined:
          return appendElements(await upstream.query(encodeCommand(args)), ours().map(infoEntry));
        case 'count': {
          const reply = await upstream.query(encodeCommand(args));
          return Number(reply.toString('latin1', 1, reply.indexOf(13))) + ours().length;
        }
        case 'info': {
          if (rest.length === 0) return appendElements(await upstream.query(encodeCommand(args)), ours().map(infoEntry));
          const theirs = rest.filter((n) => !find(n));
          const frames = theirs.length > 0 ? elements(await upstream.query(encodeCommand(['COMMAND', 'INFO', ...theirs]))) : [];
          const out = rest.map((n) => {
            const spec = find(n);
            return spec ? encode(infoEntry(spec)) : frames.shift()!;
          });
          return { raw: Buffer.concat([Buffer.from(`*${out.length}\r\n`), ...out]) };
        }
        case 'docs': {
          const theirs = rest.filter((n) => !find(n));
          const mine = (rest.length === 0 ? ours() : rest.map(find).filter((s): s is CommandSpec => !!s)).flatMap(docsEntry);
          if (rest.length > 0 && theirs.length === 0) return encode(mine);
          const reply = await upstream.query(encodeCommand(['COMMAND', 'DOCS', ...theirs]));
          return appendElements(reply, mine);
        }
        case 'list': {
          const filter = rest[0]?.toLowerCase() === 'filterby' ? { by: rest[1]?.toLowerCase(), value: rest[2] ?? '' } : null;
          const mine = ours()
            .filter((s) => !filter || (filter.by === 'pattern' && globMatch(filter.value, s.name)) || (filter.by === 'aclcat' && filter.value.toLowerCase() === 'sumavlib'))
            .map((s) => s.name);
          return appendElements(await upstream.query(encodeCommand(args)), mine);
        }
        case 'getkeys':
        case 'getkeysandflags':
          if (rest[0] && find(rest[0])) return { error: errorReply('ERR', 'The command has no key arguments') };
          return upstreamReply();
        default:
          return upstreamReply();
      }
    },
  };
}

/** COMMAND's 10-element entry for one of our commands (keyless). */
function infoEntry(spec: CommandSpec): Reply {
  return [spec.name, spec.arity, spec.flags.map((f) => ({ status: f })), 0, 0, 0, [{ status: `@${spec.group}` }], [], [], []];
}

function docsEntry(spec: CommandSpec): Reply[] {
  return [spec.name, ['summary', spec.summary, 'since', spec.since, 'group', 'module', 'module', spec.group]];
}

/** The top-level elements of a raw array reply, each as its raw frame. */
function elements(reply: Buffer): Buffer[] {
  const start = reply.indexOf(10) + 1;
  const scanner = new ReplyScanner();
  const out: Buffer[] = [];
  for (let at = start, end = scanner.next(reply, at); end >= 0; at = end, end = scanner.next(reply, at)) out.push(reply.subarray(at, end));
  return out;
}

/** Redis's raw array reply with our elements appended (its header count adjusted). */
function appendElements(reply: Buffer, extra: Reply[]): Reply {
  if (reply[0] !== 42 /* * */) return { raw: reply };
  const headerEnd = reply.indexOf(10) + 1;
  const count = Number(reply.toString('latin1', 1, headerEnd - 2));
  return { raw: Buffer.concat([Buffer.from(`*${count + extra.length}\r\n`), reply.subarray(headerEnd), ...extra.map(encode)]) };
}
