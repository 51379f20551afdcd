// `ctl status`: one table of the data nodes and one of the sentinels, then a WARNING line for each
// thing that makes the group less safe than it looks. Read-only; exit status 1 when anything warns.

import { ConfigError, type HostPort } from '../config.js';
import { Links } from './link.js';
import { ACCESS_OPTIONS, HELP_OPTION, groupAccess, helpText, intOption, parseOptions, type GroupAccess, type OptionSpec } from './options.js';
import {
  AddressBook,
  formatAddress,
  readNode,
  readSentinel,
  sentinelsMaster,
  type AttachedReplica,
  type NodeState,
  type SentinelState,
} from './survey.js';
import { renderTable } from './table.js';

const OPTIONS = {
  ...ACCESS_OPTIONS,
  'max-lag': { kind: 'string', value: 'SECONDS', help: 'warn about a replica whose last acknowledgement is older (default 10)' },
  json: { kind: 'boolean', help: 'print the survey as one JSON object instead of tables' },
  help: HELP_OPTION,
} satisfies Record<string, OptionSpec>;

const USAGE = 'Usage: suma-redis ctl status --sentinel HOST:PORT... [--node HOST:PORT...] [options]';
const SUMMARY = `Asks every sentinel about the group and every node it names (and every --node), then prints
each node's role, replication offset, how far it is behind and its link to the master, each
sentinel's view of the master and whether it reaches the quorum, and a WARNING line for anything
unhealthy. Exit status: 0 when nothing warns, 1 when something does, 2 for a usage error.`;

/** Three of Sentinel's 10 s INFO periods. */
const INFO_STALE_MS = 30_000;

export interface NodeRow {
  address: string;
  role: NodeState['role'];
  link: 'up' | 'down' | null;
  offset: number | null;
  behindBytes: number | null;
  lagSeconds: number | null;
  status: string;
  error: string | null;
}

export interface SentinelRow {
  address: string;
  master: string | null;
  configEpoch: number | null;
  flags: string[];
  replicas: number | null;
  sentinels: number | null;
  quorum: number | null;
  quorumReachable: boolean | null;
  error: string | null;
}

export interface GroupStatus {
  masterName: string;
  master: string | null;
  configEpoch: number | null;
  nodes: NodeRow[];
  sentinels: SentinelRow[];
  warnings: string[];
  healthy: boolean;
}

export async function runStatus(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseOptions(args, OPTIONS, env);
  if (parsed.values['help'] === true) {
    process.stdout.write(helpText(USAGE, SUMMARY, OPTIONS) + '\n');
    return 0;
  }
  const access = groupAccess(parsed, OPTIONS);
  if (access.sentinels.length === 0) throw new ConfigError('--sentinel: give the sentinels of the group');
  const maxLagSeconds = intOption(parsed, 'max-lag', OPTIONS, 10, 0, 86_400);
  const links = new Links(access.connectTimeoutMs, access.nodeAuth, access.sentinelAuth);
  try {
    const status = await surveyGroup(access, links, maxLagSeconds);
    process.stdout.write(parsed.values['json'] === true ? JSON.stringify(status, null, 2) + '\n' : formatStatus(status));
    return status.healthy ? 0 : 1;
  } finally {
    links.closeAll();
  }
}

