// What the data plane counts while it works: plain numbers and typed arrays indexed by command
// id, written on the hot path without lookups or allocation. /metrics reads them at scrape time
// (see metrics.ts); nothing here knows about prom-client.

/** Command latency buckets: upper bounds of 2^4 .. 2^23 µs (16 µs .. 8.4 s), then +Inf. */
export const LATENCY_MIN_EXP = 4;
export const LATENCY_MAX_EXP = 23;
export const LATENCY_BUCKETS = LATENCY_MAX_EXP - LATENCY_MIN_EXP + 2;

/** Upper bounds of the latency buckets in seconds, +Inf left out (as prom-client takes them). */
export const LATENCY_BOUNDS_S: readonly number[] = Array.from({ length: LATENCY_BUCKETS - 1 }, (_, i) => 2 ** (i + LATENCY_MIN_EXP) / 1e6);

/** Failover duration buckets, seconds. */
export const FAILOVER_BOUNDS_S: readonly number[] = [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 15, 20, 30, 60, 120, 300];

/** The latency bucket of a duration in ms: the first whose bound is at least the duration. */
export function latencyBucket(ms: number): number {
  const us = Math.ceil(ms * 1000);
  if (us <= 1 << LATENCY_MIN_EXP) return 0;
  if (us > 1 << LATENCY_MAX_EXP) return LATENCY_BUCKETS - 1;
  return 32 - Math.clz32(us - 1) - LATENCY_MIN_EXP;
}

export class ProxyStats {
  /** Commands read from clients (INFO's total_commands_processed). */
  commands = 0;
  connectionsReceived = 0;

  /** Label of each command id: the command table's names, then `mixed` (see MIXED). */
  names: readonly string[] = [];
  /** Calls per command id. */
  calls = new Float64Array(0);
  /** Per command id, LATENCY_BUCKETS counts (not cumulative). */
  latencyCounts = new Float64Array(0);
  /** Per command id, seconds. */
  latencySums = new Float64Array(0);
  /** Id of a run that carried different commands: its latency is not any one command's. */
  mixed = 0;

  /** Failovers completed (a master again after none), bucketed by how long the proxy had none. */
  failoverSumS = 0;
  lastFailoverS = 0;
  readonly failoverCounts = new Float64Array(FAILOVER_BOUNDS_S.length + 1);

  /** Sizes the per-command arrays for the command table's names (id = index); at boot, before serving. */
  setCommands(names: readonly string[]): void {
    this.names = [...names, 'mixed'];
    this.mixed = names.length;
    this.calls = new Float64Array(this.names.length);
    this.latencyCounts = new Float64Array(this.names.length * LATENCY_BUCKETS);
    this.latencySums = new Float64Array(this.names.length);
  }

  /**
   * `n` commands of command id `id` (or `mixed`) got their replies `ms` after they were sent:
   * one observation per command, all in the same bucket. Called once per run, not per command.
   */
  observe(id: number, ms: number, n: number): void {
    this.latencyCounts[id * LATENCY_BUCKETS + latencyBucket(ms)]! += n;
    this.latencySums[id]! += (ms / 1000) * n;
  }

  /** A failover completed: the proxy had no master for `ms`. */
  failover(ms: number): void {
    const s = ms / 1000;
    let b = 0;
    while (b < FAILOVER_BOUNDS_S.length && s > FAILOVER_BOUNDS_S[b]!) b++;
    this.failoverCounts[b]!++;
    this.failoverSumS += s;
    this.lastFailoverS = s;
  }
}
