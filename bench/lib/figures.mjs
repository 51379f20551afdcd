// Figures derived from the raw records: medians over reps, ratios to direct, CPU per request.

import { TESTS, configName } from './options.mjs';
import { geomean, median } from './stats.mjs';

const MAIN_INVOCATION = 'set,get,incr,lpush';

export class MatrixFigures {
  constructor(records) {
    this.records = records;
    this.rowsByCell = new Map();
    for (const rec of records) {
      for (const row of rec.rows) {
        const key = this.key(rec.cfg, rec.target, row.test);
        if (!this.rowsByCell.has(key)) this.rowsByCell.set(key, []);
        this.rowsByCell.get(key).push(row);
      }
    }
  }

  key(cfg, target, test) {
    return `${configName(cfg)}|${target}|${test}`;
  }

  rows(cfg, target, test) {
    return this.rowsByCell.get(this.key(cfg, target, test)) ?? [];
  }

  /** Median over reps of one column (rps, p50, p99 ...). */
  median(cfg, target, test, column) {
    return median(this.rows(cfg, target, test).map((r) => r[column]));
  }

  ratio(cfg, target, test) {
    return this.median(cfg, target, test, 'rps') / this.median(cfg, 'direct', test, 'rps');
  }

  /** Geometric mean over the tests of the ratio to direct; NaN when a test has no result. */
  ratioGeomean(cfg, target) {
    return geomean(TESTS.map((test) => this.ratio(cfg, target, test)));
  }

  /** p50 of the target minus p50 of direct, ms. */
  addedP50(cfg, target, test) {
    return this.median(cfg, target, test, 'p50') - this.median(cfg, 'direct', test, 'p50');
  }

  /** Invocation records of one configuration and target; of one invocation when `inv` is given. */
  runs(cfg, target, inv) {
    return this.records.filter((r) => configName(r.cfg) === configName(cfg) && r.target === target && (inv === undefined || r.inv === inv));
  }

  /**
   * CPU µs per request, median over the runs that completed. `main` picks the SET/GET/INCR/LPUSH
   * invocation, otherwise the LRANGE_100 one. For direct, the process is redis-server.
   */
  cpuPerRequest(cfg, target, main = true, column = 'cpuS') {
    const runs = this.runs(cfg, target, main ? MAIN_INVOCATION : 'lrange_100').filter((r) => r.code === 0 && !r.timedOut);
    return median(runs.map((r) => (r[column] / r.requests) * 1e6));
  }

  peakRssKiB(cfg, target) {
    return Math.max(0, ...this.runs(cfg, target).map((r) => r.peakRssKiB));
  }
}

/** Median p50 over reps, per target and test, for the single-client pass. */
export function singleClientP50(records, target, test) {
  return median(records.filter((r) => r.target === target).flatMap((r) => r.rows.filter((x) => x.test === test).map((x) => x.p50)));
}

/** Per sumavlib command: median ops/s and proxy CPU µs per request, or the reason there is none. */
export function sumavlibFigures(records) {
  const out = new Map();
  for (const rec of records) {
    if (!out.has(rec.name)) out.set(rec.name, { runs: [] });
    const entry = out.get(rec.name);
    if (rec.unknownCommand) entry.unknownCommand = rec.unknownCommand;
    else entry.runs.push(rec);
  }
  for (const entry of out.values()) {
    entry.opsPerSec = median(entry.runs.map((r) => r.ops / r.seconds));
    entry.cpuPerRequest = median(entry.runs.map((r) => (r.cpuS / r.ops) * 1e6));
    entry.errors = entry.runs.reduce((sum, r) => sum + r.errors, 0);
    entry.firstError = entry.runs.find((r) => r.firstError)?.firstError;
  }
  return out;
}
