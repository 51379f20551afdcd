// The data plane's view of the upstream: one shared pipelined link to the current master,
// dedicated connections for stateful sessions, and the clients waiting while no master is
// reachable. When the master changes, every connection to the old one is closed at once, so
// nothing is ever written to a node after Sentinel demoted it.

import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { asText, type Value } from '../resp/decode.js';
import { RedisError } from '../resp/errors.js';
import type { CloseReason, ConnectionEvents, ConnectionOptions, UpstreamConnection } from './connection.js';
import { sameAddress, type MasterInfo, type MasterSource } from './master-source.js';
import { SharedLink } from './shared-link.js';
import type { ProxyStats } from '../admin/stats.js';

export type MasterWaiter = () => void;

export class Upstream {
  private master: MasterInfo | null = null;
  private shared: SharedLink | null = null;
  private sharedReading = true;
  private readonly connections = new Set<UpstreamConnection>();
  private readonly waiters = new Set<MasterWaiter>();
  /** When the master became unreachable (or when we started without one). */
  private downSince: number | null = Date.now();
  private readonly options: ConnectionOptions;
  private readonly events: ConnectionEvents;
  /** redis_version of the master, for HELLO. */
  serverVersion = '7.0.0';
  failovers = 0;
  /** When a master was lost, until the next one is confirmed: the failover's duration. */
  private lostAt: number | null = null;

  constructor(
    private readonly source: MasterSource,
    private readonly config: Config,
    logger: Logger,
    private readonly stats?: ProxyStats,
  ) {
    this.options = {
      username: config.upstreamUsername,
      password: config.upstreamPassword,
      connectTimeoutMs: config.connectTimeoutMs,
      logger,
      stats,
    };
    this.events = {
      onClose: (conn, reason) => this.onConnectionClosed(conn, reason),
      onHandshake: (command, value) => this.onHandshake(command, value),
    };
    source.on('master', (current) => this.onMaster(current));
  }

  async start(): Promise<void> {
    await this.source.start();
    this.onMaster(this.source.current());
  }

  async stop(): Promise<void> {
    for (const conn of [...this.connections]) conn.close();
    await this.source.stop();
  }

  current(): MasterInfo | null {
    return this.master;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Milliseconds since the master was lost; 0 while one is reachable. */
  get downForMs(): number {
    return this.master === null && this.downSince !== null ? Date.now() - this.downSince : 0;
  }

  /**
   * One command of the proxy's own on the shared link; resolves with the raw reply frame.
   * Rejects while no master is known or when the connection drops before the reply.
   */
  query(command: Buffer): Promise<Buffer> {
    const link = this.sharedLink();
    if (link === null) return Promise.reject(new RedisError('TRYAGAIN', 'no master is reachable'));
    return new Promise((resolve, reject) => {
      const parts: Buffer[] = [];
      link.send(
        {
          deliver: (buf, start, end, frames) => {
            parts.push(Buffer.from(buf.subarray(start, end)));
            if (frames > 0) resolve(Buffer.concat(parts));
          },
          linkLost: () => reject(new RedisError('TRYAGAIN', 'upstream connection lost')),
          abort: () => reject(new RedisError('TRYAGAIN', 'upstream connection lost')),
        },
        command,
        1,
      );
    });
  }

  /** Pauses or resumes reading on the shared links (output backpressure). */
  setSharedReading(on: boolean): void {
    this.sharedReading = on;
    this.shared?.setReading(on);
  }

  /** The shared link to the current master, opened on first use; null while no master is known. */
  sharedLink(): SharedLink | null {
    const shared = this.shared;
    if (shared !== null && !shared.closed) return shared;
    const master = this.master;
    if (master === null) return null;
    const link = new SharedLink(master, this.options, this.events, [['INFO', 'server']]);
    if (!this.sharedReading) link.setReading(false);
    this.connections.add(link);
    this.shared = link;
    return link;
  }

  /** Opens a dedicated connection to the current master, or returns null while none is known. */
  dedicated<T extends UpstreamConnection>(
    make: (addr: MasterInfo, options: ConnectionOptions, events: ConnectionEvents) => T,
  ): T | null {
    const master = this.master;
    if (master === null) return null;
    const conn = make(master, this.options, this.events);
    this.connections.add(conn);
    return conn;
  }

  /**
   * Milliseconds a command may still wait for a master: the failover window counts from the
   * moment the master was lost, so a long outage answers new commands at once.
   */
  waitBudget(): number {
    if (this.downSince === null) return this.config.failoverWindowMs;
    return this.downSince + this.config.failoverWindowMs - Date.now();
  }

  /** Calls `waiter` once a master is available again; returns a function that cancels it. */
  whenMaster(waiter: MasterWaiter): () => void {
    this.waiters.add(waiter);
    return () => this.waiters.delete(waiter);
  }

  private onMaster(current: MasterInfo | null): void {
    const previous = this.master;
    if (sameAddress(previous, current)) {
      this.master = current;
      return;
    }
    this.master = current;
    const now = Date.now();
    if (previous !== null) {
      this.failovers++;
      this.lostAt ??= now;
      for (const conn of [...this.connections]) if (sameAddress(conn.addr, previous)) conn.close();
    }
    if (current === null) {
      this.downSince ??= now;
      return;
    }
    this.downSince = null;
    // A switch seen before any failure took no time without a master: it counts as 0.
    if (this.lostAt !== null) this.stats?.failover(now - this.lostAt);
    this.lostAt = null;
    this.sharedLink(); // opened now, so the first command does not wait for a connect
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiters) waiter();
  }

  private onConnectionClosed(conn: UpstreamConnection, reason: CloseReason): void {
    this.connections.delete(conn);
    if (this.shared === conn) this.shared = null;
    if (reason === 'failed' && sameAddress(conn.addr, this.master)) this.source.reportFailure(conn.addr);
  }

  private onHandshake(command: string, value: Value): void {
    if (command !== 'INFO') return;
    const version = /redis_version:([^\r\n]+)/.exec(asText(value) ?? '');
    if (version) this.serverVersion = version[1]!;
  }
}
