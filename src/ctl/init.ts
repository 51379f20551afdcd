// `ctl init`: makes one node master and the others its replicas, then registers the master with
// every sentinel. Every step reads first and writes only what differs, so a second run changes
// nothing, and a run after a failover accepts the master the sentinels chose.

import { isIP } from 'node:net';
import { ConfigError, parseHostPort, type HostPort } from '../config.js';
import { Links, reason, type Link } from './link.js';
import {
  ACCESS_OPTIONS,
  HELP_OPTION,
  groupAccess,
  helpText,
  intOption,
  parseOptions,
  stringOption,
  type GroupAccess,
  type OptionSpec,
} from './options.js';
import { AddressBook, formatAddress, readNode, readSentinel, sentinelsMaster, type NodeState, type SentinelState } from './survey.js';
import { seconds, waitUntil } from './wait.js';

const OPTIONS = {
  ...ACCESS_OPTIONS,
  master: { kind: 'string', value: 'HOST:PORT', help: 'the node to make master of a new group (default the first --node)' },
  quorum: { kind: 'string', env: ['SUMA_QUORUM'], value: 'N', help: 'sentinels that must agree the master is down (default a majority)' },
  'down-after': { kind: 'string', env: ['SUMA_DOWN_AFTER_MS'], value: 'MS', help: 'down-after-milliseconds (default 5000)' },
  'failover-timeout': { kind: 'string', env: ['SUMA_FAILOVER_TIMEOUT_MS'], value: 'MS', help: 'failover-timeout (default 60000)' },
  force: { kind: 'boolean', help: 'also make a node that holds keys a replica (its keys are replaced by the master\'s)' },
  timeout: { kind: 'string', value: 'MS', help: 'how long to wait for replication and for the sentinels to find each other (default 60000)' },
  help: HELP_OPTION,
} satisfies Record<string, OptionSpec>;

const USAGE = 'Usage: suma-redis ctl init --node HOST:PORT... --sentinel HOST:PORT... [options]';
const SUMMARY = `Makes the first --node (or --master) the master and every other node its replica (REPLICAOF,
masterauth), then has every sentinel monitor it (quorum, auth-pass, down-after-milliseconds,
failover-timeout). Once the sentinels monitor the group, their master is kept: init never moves it.
Running init again changes nothing. A node given by host name is announced by that name
(replica-announce-ip, and the sentinels' resolve-hostnames and announce-hostnames), so the group
works where addresses are names, as under Docker or Kubernetes. Exit status: 0 when the group is
ready, 1 when a step failed or the group did not settle in time, 2 for a usage error.`;

interface InitSettings extends GroupAccess {
  master: HostPort | undefined;
  quorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  force: boolean;
  timeoutMs: number;
}

/** A step that cannot go on; the message says what to do. */
class InitError extends Error {}

/** Prints one line per node and sentinel: what was changed, or that nothing was. */
class Report {
  changes = 0;

  changed(subject: string, what: string): void {
    this.changes++;
    process.stdout.write(`${subject}: ${what}\n`);
  }

  unchanged(subject: string, what: string): void {
    process.stdout.write(`${subject}: ${what} (unchanged)\n`);
  }

  note(subject: string, what: string): void {
    process.stdout.write(`${subject}: ${what}\n`);
  }
}

export async function runInit(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseOptions(args, OPTIONS, env);
  if (parsed.values['help'] === true) {
    process.stdout.write(helpText(USAGE, SUMMARY, OPTIONS) + '\n');
    return 0;
  }
  const access = groupAccess(parsed, OPTIONS);
  if (access.nodes.length === 0) throw new ConfigError('--node: give every Redis node of the group');
  if (access.sentinels.length === 0) throw new ConfigError('--sentinel: give every sentinel of the group');
  const masterText = stringOption(parsed, 'master', OPTIONS);
  const settings: InitSettings = {
    ...access,
    master: masterText === undefined ? undefined : parseHostPort('master', masterText),
    quorum: intOption(parsed, 'quorum', OPTIONS, Math.floor(access.sentinels.length / 2) + 1, 1, access.sentinels.length),
    downAfterMs: intOption(parsed, 'down-after', OPTIONS, 5000, 100, 3_600_000),
    failoverTimeoutMs: intOption(parsed, 'failover-timeout', OPTIONS, 60_000, 1000, 3_600_000),
    force: parsed.values['force'] === true,
    timeoutMs: intOption(parsed, 'timeout', OPTIONS, 60_000, 0, 3_600_000),
  };
  if (settings.master && !settings.nodes.some((n) => n.host === settings.master!.host && n.port === settings.master!.port)) {
    throw new ConfigError(`--master: ${formatAddress(settings.master)} is not one of the --node addresses`);
  }

  const links = new Links(settings.connectTimeoutMs, settings.nodeAuth, settings.sentinelAuth);
  try {
    await initGroup(settings, links, new Report());
    return 0;
  } catch (err) {
    // A refused command (NOPERM, READONLY ...) ends the run like a failed step: one line, status 1.
    if (!(err instanceof Error) || err instanceof ConfigError) throw err;
    process.stderr.write(`suma-redis ctl init: ${err instanceof InitError ? err.message : reason(err)}\n`);
    return 1;
  } finally {
    links.closeAll();
  }
}