export async function surveyGroup(access: GroupAccess, links: Links, maxLagSeconds: number): Promise<GroupStatus> {
  const sentinels = await Promise.all(access.sentinels.map((addr) => readSentinel(links, addr, access.masterName, true)));
  const named = sentinelsMaster(sentinels);
  const book = new AddressBook();
  const candidates: HostPort[] = [...(named ? [named] : []), ...sentinels.flatMap((s) => s.replicas.map((r) => r.addr)), ...access.nodes];
  await book.learn(candidates);
  const addresses: HostPort[] = [];
  for (const addr of candidates) if (!addresses.some((a) => book.same(a, addr))) addresses.push({ host: addr.host, port: addr.port });
  const nodes = await Promise.all(addresses.map((addr) => readNode(links, addr)));
  await book.learn(nodes.flatMap((n) => [...n.attached.map((a) => a.addr), ...(n.masterAddr ? [n.masterAddr] : [])]));

  const warnings: string[] = [];
  const warn = (text: string): number => warnings.push(text);
  const sentinelRows = sentinels.map((s) => sentinelRow(s, named, access, book, warn));
  if (sentinels.every((s) => s.error !== null)) warn('no sentinel answers: a failover cannot happen and clients cannot find the master');
  else if (!named) warn(`no sentinel monitors ${access.masterName}: run 'suma-redis ctl init'`);

  const masterNode = named ? book.find(nodes, named) ?? null : null;
  // The master first, then the others in address order, so two runs print rows in the same order.
  const ordered = [...nodes].sort((a, b) => Number(b === masterNode) - Number(a === masterNode) || compareAddresses(a.addr, b.addr));
  const nodeRows = ordered.map((n) => nodeRow(n, n === masterNode, masterNode, sentinels, book, maxLagSeconds, warn));
  if (masterNode && masterNode.error === null && masterNode.role === 'master') {
    const online = masterNode.attached.filter((a) => a.state === 'online').length;
    if (online === 0) warn(`master ${formatAddress(masterNode.addr)} has no replica online: a failover has nowhere to go`);
  }
  return {
    masterName: access.masterName,
    master: named ? formatAddress(named) : null,
    configEpoch: named ? named.configEpoch : null,
    nodes: nodeRows,
    sentinels: sentinelRows,
    warnings,
    healthy: warnings.length === 0,
  };
}

function sentinelRow(
  s: SentinelState,
  named: HostPort | null,
  access: GroupAccess,
  book: AddressBook,
  warn: (text: string) => void,
): SentinelRow {
  const label = `sentinel ${formatAddress(s.addr)}`;
  const row: SentinelRow = {
    address: formatAddress(s.addr),
    master: null,
    configEpoch: null,
    flags: [],
    replicas: null,
    sentinels: null,
    quorum: null,
    quorumReachable: s.quorum?.ok ?? null,
    error: s.error,
  };
  if (s.error !== null && !s.master) {
    warn(`${label} is unreachable (${s.error})`);
    return row;
  }
  if (!s.master) {
    warn(`${label} does not monitor ${access.masterName}`);
    return row;
  }
  const m = s.master;
  Object.assign(row, {
    master: formatAddress(m.addr),
    configEpoch: m.configEpoch,
    flags: m.flags,
    replicas: m.replicas,
    sentinels: m.otherSentinels + 1,
    quorum: m.quorum,
  });
  if (s.error !== null) warn(`${label} did not answer every question (${s.error})`);
  if (named && !book.same(m.addr, named)) warn(`${label} names ${formatAddress(m.addr)} as master, the others ${formatAddress(named)}`);
  const trouble = m.flags.filter((f) => f !== 'master');
  if (trouble.length > 0) warn(`${label} flags the master ${trouble.join(',')}`);
  if (s.quorum && !s.quorum.ok) warn(`${label}: quorum unreachable (${s.quorum.message})`);
  // Sentinel reads the master's INFO every 10 s; a failing read (such as a wrong auth-pass) shows here first.
  if (m.infoRefreshMs > INFO_STALE_MS && !trouble.some((f) => f.endsWith('_down'))) {
    warn(`${label} has not read the master's INFO for ${Math.round(m.infoRefreshMs / 1000)} s (is its auth-pass right?)`);
  }
  if (m.otherSentinels + 1 < access.sentinels.length) {
    warn(`${label} knows ${m.otherSentinels} other sentinel${m.otherSentinels === 1 ? '' : 's'}, ${access.sentinels.length - 1} expected`);
  }
  return row;
}

