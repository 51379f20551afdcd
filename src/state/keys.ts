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
  /**
   * Sizes of the log entries that carry payloads (messages, configs, tasks): list "<seq> <bytes>",
   * oldest first, so the log can also be trimmed to a byte budget (see scripts/events.ts).
   */
  eventSizes: (t: Tenant): string => `${prefix(t)}events_sizes`,
  /** Sum of the sizes listed in eventSizes: string (integer). */
  eventBytes: (t: Tenant): string => `${prefix(t)}events_bytes`,
  /**
   * One config key: list of its last versions, newest first, each "<rev> <md5> <size> <ts> <value>";
   * the head is the current value. Deleting the config deletes the list.
   */
  diamond: (t: Tenant, key: string): string => `${prefix(t)}diamond:${key}`,
  /** Names of the tenant's config keys: zset, all scores 0 (diamond_list walks it by range or ZSCAN). */
  diamonds: (t: Tenant): string => `${prefix(t)}diamonds`,
  /** Tenant-wide config revision counter: hash hi (Sentinel config epoch), lo (counter). */
  diamondRev: (t: Tenant): string => `${prefix(t)}diamond_rev`,
  /**
   * One task: hash payload, target, mode, ttl, ts, holder, expires, done, n (claimants), and per
   * claimant "s:<vip>" status and "e:<vip>" claim lease expiry. Expires a retention after its last change.
   */
  task: (t: Tenant, id: string): string => `${prefix(t)}task:${id}`,
  /** Result JSON of each claimant of one task: hash vip -> json; expires with the task. */
  taskResults: (t: Tenant, id: string): string => `${prefix(t)}taskres:${id}`,
  /** The tenant's tasks, for the count limit: zset task_id -> when its record expires. */
  tasks: (t: Tenant): string => `${prefix(t)}tasks`,
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
