// Boot: config -> logger -> upstream -> command registry -> listener -> admin listener; nothing else.

import { createHash, timingSafeEqual } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { startAdmin, type RunningAdmin } from './admin/admin.js';
import { ProxyStats } from './admin/stats.js';
import type { Config } from './config.js';
import { registerSumavlib } from '../commands/index.js';
import { commandCommand } from './registry/command-info.js';
import { infoCommand } from './registry/info-command.js';
import { VERSION } from './version.js';
import { CommandTable } from './registry/policy.js';
import { tenant } from './state/keys.js';
import { DEFAULT_LIMITS } from './state/limits.js';
import { StateStore } from './state/store.js';
import { Sweeper } from './state/sweeper.js';
import { Listener } from './server/listener.js';
import { OutputGate } from './server/output-gate.js';
import type { ProxyContext } from './server/context.js';
import { createMasterSource } from './upstream/sentinel.js';
import { Upstream } from './upstream/upstream.js';

export interface RunningProxy {
  /** The bound RESP address (port is the real one when config.port was 0). */
  host: string;
  port: number;
  /** The bound admin HTTP address, or null when --admin-port is off. */
  admin: { host: string; port: number } | null;
  readonly upstream: Upstream;
  /** Stops accepting, closes clients and upstream connections. */
  close(): Promise<void>;
}

export async function startProxy(config: Config, logger?: Logger): Promise<RunningProxy> {
  const log = logger ?? pino({ level: config.logLevel, base: { name: 'suma-redis' } }, pino.destination(2));
  const source = createMasterSource(config, log);
  const stats = new ProxyStats();
  const upstream = new Upstream(source, config, log, stats);
  const state = new StateStore(upstream, config);
  await upstream.start();

  const commands = new CommandTable();
  commands.addLocal(commandCommand(commands, upstream));
  commands.addLocal(
    infoCommand(upstream, {
      version: VERSION,
      startedAt: Date.now(),
      clients: () => listener.clientCount,
      commandsProcessed: () => stats.commands,
      tenants: () => 1,
    }),
  );
  const processTenant = tenant(config.tenantOwner, config.tenantBusiness);
  registerSumavlib(commands, { tenantOf: () => processTenant, state, limits: DEFAULT_LIMITS });
  stats.setCommands(commands.names);
  let nextId = 0;
  const passwordDigest = config.clientPassword === undefined ? null : sha256(Buffer.from(config.clientPassword, 'utf8'));
  const ctx: ProxyContext = {
    config,
    logger: log,
    upstream,
    commands,
    stats,
    outputGate: new OutputGate(config.outputHighWater, (on) => upstream.setSharedReading(on)),
    nextClientId: () => ++nextId,
    checkPassword: (candidate) => passwordDigest !== null && timingSafeEqual(sha256(candidate), passwordDigest),
    clientClosed: (client) => listener.forget(client),
  };
  const listener = new Listener(ctx);
  let address;
  try {
    address = await listener.listen(config.port, config.bind);
  } catch (err) {
    await state.close();
    await upstream.stop();
    throw err;
  }
  log.info({ address: `${address.address}:${address.port}` }, 'listening');
  let admin: RunningAdmin | null = null;
  if (config.adminPort !== null) {
    const deps = { config, logger: log, version: VERSION, stats, upstream, state, tenants: () => [processTenant], clients: () => listener.clientCount };
    try {
      admin = await startAdmin(deps, config.adminPort);
    } catch (err) {
      await listener.close(0);
      await state.close();
      await upstream.stop();
      throw err;
    }
  }
  // Expiry of leases and hosts, and failover grace, for every tenant this process serves.
  const sweeper = new Sweeper(source, state, () => [processTenant], DEFAULT_LIMITS, log);
  sweeper.start();
  return {
    host: address.address,
    port: address.port,
    admin: admin && { host: admin.address.address, port: admin.address.port },
    upstream,
    async close() {
      admin?.stopping();
      await listener.close(config.shutdownTimeoutMs);
      await admin?.close();
      sweeper.close();
      await state.close();
      await upstream.stop();
    },
  };
}

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}
