// What the nodes and the sentinels of a group say about it right now: read-only, every peer asked
// at once, an unreachable peer recorded with its error rather than failing the survey.

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { HostPort } from '../config.js';
import { formatAddress, pickMaster, type SentinelAnswer } from '../upstream/sentinel.js';
import { reason, type Links } from './link.js';

/** A replica as its master's INFO lists it. */
export interface AttachedReplica {
  addr: HostPort;
  state: string;
  offset: number;
  /** Seconds since the replica's last acknowledgement. */
  lagSeconds: number;
}

export interface NodeState {
  addr: HostPort;
  error: string | null;
  role: 'master' | 'replica' | 'unknown';
  /** master_repl_offset on a master, slave_repl_offset (what it has applied) on a replica. */
  offset: number | null;
  /** A replica's master, as given to REPLICAOF. */
  masterAddr: HostPort | null;
  linkUp: boolean | null;
  /** Seconds the replica's link has been down, when Redis says. */
  linkDownSeconds: number | null;
  syncing: boolean;
  attached: AttachedReplica[];
  keys: number;
}

export interface SentinelMasterView {
  addr: HostPort;
  flags: string[];
  configEpoch: number;
  quorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  replicas: number;
  otherSentinels: number;
  /** Milliseconds since the sentinel last read the master's INFO. */
  infoRefreshMs: number;
}

export interface SentinelReplicaView {
  addr: HostPort;
  flags: string[];
  linkStatus: string;
}

export interface SentinelState {
  addr: HostPort;
  error: string | null;
  /** Null when the sentinel does not monitor this master name. */
  master: SentinelMasterView | null;
  replicas: SentinelReplicaView[];
  /** SENTINEL CKQUORUM: whether this sentinel can reach the quorum and a majority to authorise a failover. */
  quorum: { ok: boolean; message: string } | null;
}

export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** Sentinel replies list each entity as a flat [field, value, field, value ...] array. */
export function pairs(reply: unknown): Map<string, string> {
  const map = new Map<string, string>();
  if (!Array.isArray(reply)) return map;
  for (let i = 0; i + 1 < reply.length; i += 2) map.set(String(reply[i]), String(reply[i + 1]));
  return map;
}

function num(text: string | undefined, fallback = 0): number {
  const n = Number(text);
  return text === undefined || text === '' || !Number.isFinite(n) ? fallback : n;
}

function kv(text: string): Map<string, string> {
  return new Map(text.split(',').map((part) => {
    const eq = part.indexOf('=');
    return [part.slice(0, eq), part.slice(eq + 1)] as [string, string];
  }));
}

export async function readNode(links: Links, addr: HostPort): Promise<NodeState> {
  const state: NodeState = {
    addr,
    error: null,
    role: 'unknown',
    offset: null,
    masterAddr: null,
    linkUp: null,
    linkDownSeconds: null,
    syncing: false,
    attached: [],
    keys: 0,
  };
  let info: Map<string, string>;
  try {
    const link = links.node(addr);
    info = parseInfo(String(await link.call('INFO', 'replication')) + String(await link.call('INFO', 'keyspace')));
  } catch (err) {
    state.error = reason(err);
    return state;
  }
  for (const [key, value] of info) {
    if (/^db\d+$/.test(key)) state.keys += num(kv(value).get('keys'));
  }
  if (info.get('role') === 'master') {
    state.role = 'master';
    state.offset = num(info.get('master_repl_offset'));
    for (const [key, value] of info) {
      if (!/^slave\d+$/.test(key)) continue;
      const f = kv(value);
      state.attached.push({
        addr: { host: f.get('ip') ?? '', port: num(f.get('port')) },
        state: f.get('state') ?? '',
        offset: num(f.get('offset')),
        lagSeconds: num(f.get('lag')),
      });
    }
  } else if (info.get('role') === 'slave') {
    state.role = 'replica';
    state.offset = num(info.get('slave_repl_offset'));
    state.masterAddr = { host: info.get('master_host') ?? '', port: num(info.get('master_port')) };
    state.linkUp = info.get('master_link_status') === 'up';
    state.syncing = info.get('master_sync_in_progress') === '1';
    const down = info.get('master_link_down_since_seconds');
    state.linkDownSeconds = down === undefined || down === '-1' ? null : num(down);
  }
  return state;
}

