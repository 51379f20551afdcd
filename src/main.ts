// Boot: config -> logger -> upstream -> command registry -> listener; nothing else.

import type { Config } from './config.js';
import type { Logger } from 'pino';

export interface RunningProxy {
  /** The bound RESP address (port is the real one when config.port was 0). */
  host: string;
  port: number;
  /** Stops accepting, closes clients and upstream connections. */
  close(): Promise<void>;
}

export async function startProxy(_config: Config, _logger?: Logger): Promise<RunningProxy> {
  throw new Error('not implemented yet');
}
