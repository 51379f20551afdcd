// The Redis nodes of the group as /metrics shows them: INFO of the master and of every replica the
// master lists, polled when /metrics is scraped (at most once a second). Nodes seen before keep
// being asked for a while, so a master that died in a failover shows as down instead of vanishing.

import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { HostPort } from '../config.js';

export interface ReplicaLine {
  ip: string;
  port: string;
  state: string;
  offset: number;
  lag: number;
}

export interface NodeReport {
  /** `host:port`, the `node` label. */
  node: string;
  up: boolean;
  /** INFO fields (empty while down). */
  info: Map<string, string>;
  /** The `slaveN:` lines of a master. */
  replicas: ReplicaLine[];
}

/** INFO's `field:value` lines. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** A master's `slave0:ip=...,port=...,state=online,offset=...,lag=...` lines. */
export function replicaLines(info: Map<string, string>): ReplicaLine[] {
  const out: ReplicaLine[] = [];
  for (const [key, value] of info) {
    if (!/^slave\d+$/.test(key)) continue;
    const f = new Map(value.split(',').map((kv) => kv.split('=', 2) as [string, string]));
    const ip = f.get('ip');
    const port = f.get('port');
    if (ip === undefined || port === undefined) continue;
    out.push({ ip, port, state: f.get('state') ?? '', offset: Number(f.get('offset') ?? 0), lag: Number(f.get('lag') ?? 0) });
  }
  return out;
}

function label(addr: HostPort): string {
  return addr.host.includes(':') ? `[${addr.host}]:${addr.port}` : `${addr.host}:${addr.port}`;
}

export interface NodeMonitorOptions {
  /** The current master, or null. */
  master(): HostPort | null;
  username: string | undefined;
  password: string | undefined;
  /** Bounds each connect and each INFO, so a stopped node costs one timeout per poll. */
  timeoutMs: number;
  logger: Logger;
}

/** A node not seen up for this long is no longer asked. */
const FORGET_AFTER_MS = 10 * 60_000;
/** Polls closer together than this return the last result (several scrapers, or a curl loop). */
const MIN_POLL_INTERVAL_MS = 1000;

interface Known {
  addr: HostPort;
  lastUp: number;
  client: Redis | null;
}

export class NodeMonitor {
  private readonly known = new Map<string, Known>();
  private last: NodeReport[] = [];
  private lastAt = -Infinity;
  private running: Promise<NodeReport[]> | null = null;
  private closed = false;

  constructor(private readonly opts: NodeMonitorOptions) {}

  /** The latest reports, polling first unless the last poll is recent. */
  poll(): Promise<NodeReport[]> {
    if (this.closed) return Promise.resolve([]);
    if (performance.now() - this.lastAt < MIN_POLL_INTERVAL_MS) return Promise.resolve(this.last);
    this.running ??= this.pollNow().finally(() => {
      this.running = null;
      this.lastAt = performance.now();
    });
    return this.running;
  }

  /** What the last poll found. */
  get latest(): readonly NodeReport[] {
    return this.last;
  }

  close(): void {
    this.closed = true;
    for (const k of this.known.values()) k.client?.disconnect();
    this.known.clear();
  }

  private async pollNow(): Promise<NodeReport[]> {
    const master = this.opts.master();
    if (master !== null) this.remember(master);
    const asked = new Set<string>();
    const reports: NodeReport[] = [];
    const ask = async (key: string): Promise<void> => {
      asked.add(key);
      const report = await this.report(this.known.get(key)!);
      reports.push(report);
      for (const r of report.replicas) {
        const addr = { host: r.ip, port: Number(r.port) };
        const rkey = this.remember(addr);
        if (!asked.has(rkey)) await ask(rkey);
      }
    };
    await Promise.all([...this.known.keys()].map((key) => ask(key)));
    const now = Date.now();
    for (const [key, k] of this.known) {
      if (now - k.lastUp > FORGET_AFTER_MS && !(master && label(master) === key)) {
        k.client?.disconnect();
        this.known.delete(key);
      }
    }
    if (this.closed) return [];
    reports.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
    this.last = reports.filter((r) => this.known.has(r.node));
    return this.last;
  }

  private remember(addr: HostPort): string {
    const key = label(addr);
    if (!this.known.has(key)) this.known.set(key, { addr: { host: addr.host, port: addr.port }, lastUp: Date.now(), client: null });
    return key;
  }

  private async report(k: Known): Promise<NodeReport> {
    const node = label(k.addr);
    try {
      const info = parseInfo(await this.info(k));
      k.lastUp = Date.now();
      return { node, up: true, info, replicas: info.get('role') === 'master' ? replicaLines(info) : [] };
    } catch (err) {
      this.opts.logger.debug({ node, err: (err as Error).message }, 'node INFO failed');
      k.client?.disconnect();
      k.client = null;
      return { node, up: false, info: new Map(), replicas: [] };
    }
  }

  private async info(k: Known): Promise<string> {
    if (k.client === null) {
      const client = new Redis({
        host: k.addr.host,
        port: k.addr.port,
        username: this.opts.username,
        password: this.opts.password,
        connectionName: 'suma-redis:metrics',
        lazyConnect: true,
        enableReadyCheck: false,
        enableOfflineQueue: false,
        disableClientInfo: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        connectTimeout: this.opts.timeoutMs,
        commandTimeout: this.opts.timeoutMs,
      });
      client.on('error', () => {});
      k.client = client;
      await client.connect();
    }
    return await k.client.info();
  }
}