function nodeRow(
  n: NodeState,
  isMaster: boolean,
  master: NodeState | null,
  sentinels: SentinelState[],
  book: AddressBook,
  maxLagSeconds: number,
  warn: (text: string) => void,
): NodeRow {
  const kind = isMaster ? 'master' : 'replica';
  const label = `${kind} ${formatAddress(n.addr)}`;
  const row: NodeRow = {
    address: formatAddress(n.addr),
    role: n.role,
    link: n.linkUp === null ? null : n.linkUp ? 'up' : 'down',
    offset: n.offset,
    behindBytes: null,
    lagSeconds: null,
    status: 'ok',
    error: n.error,
  };
  const problems: string[] = [];
  const flagged = sentinels.flatMap((s) => s.replicas.filter((r) => book.same(r.addr, n.addr)).flatMap((r) => r.flags));
  if (n.error !== null) {
    const down = flagged.some((f) => f === 's_down' || f === 'o_down') ? ', sentinels flag it down' : '';
    warn(`${label} is unreachable (${n.error}${down})`);
    row.status = 'unreachable';
    return row;
  }
  if (isMaster) {
    if (n.role !== 'master') {
      warn(`${label}, named by the sentinels, says it is a ${n.role}`);
      row.status = 'not master';
    }
    return row;
  }
  if (n.role === 'master') {
    warn(`${label} is a master of its own: it does not replicate from ${master ? formatAddress(master.addr) : 'the master'}`);
    row.status = 'not replica';
    return row;
  }
  if (master && !book.same(n.masterAddr, master.addr)) {
    problems.push('wrong master');
    warn(`${label} replicates from ${n.masterAddr ? formatAddress(n.masterAddr) : '?'}, not from the master ${formatAddress(master.addr)}`);
  }
  if (n.linkUp === false) {
    problems.push(n.syncing ? 'syncing' : 'link down');
    const since = n.linkDownSeconds === null ? '' : ` for ${n.linkDownSeconds} s`;
    warn(n.syncing ? `${label} is still loading the master's data set` : `${label} has its link to the master down${since}`);
  }
  const attached: AttachedReplica | undefined = master ? book.find(master.attached, n.addr) ?? attachedByPort(master.attached, n) : undefined;
  if (master?.offset != null && n.offset !== null) row.behindBytes = Math.max(0, master.offset - n.offset);
  if (attached) {
    row.lagSeconds = attached.lagSeconds;
    if (attached.lagSeconds > maxLagSeconds) {
      problems.push('lagging');
      warn(`${label} last acknowledged the master ${attached.lagSeconds} s ago (more than ${maxLagSeconds} s)`);
    }
  } else if (master && n.linkUp === true && book.same(n.masterAddr, master.addr)) {
    problems.push('not listed');
    warn(`${label} says its link is up, but the master does not list it`);
  }
  if (problems.length > 0) row.status = problems.join(', ');
  return row;
}

function compareAddresses(a: HostPort, b: HostPort): number {
  return a.host < b.host ? -1 : a.host > b.host ? 1 : a.port - b.port;
}

/** A master lists a replica by the IP it connected from, which may be none of the names given for it. */
function attachedByPort(attached: AttachedReplica[], n: NodeState): AttachedReplica | undefined {
  const samePort = attached.filter((a) => a.addr.port === n.addr.port);
  return samePort.length === 1 ? samePort[0] : undefined;
}

export function formatStatus(status: GroupStatus): string {
  const lines: string[] = [];
  const head = status.master
    ? `${status.masterName}: master ${status.master} (config epoch ${status.configEpoch})`
    : `${status.masterName}: no master named by the sentinels`;
  lines.push(head, '');
  const dash = (v: number | string | null): string => (v === null ? '-' : String(v));
  lines.push(
    ...renderTable(
      ['NODE', 'ROLE', 'LINK', 'OFFSET', 'BEHIND', 'LAG', 'STATUS'],
      status.nodes.map((n) => [
        n.address,
        n.error === null ? n.role : '?',
        dash(n.link),
        dash(n.offset),
        dash(n.behindBytes),
        n.lagSeconds === null ? '-' : `${n.lagSeconds}s`,
        n.status,
      ]),
    ),
    '',
  );
  lines.push(
    ...renderTable(
      ['SENTINEL', 'MASTER', 'EPOCH', 'FLAGS', 'REPLICAS', 'SENTINELS', 'QUORUM'],
      status.sentinels.map((s) => [
        s.address,
        s.error !== null && s.master === null ? 'unreachable' : dash(s.master),
        dash(s.configEpoch),
        s.flags.length ? s.flags.join(',') : '-',
        dash(s.replicas),
        dash(s.sentinels),
        s.quorum === null ? '-' : `${s.quorum} ${s.quorumReachable === true ? 'reachable' : s.quorumReachable === false ? 'UNREACHABLE' : '?'}`,
      ]),
    ),
    '',
  );
  for (const w of status.warnings) lines.push(`WARNING: ${w}`);
  if (status.healthy) lines.push('OK: no warnings');
  return lines.join('\n') + '\n';
}
