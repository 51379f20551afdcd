// Everything /metrics shows, in one prom-client registry of its own: the proxy (commands, latency,
// connections, failovers), the sumavlib state of the tenant, and each Redis node of the group named
// as redis_exporter names the same figures, with a `node` label. Values are read at scrape time.

import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Upstream } from '../upstream/upstream.js';
import { LazyHistogram, type HistogramSeries } from './lazy-histogram.js';
import type { NodeMonitor, NodeReport } from './nodes.js';
import { FAILOVER_BOUNDS_S, LATENCY_BOUNDS_S, LATENCY_BUCKETS, type ProxyStats } from './stats.js';

/** The sumavlib figures of one tenant, or null while they cannot be read. */
export interface TenantFigures {
  tenant: string;
  leadersHeld: number;
  liveHosts: number;
  configKeys: number;
  /** The tenant's latest config revision (hi * 2^32 + lo, as sumavlib.diamond_* return it). */
  configRevision: number;
}

export interface MetricSources {
  version: string;
  stats: ProxyStats;
  upstream: Upstream;
  clients(): number;
  nodes: NodeMonitor;
  /** Reads the tenants' figures (a script on the master); rejects or yields [] while it cannot. */
  tenants(): Promise<TenantFigures[]>;
}

export interface Metrics {
  readonly registry: Registry;
  /** Polls what is read over the network (nodes, sumavlib state), then renders the registry. */
  render(): Promise<string>;
  readonly contentType: string;
}

/** How long a scrape waits for the network figures before rendering without them. */
const FIGURES_TIMEOUT_MS = 2000;

