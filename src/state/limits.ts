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
};
