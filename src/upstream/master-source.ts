// What the rest of the proxy knows about the upstream: "the master", and when it changes.
// Sentinel details stay behind this interface (see sentinel.ts); a standalone address is static.

import { EventEmitter } from 'node:events';
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

/** A fixed standalone upstream: always "the master"; failures are the data plane's business. */
export class StaticMaster extends EventEmitter<MasterSourceEvents> implements MasterSource {
  private readonly info: MasterInfo;

  constructor(addr: HostPort) {
    super();
    this.info = { host: addr.host, port: addr.port, configEpoch: 0, replicas: 0 };
  }

  current(): MasterInfo | null {
    return this.info;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  reportFailure(): void {}
}