export function createMetrics(src: MetricSources): Metrics {
  const registry = new Registry();
  const { stats, upstream } = src;
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  // ---------------------------------------------------------------- the proxy

  new Gauge({
    name: 'suma_redis_build_info',
    help: 'suma-redis version; always 1',
    labelNames: ['version'],
    registers,
    collect() {
      this.set({ version: src.version }, 1);
    },
  });
  new Gauge({
    name: 'suma_redis_connected_clients',
    help: 'Client connections open now',
    registers,
    collect() {
      this.set(src.clients());
    },
  });
  new Counter({
    name: 'suma_redis_connections_received_total',
    help: 'Client connections accepted',
    registers,
    collect() {
      setCounter(this, stats.connectionsReceived);
    },
  });
  new Counter({
    name: 'suma_redis_commands_processed_total',
    help: 'Commands read from clients',
    registers,
    collect() {
      setCounter(this, stats.commands);
    },
  });
  new Counter({
    name: 'suma_redis_commands_total',
    help: 'Commands read from clients, by command (other: names Redis does not define)',
    labelNames: ['cmd'],
    registers,
    collect() {
      this.reset();
      const { calls, names } = stats;
      for (let id = 0; id < calls.length; id++) if (calls[id]! > 0) this.inc({ cmd: names[id]! }, calls[id]!);
    },
  });
  new LazyHistogram(
    'suma_redis_command_duration_seconds',
    'From sending a command upstream to its reply (the proxy\'s own commands: to their result), by command; ' +
      'measured per pipelined run, so each command of a run counts the time of its last reply (mixed: runs of different commands)',
    ['cmd'],
    LATENCY_BOUNDS_S,
    function* () {
      const { latencyCounts, latencySums, names } = stats;
      for (let id = 0; id < latencySums.length; id++) {
        const offset = id * LATENCY_BUCKETS;
        let any = false;
        for (let b = 0; b < LATENCY_BUCKETS && !any; b++) any = latencyCounts[offset + b]! > 0;
        if (any) yield { labels: { cmd: names[id]! }, counts: latencyCounts, offset, sum: latencySums[id]! } satisfies HistogramSeries;
      }
    },
    registers,
  );

  new Gauge({
    name: 'suma_redis_upstream_connections',
    help: 'Connections open to the master: the shared pipelined links and the client sessions\' own',
    registers,
    collect() {
      this.set(upstream.connectionCount);
    },
  });
  new Gauge({
    name: 'suma_redis_master_up',
    help: '1 while a confirmed master is reachable, else 0',
    registers,
    collect() {
      this.set(upstream.current() === null ? 0 : 1);
    },
  });
  new Gauge({
    name: 'suma_redis_master_info',
    help: 'The master the proxy forwards to; always 1 while there is one',
    labelNames: ['master_host', 'master_port', 'config_epoch'],
    registers,
    collect() {
      this.reset();
      const master = upstream.current();
      if (master !== null) this.set({ master_host: master.host, master_port: String(master.port), config_epoch: String(master.configEpoch) }, 1);
    },
  });
  new Gauge({
    name: 'suma_redis_no_master_seconds',
    help: 'How long no master has been reachable; 0 while one is',
    registers,
    collect() {
      this.set(upstream.downForMs / 1000);
    },
  });
  new Counter({
    name: 'suma_redis_failovers_total',
    help: 'Times the master was lost or changed',
    registers,
    collect() {
      setCounter(this, upstream.failovers);
    },
  });
  new LazyHistogram(
    'suma_redis_failover_duration_seconds',
    'Each completed failover: the time without a master, from losing the old one to confirming the new one',
    [],
    FAILOVER_BOUNDS_S,
    () => [{ labels: {}, counts: stats.failoverCounts, offset: 0, sum: stats.failoverSumS }],
    registers,
  );
  new Gauge({
    name: 'suma_redis_last_failover_duration_seconds',
    help: 'The time without a master in the last completed failover',
    registers,
    collect() {
      this.set(stats.lastFailoverS);
    },
  });

  // ---------------------------------------------------------------- sumavlib state

  let tenants: TenantFigures[] = [];
  const tenantGauge = (name: string, help: string, pick: (t: TenantFigures) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['tenant'],
      registers,
      collect() {
        this.reset();
        for (const t of tenants) this.set({ tenant: t.tenant }, pick(t));
      },
    });
  };
  tenantGauge('suma_redis_leaders_held', 'Elections with a current leader', (t) => t.leadersHeld);
  tenantGauge('suma_redis_live_hosts', 'Hosts whose heartbeat has not expired, over all groups', (t) => t.liveHosts);
  tenantGauge('suma_redis_config_keys', 'Configuration keys published (diamond)', (t) => t.configKeys);
  tenantGauge('suma_redis_config_revision', 'The latest configuration revision handed out; it moves with every change', (t) => t.configRevision);

  // ---------------------------------------------------------------- the group's nodes (redis_exporter names)

  let nodes: readonly NodeReport[] = [];
  const nodeGauge = (name: string, help: string, field: string, scale = 1): void => {
    new Gauge({
      name,
      help,
      labelNames: ['node'],
      registers,
      collect() {
        this.reset();
        for (const n of nodes) {
          const value = Number(n.info.get(field));
          if (n.up && Number.isFinite(value)) this.set({ node: n.node }, value * scale);
        }
      },
    });
  };
  new Gauge({
    name: 'redis_up',
    help: 'Whether the node answered INFO',
    labelNames: ['node'],
    registers,
    collect() {
      this.reset();
      for (const n of nodes) this.set({ node: n.node }, n.up ? 1 : 0);
    },
  });
  new Gauge({
    name: 'redis_instance_info',
    help: 'The node\'s role and version; always 1',
    labelNames: ['node', 'role', 'redis_version'],
    registers,
    collect() {
      this.reset();
      for (const n of nodes) if (n.up) this.set({ node: n.node, role: n.info.get('role') ?? '', redis_version: n.info.get('redis_version') ?? '' }, 1);
    },
  });
  nodeGauge('redis_connected_clients', 'Client connections of the node', 'connected_clients');
  nodeGauge('redis_memory_used_bytes', 'used_memory of the node', 'used_memory');
  nodeGauge('redis_memory_max_bytes', 'maxmemory of the node (0: no limit)', 'maxmemory');
  nodeGauge('redis_uptime_in_seconds', 'Uptime of the node', 'uptime_in_seconds');
  nodeGauge('redis_connected_slaves', 'Replicas connected to the node', 'connected_slaves');
  nodeGauge('redis_master_repl_offset', 'Replication offset of the node', 'master_repl_offset');
  const replicaGauge = (name: string, help: string, pick: (r: NodeReport['replicas'][number]) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['node', 'slave_ip', 'slave_port', 'slave_state'],
      registers,
      collect() {
        this.reset();
        for (const n of nodes) for (const r of n.replicas) this.set({ node: n.node, slave_ip: r.ip, slave_port: r.port, slave_state: r.state }, pick(r));
      },
    });
  };
  replicaGauge('redis_connected_slave_offset_bytes', 'Replication offset of each replica, as its master reports it', (r) => r.offset);
  replicaGauge('redis_connected_slave_lag_seconds', 'Seconds since each replica last acknowledged, as its master reports it', (r) => r.lag);
  const ofReplica = (name: string, help: string, value: (n: NodeReport) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['node', 'master_host', 'master_port'],
      registers,
      collect() {
        this.reset();
        for (const n of nodes) {
          if (!n.up || n.info.get('role') !== 'slave') continue;
          const v = value(n);
          if (Number.isFinite(v)) this.set({ node: n.node, master_host: n.info.get('master_host') ?? '', master_port: n.info.get('master_port') ?? '' }, v);
        }
      },
    });
  };
  ofReplica('redis_slave_repl_offset', 'Replication offset a replica has processed', (n) => Number(n.info.get('slave_repl_offset')));
  ofReplica('redis_master_link_up', 'Whether a replica\'s link to its master is up', (n) => (n.info.get('master_link_status') === 'up' ? 1 : 0));
  ofReplica('redis_master_last_io_seconds_ago', 'Seconds since a replica last heard from its master', (n) => Number(n.info.get('master_last_io_seconds_ago')));

  return {
    registry,
    contentType: registry.contentType,
    async render() {
      const [nodeReports, figures] = await Promise.all([
        bounded(src.nodes.poll(), FIGURES_TIMEOUT_MS, src.nodes.latest),
        bounded(src.tenants(), FIGURES_TIMEOUT_MS, [] as TenantFigures[]),
      ]);
      nodes = nodeReports;
      tenants = figures;
      return registry.metrics();
    },
  };
}

/** A counter that mirrors a total kept elsewhere. */
function setCounter(counter: Counter, total: number): void {
  counter.reset();
  counter.inc(total);
}

/** The promise's value, or `fallback` when it fails or takes longer than `ms`. */
function bounded<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  return Promise.race([promise.catch(() => fallback), late]).finally(() => clearTimeout(timer));
}