async function initGroup(s: InitSettings, links: Links, report: Report): Promise<void> {
  const nodes = await Promise.all(s.nodes.map((addr) => readNode(links, addr)));
  const sentinels = await Promise.all(s.sentinels.map((addr) => readSentinel(links, addr, s.masterName, true)));
  const unreachable = [...nodes, ...sentinels].filter((p) => p.error !== null);
  if (unreachable.length > 0) {
    throw new InitError(`cannot read ${unreachable.map((p) => `${formatAddress(p.addr)} (${p.error})`).join(', ')}; init needs every node and sentinel`);
  }
  const book = new AddressBook();
  await book.learn([
    ...s.nodes,
    ...nodes.flatMap((n) => (n.masterAddr ? [n.masterAddr] : [])),
    ...sentinels.flatMap((x) => (x.master ? [x.master.addr, ...x.replicas.map((r) => r.addr)] : [])),
  ]);

  const master = chooseMaster(s, nodes, sentinels, book);
  const byName = [...s.nodes, ...s.sentinels].some((a) => isIP(a.host) === 0);
  const replicas = nodes.filter((n) => n !== master);
  refuseDataLoss(s, replicas, master, sentinels, book);

  if (byName) for (const sentinel of sentinels) await ensureSentinelHostnames(links.sentinel(sentinel.addr), report);

  const rewrite = new Set<NodeState>();
  for (const node of nodes) {
    const link = links.node(node.addr);
    const label = `node ${formatAddress(node.addr)}`;
    let changed = false;
    if (s.nodeAuth.password !== undefined) changed = (await ensureConfig(link, label, 'masterauth', s.nodeAuth.password, report, true)) || changed;
    if (s.nodeAuth.username !== undefined) changed = (await ensureConfig(link, label, 'masteruser', s.nodeAuth.username, report, false)) || changed;
    if (isIP(node.addr.host) === 0) changed = (await ensureConfig(link, label, 'replica-announce-ip', node.addr.host, report, false)) || changed;
    if (changed) rewrite.add(node);
  }

  const masterLabel = `node ${formatAddress(master.addr)}`;
  if (master.role === 'master') {
    report.unchanged(masterLabel, 'master');
  } else {
    await links.node(master.addr).call('REPLICAOF', 'NO', 'ONE');
    report.changed(masterLabel, 'REPLICAOF NO ONE (now master)');
    rewrite.add(master);
  }
  for (const node of replicas) {
    const label = `node ${formatAddress(node.addr)}`;
    if (node.role === 'replica' && book.same(node.masterAddr, master.addr)) {
      report.unchanged(label, `replica of ${formatAddress(node.masterAddr!)}`);
      continue;
    }
    await links.node(node.addr).call('REPLICAOF', master.addr.host, master.addr.port);
    report.changed(label, `REPLICAOF ${master.addr.host} ${master.addr.port}`);
    rewrite.add(node);
  }
  for (const node of rewrite) await persist(links.node(node.addr), `node ${formatAddress(node.addr)}`, report);

  const replicated = await waitUntil(s.timeoutMs, 100, async () => {
    for (const node of replicas) {
      const now = await readNode(links, node.addr);
      if (now.error !== null) return `${formatAddress(node.addr)}: ${now.error}`;
      if (now.linkUp !== true) return `${formatAddress(node.addr)} has no link to the master yet`;
    }
    return null;
  });
  if (replicated !== null) throw new InitError(`replication did not start within ${seconds(s.timeoutMs)}: ${replicated}`);

  for (const sentinel of sentinels) await registerWith(s, links.sentinel(sentinel.addr), sentinel, master.addr, book, report);

  const settled = await waitUntil(s.timeoutMs, 250, () => groupSettled(s, links, master.addr, replicas.length, book));
  if (settled !== null) {
    throw new InitError(`the group is configured, but the sentinels did not settle within ${seconds(s.timeoutMs)}: ${settled}`);
  }
  const changes = report.changes === 0 ? 'no changes' : `${report.changes} change${report.changes === 1 ? '' : 's'}`;
  process.stdout.write(
    `${s.masterName}: master ${formatAddress(master.addr)}, ${replicas.length} replica${replicas.length === 1 ? '' : 's'} linked, ` +
      `${s.sentinels.length} sentinel${s.sentinels.length === 1 ? '' : 's'}, quorum ${s.quorum} reachable; ${changes}\n`,
  );
}

