// Limits and timings of the sumavlib commands (the spec's defaults).

export interface Limits {
  /** Names, keys and VIPs. */
  name: number;
  pattern: number;
  json: number;
  value: number;
  listReply: number;
  defaultLeaseMs: number;
  minLeaseMs: number;
  maxLeaseMs: number;
  hostTtlMs: number;
  sweepIntervalMs: number;
  /** Versions of a config key kept, the current one included. */
  diamondHistory: number;
  /** Keys in one diamond_list reply. */
  diamondList: number;
  /** A config event carries the value itself up to this many bytes. */
  eventValue: number;
  /** Bytes of payload the tenant's event log keeps, besides its MAXLEN ~ 100000 entries. */
  eventLogBytes: number;
  /** Tasks a tenant may have at once, and how long a task record outlives its last change. */
  maxTasks: number;
  taskRetentionMs: number;
}

export const DEFAULT_LIMITS: Limits = {
  name: 256,
  pattern: 256,
  json: 64 * 1024,
  value: 100 * 1024,
  listReply: 10_000,
  defaultLeaseMs: 15_000,
  minLeaseMs: 3_000,
  maxLeaseMs: 300_000,
  hostTtlMs: 15_000,
  sweepIntervalMs: 1_000,
  diamondHistory: 50,
  diamondList: 100,
  eventValue: 4 * 1024,
  eventLogBytes: 64 * 1024 * 1024,
  maxTasks: 10_000,
  taskRetentionMs: 3_600_000,
};
