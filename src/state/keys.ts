// Every key and channel name the proxy uses is built here; nothing else concatenates a key.
// All state of tenant T lives under `suma:{T}:` (the hash tag keeps a tenant in one cluster slot).
// Times are the master's clock in ms. Scripts that must reach keys they cannot name in advance
// (the sweeper, kill) get `keys.prefix(T)` and the kind names below as arguments.

export interface Tenant {
  readonly owner: string;
  readonly business: string;
  /** `<owner>:<business>` */
  readonly id: string;
}

export function tenant(owner: string, business: string): Tenant {
  return { owner, business, id: `${owner}:${business}` };
}

const prefix = (t: Tenant): string => `suma:{${t.id}}:`;

export const keys = {
  prefix,
  /**
   * One election: hash holder, expires, ttl, since, epoch_hi, epoch_lo. Never expires: the epoch
   * fields are the election's high-water mark; expiry only removes holder/expires/ttl/since.
   */
  leader: (t: Tenant, election: string): string => `${prefix(t)}leader:${election}`,
  /** Names of every election the tenant has had: set (for kill, which must find the holder's leases). */
  elections: (t: Tenant): string => `${prefix(t)}elections`,
  /** Live hosts of one group (a group is a master_vipkey): zset vip -> expiry. */
  live: (t: Tenant, group: string): string => `${prefix(t)}live:${group}`,
  /** META JSON of the live hosts of one group: hash vip -> json. */
  liveMeta: (t: Tenant, group: string): string => `${prefix(t)}livemeta:${group}`,
  /** Heartbeat TTL of the live hosts of one group: hash vip -> ms (grace extends by it). */
  liveTtl: (t: Tenant, group: string): string => `${prefix(t)}livettl:${group}`,
  /** Names of the groups that have or had live hosts: set. */
  groups: (t: Tenant): string => `${prefix(t)}groups`,
  /** Hosts taken out of traffic, tenant-wide: hash vip -> json {reason, ts}. */
  killed: (t: Tenant): string => `${prefix(t)}killed`,
  /** Every VIP the tenant has seen (live in a group, registered, killed): set. */
  seen: (t: Tenant): string => `${prefix(t)}seen`,
  /** The registered inventory: hash vip -> json {group, meta, expires}. */
  inventory: (t: Tenant): string => `${prefix(t)}inventory`,
  /** Everything that can expire, for the sweeper: zset -> expiry; members "L|<election>", "V|<group>|<vip>", "R|<vip>". */
  expiry: (t: Tenant): string => `${prefix(t)}expiry`,
  /** Grace deadline after a master change (master clock, ms). */
  grace: (t: Tenant): string => `${prefix(t)}grace`,
  /** The Sentinel config epoch a grace was last applied for, so proxies apply it once per failover. */
  graceFor: (t: Tenant): string => `${prefix(t)}grace_for`,
  /** The tenant's event log: a stream, MAXLEN ~ 100000. */
  events: (t: Tenant): string => `${prefix(t)}events`,
} as const;

/** Reserved system channels; clients may subscribe there but not publish. */
export const SYSTEM_CHANNELS = {
  leader: '__suma.leader',
  vip: '__suma.vip',
  diamond: '__suma.diamond',
  task: '__suma.task',
} as const;

/**
 * The Redis channel for a channel name as the tenant's clients see it. One tenant per process:
 * the name itself; shared multi-tenant groups will namespace it here.
 */
export function channel(_t: Tenant, name: string): string {
  return name;
}