/**
 * The sentinels' master when they already monitor the group (init never moves it); otherwise
 * --master, the one node the others already replicate from, or the first node.
 */
function chooseMaster(s: InitSettings, nodes: NodeState[], sentinels: SentinelState[], book: AddressBook): NodeState {
  const busy = sentinels.filter((x) => x.master?.flags.some((f) => f.startsWith('failover_')));
  if (busy.length > 0) {
    throw new InitError(`a failover of ${s.masterName} is in progress (sentinel ${formatAddress(busy[0]!.addr)}); try again once it is over`);
  }
  const named = sentinelsMaster(sentinels);
  if (named) {
    const node = book.find(nodes, named);
    if (!node) {
      throw new InitError(`the sentinels monitor ${s.masterName} at ${formatAddress(named)}, which is not one of the --node addresses`);
    }
    if (s.master && !book.same(s.master, named)) {
      throw new InitError(`the sentinels already monitor ${s.masterName} at ${formatAddress(named)}; move the master with 'suma-redis ctl failover'`);
    }
    if (node.role !== 'master') {
      throw new InitError(
        `the sentinels name ${formatAddress(named)} as master but it is a replica: a failover may be under way; try again once 'suma-redis ctl status' shows no warning`,
      );
    }
    return node;
  }
  if (s.master) return book.find(nodes, s.master)!;
  const replicated = nodes.filter((n) => n.role === 'master' && nodes.some((r) => r.role === 'replica' && book.same(r.masterAddr, n.addr)));
  if (replicated.length > 1) {
    throw new InitError(`the nodes form ${replicated.length} replication groups (masters ${replicated.map((n) => formatAddress(n.addr)).join(', ')}); choose one with --master`);
  }
  return replicated[0] ?? nodes[0]!;
}

/**
 * A master that holds keys becomes a replica only with --force: REPLICAOF replaces its data set.
 * A former master the sentinels already list as a replica is exempt: Sentinel is about to do the same.
 */
function refuseDataLoss(s: InitSettings, replicas: NodeState[], master: NodeState, sentinels: SentinelState[], book: AddressBook): void {
  if (s.force) return;
  const demoted = (n: NodeState): boolean => sentinels.some((x) => book.find(x.replicas, n.addr) !== undefined);
  const losing = replicas.filter((n) => n.role === 'master' && n.keys > 0 && !demoted(n));
  if (losing.length === 0) return;
  const list = losing.map((n) => `${formatAddress(n.addr)} (${n.keys} key${n.keys === 1 ? '' : 's'})`).join(', ');
  throw new InitError(`${list} would become a replica of ${formatAddress(master.addr)} and lose its keys; give --force if that is intended`);
}

/** CONFIG SET only when CONFIG GET differs; a secret is compared but never printed. */
async function ensureConfig(link: Link, label: string, name: string, value: string, report: Report, secret: boolean): Promise<boolean> {
  const reply = (await link.call('CONFIG', 'GET', name)) as string[];
  const shown = secret ? 'set' : value;
  if (reply[1] === value) {
    report.unchanged(label, `${name} ${shown}`);
    return false;
  }
  await link.call('CONFIG', 'SET', name, value);
  report.changed(label, `CONFIG SET ${name} ${secret ? '(secret)' : value}`);
  return true;
}

/** CONFIG REWRITE, so the role survives a restart; a node started without a config file cannot keep it. */
async function persist(link: Link, label: string, report: Report): Promise<void> {
  try {
    await link.call('CONFIG', 'REWRITE');
  } catch (err) {
    if (!/without a config file/i.test(reason(err))) throw new InitError(`${label}: CONFIG REWRITE failed: ${reason(err)}`);
    report.note(label, 'started without a config file: the change lasts until it restarts');
  }
}