function isUnknownMaster(err: unknown): boolean {
  return /no such master/i.test(reason(err));
}

export async function readSentinel(links: Links, addr: HostPort, masterName: string, detailed: boolean): Promise<SentinelState> {
  const state: SentinelState = { addr, error: null, master: null, replicas: [], quorum: null };
  const link = links.sentinel(addr);
  let fields: Map<string, string>;
  try {
    fields = pairs(await link.call('SENTINEL', 'MASTER', masterName));
  } catch (err) {
    if (!isUnknownMaster(err)) state.error = reason(err);
    return state;
  }
  state.master = {
    addr: { host: fields.get('ip') ?? '', port: num(fields.get('port')) },
    flags: (fields.get('flags') ?? '').split(',').filter((f) => f !== ''),
    configEpoch: num(fields.get('config-epoch')),
    quorum: num(fields.get('quorum')),
    downAfterMs: num(fields.get('down-after-milliseconds')),
    failoverTimeoutMs: num(fields.get('failover-timeout')),
    replicas: num(fields.get('num-slaves')),
    otherSentinels: num(fields.get('num-other-sentinels')),
    infoRefreshMs: num(fields.get('info-refresh'), Infinity),
  };
  if (!detailed) return state;
  try {
    const replicas = (await link.call('SENTINEL', 'REPLICAS', masterName)) as unknown[];
    state.replicas = replicas.map(pairs).map((r) => ({
      addr: { host: r.get('ip') ?? '', port: num(r.get('port')) },
      flags: (r.get('flags') ?? '').split(',').filter((f) => f !== ''),
      linkStatus: r.get('master-link-status') ?? '',
    }));
    state.quorum = { ok: true, message: String(await link.call('SENTINEL', 'CKQUORUM', masterName)) };
  } catch (err) {
    if (state.quorum === null && /NOQUORUM/.test(reason(err))) state.quorum = { ok: false, message: reason(err) };
    else state.error = reason(err);
  }
  return state;
}

/** The master the sentinels name: highest config epoch, then most votes (as the proxy decides). */
export function sentinelsMaster(sentinels: SentinelState[]): (HostPort & { votes: number; configEpoch: number }) | null {
  const answers: SentinelAnswer[] = sentinels
    .filter((s) => s.master !== null)
    .map((s) => ({ sentinel: s.addr, master: s.master!.addr, configEpoch: s.master!.configEpoch, replicas: s.master!.replicas, flags: s.master!.flags }));
  const picked = pickMaster(answers);
  return picked && { host: picked.host, port: picked.port, votes: picked.votes, configEpoch: picked.configEpoch };
}

/**
 * Tells whether two addresses name the same server: same port, and the same host text or a common
 * IP address once resolved, since a replica lists its master by the name REPLICAOF was given and a
 * master lists its replicas by IP.
 */
export class AddressBook {
  private readonly ips = new Map<string, Set<string>>();

  async learn(addrs: Iterable<HostPort>): Promise<void> {
    const hosts = new Set<string>();
    for (const a of addrs) if (!this.ips.has(a.host.toLowerCase())) hosts.add(a.host.toLowerCase());
    await Promise.all(
      [...hosts].map(async (host) => {
        if (isIP(host)) return this.ips.set(host, new Set([host]));
        try {
          this.ips.set(host, new Set((await lookup(host, { all: true })).map((r) => r.address)));
        } catch {
          this.ips.set(host, new Set());
        }
      }),
    );
  }

  same(a: HostPort | null | undefined, b: HostPort | null | undefined): boolean {
    if (!a || !b || a.port !== b.port) return false;
    const ha = a.host.toLowerCase();
    const hb = b.host.toLowerCase();
    if (ha === hb) return true;
    const ia = this.ips.get(ha);
    const ib = this.ips.get(hb);
    if (!ia || !ib) return false;
    for (const ip of ia) if (ib.has(ip)) return true;
    return false;
  }

  find<T extends { addr: HostPort }>(items: readonly T[], addr: HostPort): T | undefined {
    return items.find((item) => this.same(item.addr, addr));
  }
}

export { formatAddress };
