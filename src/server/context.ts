// What every client connection shares: configuration, the upstream, the command table, and
// the hooks the listener keeps for bookkeeping.

import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { ProxyStats } from '../admin/stats.js';
import type { CommandTable } from '../registry/policy.js';
import type { Upstream } from '../upstream/upstream.js';
import type { ClientConnection } from './client.js';
import type { OutputGate } from './output-gate.js';

export interface ProxyContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly upstream: Upstream;
  readonly commands: CommandTable;
  readonly outputGate: OutputGate;
  /** Counters shown by INFO and /metrics. */
  readonly stats: ProxyStats;
  nextClientId(): number;
  checkPassword(candidate: Buffer): boolean;
  clientClosed(client: ClientConnection): void;
}
