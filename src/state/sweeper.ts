// The expiry sweeper and failover grace. Every proxy sweeps every tenant it serves: each run is one
// script per tenant, and the script removes what it reports, so proxies never report twice and
// none of them is special. Grace is applied on every new master a proxy sees; the script itself
// knows (from the config epoch stored with the data) whether it is due, so proxies apply it once.

import type { Logger } from 'pino';
import { channel, keys, SYSTEM_CHANNELS, type Tenant } from './keys.js';
import type { Limits } from './limits.js';
import { APPLY_GRACE, SWEEP } from './scripts/sweep.js';
import type { Script, StateStore } from './store.js';
import type { MasterInfo, MasterSource } from '../upstream/master-source.js';

/** Expiry members one run takes; a full batch runs again at once instead of after the interval. */
const BATCH = 500;

export class Sweeper {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private closed = false;
  private readonly onMaster = (current: MasterInfo | null): void => {
    if (current !== null) void this.applyGrace();
  };

  constructor(
    private readonly source: MasterSource,
    private readonly state: StateStore,
    private readonly tenants: () => readonly Tenant[],
    private readonly limits: Limits,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.source.on('master', this.onMaster);
    if (this.state.current() !== null) void this.applyGrace();
    this.schedule(this.limits.sweepIntervalMs);
  }

  close(): void {
    this.closed = true;
    this.source.off('master', this.onMaster);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.sweep().then((more) => this.schedule(more ? 0 : this.limits.sweepIntervalMs));
    }, delayMs);
    this.timer.unref();
  }

  /** One run over every tenant; true when some tenant had more due than one batch. */
  private async sweep(): Promise<boolean> {
    if (this.running || this.closed || this.state.current() === null) return false;
    this.running = true;
    try {
      const results = await Promise.all(this.tenants().map((t) => this.runFor<[number, number, number]>(SWEEP, t, [BATCH])));
      return results.some((r) => r !== null && Number(r[1]) >= BATCH);
    } finally {
      this.running = false;
    }
  }

  private async applyGrace(): Promise<void> {
    await Promise.all(this.tenants().map((t) => this.runFor<number>(APPLY_GRACE, t, [])));
  }

  /** Runs a tenant-wide script; failures are logged (never with names or values) and yield null. */
  private async runFor<T>(script: Script, t: Tenant, extra: (string | number)[]): Promise<T | null> {
    const master = this.state.current();
    if (master === null || this.closed) return null;
    try {
      const { value } = await this.state.run<T>(script, tenantKeys(t), [...tenantArgs(t, master, this.limits), ...extra], false);
      const graceMs = Number(Array.isArray(value) ? value[0] : value);
      if (graceMs > 0) this.logger.info({ tenant: t.id, configEpoch: master.configEpoch, graceMs }, 'failover grace applied');
      return value;
    } catch (err) {
      this.logger.debug({ tenant: t.id, script: script.name, err: errorCode(err) }, 'tenant script failed');
      return null;
    }
  }
}

/** KEYS of the tenant-wide scripts (see scripts/sweep.ts). */
function tenantKeys(t: Tenant): string[] {
  return [keys.expiry(t), keys.grace(t), keys.graceFor(t), keys.elections(t), keys.groups(t), keys.events(t)];
}

/** ARGV of the tenant-wide scripts: the key stems they extend with names read from the sets. */
function tenantArgs(t: Tenant, master: MasterInfo, limits: Limits): (string | number)[] {
  return [
    master.configEpoch,
    limits.hostTtlMs,
    keys.leader(t, ''),
    keys.live(t, ''),
    keys.liveMeta(t, ''),
    keys.liveTtl(t, ''),
    keys.inventory(t),
    channel(t, SYSTEM_CHANNELS.leader),
    channel(t, SYSTEM_CHANNELS.vip),
  ];
}

function errorCode(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return err instanceof Error ? err.name : 'unknown';
}
