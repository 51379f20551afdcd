// What the rest of the proxy knows about the upstream: "the master", and when it changes.
// Sentinel details stay behind this interface (see sentinel.ts); a standalone address is static.

import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { HostPort } from '../config.js';

export interface MasterInfo extends HostPort {
  /** Sentinel configuration epoch of this master (0 for a standalone upstream). */
  configEpoch: number;
  /** Replicas the master had when confirmed (drives WAIT defaults later). */
  replicas: number;
}

export interface MasterSourceEvents {
  /** A confirmed master (ROLE says master), or null while none is reachable. */
  master: [current: MasterInfo | null, previous: MasterInfo | null];
}

export interface MasterSource extends EventEmitter<MasterSourceEvents> {
  /** The confirmed master, or null while none is reachable. */
  current(): MasterInfo | null;
  /** Resolves once started (not necessarily with a master: see current()). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * The data plane saw a connection to `addr` fail: forget it as master until confirmed again,
   * and re-check now instead of waiting for the timer.
   */
  reportFailure(addr: HostPort): void;
}

export function sameAddress(a: HostPort | null | undefined, b: HostPort | null | undefined): boolean {
  return !!a && !!b && a.host === b.host && a.port === b.port;
}

/**
 * A fixed standalone upstream. After the data plane reports a failure it counts as down until a
 * TCP connect succeeds again, so commands wait out the failover window instead of failing at once.
 */
export class StaticMaster extends EventEmitter<MasterSourceEvents> implements MasterSource {
  private readonly info: MasterInfo;
  private up = true;
  private probe: NodeJS.Timeout | null = null;

  constructor(
    addr: HostPort,
    private readonly probeIntervalMs = 250,
  ) {
    super();
    this.info = { host: addr.host, port: addr.port, configEpoch: 0, replicas: 0 };
  }

  current(): MasterInfo | null {
    return this.up ? this.info : null;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {
    if (this.probe) clearTimeout(this.probe);
    this.probe = null;
  }

  reportFailure(addr: HostPort): void {
    if (!this.up || !sameAddress(addr, this.info)) return;
    this.up = false;
    this.emit('master', null, this.info);
    this.scheduleProbe();
  }

  private scheduleProbe(): void {
    this.probe = setTimeout(() => {
      const socket = net.connect({ host: this.info.host, port: this.info.port });
      socket.once('connect', () => {
        socket.destroy();
        this.probe = null;
        this.up = true;
        this.emit('master', this.info, null);
      });
      socket.once('error', () => {
        socket.destroy();
        this.scheduleProbe();
      });
    }, this.probeIntervalMs);
  }
}