async function ensureSentinelHostnames(link: Link, report: Report): Promise<void> {
  const label = `sentinel ${link.label}`;
  for (const name of ['resolve-hostnames', 'announce-hostnames']) {
    const reply = (await link.call('SENTINEL', 'CONFIG', 'GET', name)) as string[];
    if (reply[1] === 'yes') {
      report.unchanged(label, `${name} yes`);
      continue;
    }
    await link.call('SENTINEL', 'CONFIG', 'SET', name, 'yes');
    report.changed(label, `SENTINEL CONFIG SET ${name} yes`);
  }
}

/** How long a sentinel may go without reading the master's INFO before its credentials are suspect. */
const INFO_STALE_MS = 25_000;

async function registerWith(s: InitSettings, link: Link, seen: SentinelState, master: HostPort, book: AddressBook, report: Report): Promise<void> {
  const label = `sentinel ${link.label}`;
  const name = s.masterName;
  let view = seen.master;
  if (view && !book.same(view.addr, master)) {
    await link.call('SENTINEL', 'REMOVE', name);
    report.changed(label, `SENTINEL REMOVE ${name} (it monitored ${formatAddress(view.addr)})`);
    view = null;
  }
  if (!view) {
    await link.call('SENTINEL', 'MONITOR', name, master.host, master.port, s.quorum);
    report.changed(label, `SENTINEL MONITOR ${name} ${master.host} ${master.port} ${s.quorum}`);
  }
  const wanted: string[] = [];
  const kept: string[] = [];
  const fields: [string, number, number | undefined][] = [
    ['quorum', s.quorum, view?.quorum],
    ['down-after-milliseconds', s.downAfterMs, view?.downAfterMs],
    ['failover-timeout', s.failoverTimeoutMs, view?.failoverTimeoutMs],
  ];
  for (const [field, value, current] of fields) {
    if (current === value) kept.push(`${field} ${value}`);
    else if (view || field !== 'quorum') wanted.push(field, String(value));
  }
  if (view) report.unchanged(label, `monitors ${name} at ${formatAddress(view.addr)}${kept.map((k) => ', ' + k).join('')}`);
  // Sentinel never shows auth-pass; a sentinel that reads the master's INFO holds working credentials.
  const credentialsWork = view !== null && view.infoRefreshMs < INFO_STALE_MS;
  const secretFields: string[] = [];
  if (!credentialsWork) {
    if (s.nodeAuth.username !== undefined) secretFields.push('auth-user', s.nodeAuth.username);
    if (s.nodeAuth.password !== undefined) secretFields.push('auth-pass', s.nodeAuth.password);
  }
  if (wanted.length + secretFields.length === 0) return;
  await link.call('SENTINEL', 'SET', name, ...wanted, ...secretFields);
  const shown = [...wanted];
  for (let i = 0; i < secretFields.length; i += 2) shown.push(secretFields[i]!, secretFields[i] === 'auth-pass' ? '(secret)' : secretFields[i + 1]!);
  report.changed(label, `SENTINEL SET ${name} ${shown.join(' ')}`);
}

/** Null once every sentinel monitors the master, knows the replicas and the other sentinels, and the quorum is reachable. */
async function groupSettled(s: InitSettings, links: Links, master: HostPort, replicas: number, book: AddressBook): Promise<string | null> {
  for (const addr of s.sentinels) {
    const view = await readSentinel(links, addr, s.masterName, true);
    const label = formatAddress(addr);
    if (view.error !== null) return `${label}: ${view.error}`;
    if (!view.master) return `${label} does not monitor ${s.masterName}`;
    if (!book.same(view.master.addr, master)) return `${label} names ${formatAddress(view.master.addr)} as master`;
    const down = view.master.flags.filter((f) => f !== 'master');
    if (down.length > 0) return `${label} flags the master ${down.join(',')}`;
    const linked = view.replicas.filter((r) => !r.flags.some((f) => f.endsWith('_down') || f === 'disconnected')).length;
    if (linked < replicas) return `${label} knows ${linked} of ${replicas} replicas`;
    if (view.master.otherSentinels < s.sentinels.length - 1) {
      return `${label} knows ${view.master.otherSentinels} of ${s.sentinels.length - 1} other sentinels`;
    }
    if (!view.quorum?.ok) return `${label}: ${view.quorum?.message ?? 'quorum not checked'}`;
  }
  return null;
}
