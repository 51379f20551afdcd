// The admin side of a running proxy: metrics from the data plane's counters, the group's nodes and
// the tenants' sumavlib state, served on the admin HTTP port.

import type net from 'node:net';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { keys, type Tenant } from '../state/keys.js';
import { TENANT_FIGURES } from '../state/scripts/stats.js';
import type { StateStore } from '../state/store.js';
import type { Upstream } from '../upstream/upstream.js';
import { createMetrics, type TenantFigures } from './metrics.js';
import { NodeMonitor } from './nodes.js';
import { AdminServer } from './server.js';
import type { ProxyStats } from './stats.js';

export interface AdminDeps {
  config: Config;
  logger: Logger;
  version: string;
  stats: ProxyStats;
  upstream: Upstream;
  state: StateStore;
  tenants(): readonly Tenant[];
  clients(): number;
}

export interface RunningAdmin {
  address: net.AddressInfo;
  /** From now on /readyz answers 503 (the proxy is shutting down). */
  stopping(): void;
  close(): Promise<void>;
}

/** Starts the admin listener on config.adminPort (the caller skips this when it is off). */
export async function startAdmin(deps: AdminDeps, port: number): Promise<RunningAdmin> {
  const { config, upstream, state } = deps;
  const log = deps.logger.child({ component: 'admin' });
  const nodes = new NodeMonitor({
    master: () => upstream.current(),
    username: config.upstreamUsername,
    password: config.upstreamPassword,
    timeoutMs: Math.min(config.connectTimeoutMs, 1000),
    logger: log,
  });
  const metrics = createMetrics({
    version: deps.version,
    stats: deps.stats,
    upstream,
    clients: deps.clients,
    nodes,
    tenants: () => Promise.all(deps.tenants().map((t) => tenantFigures(state, t))),
  });
  let stopping = false;
  const server = new AdminServer(
    {
      metrics: async () => ({ contentType: metrics.contentType, body: await metrics.render() }),
      unready: () => (stopping ? 'shutting down' : upstream.current() === null ? 'no master is reachable' : null),
    },
    log,
  );
  let address: net.AddressInfo;
  try {
    address = await server.listen(port, config.adminBind);
  } catch (err) {
    nodes.close();
    throw err;
  }
  log.info({ address: `${address.address}:${address.port}` }, 'admin listening');
  return {
    address,
    stopping: () => {
      stopping = true;
    },
    async close() {
      nodes.close();
      await server.close();
    },
  };
}

async function tenantFigures(state: StateStore, t: Tenant): Promise<TenantFigures> {
  const { value } = await state.run<number[]>(
    TENANT_FIGURES,
    [keys.elections(t), keys.groups(t), keys.diamonds(t), keys.diamondRev(t)],
    [keys.leader(t, ''), keys.live(t, '')],
    false,
  );
  const [held, live, configKeys, revHi, revLo] = value.map(Number) as [number, number, number, number, number];
  return { tenant: t.id, leadersHeld: held, liveHosts: live, configKeys, configRevision: revHi * 2 ** 32 + revLo };
}
