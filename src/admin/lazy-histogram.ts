// A prom-client histogram whose series are read at scrape time from counts the data plane keeps
// itself (typed arrays, see stats.ts): observing into prom-client per request would cost a label
// hash and an object walk on the hot path.

import { Histogram, type Registry } from 'prom-client';

export interface HistogramSeries {
  labels: Record<string, string>;
  /** Per-bucket counts, not cumulative; one more than the bounds (the last is +Inf). */
  counts: ArrayLike<number>;
  /** Where this series' counts start in `counts`. */
  offset: number;
  sum: number;
}

interface ExportedValue {
  labels: Record<string, string | number>;
  sharedLabels: Record<string, string>;
  value: number;
  metricName: string;
}

export class LazyHistogram extends Histogram<string> {
  constructor(
    private readonly metricName: string,
    private readonly metricHelp: string,
    labelNames: string[],
    private readonly bounds: readonly number[],
    private readonly read: () => Iterable<HistogramSeries>,
    registers: Registry[],
  ) {
    super({ name: metricName, help: metricHelp, labelNames, buckets: [...bounds], registers });
  }

  /**
   * What the registry renders (and prom-client's own get() builds on): the same shape prom-client's
   * Histogram produces, from `read()` instead of its observations.
   */
  async getForPromString(): Promise<{ name: string; help: string; type: string; values: ExportedValue[]; aggregator: string }> {
    const name = this.metricName;
    const values: ExportedValue[] = [];
    for (const series of this.read()) {
      let total = 0;
      for (let b = 0; b < this.bounds.length; b++) {
        total += series.counts[series.offset + b]!;
        values.push({ labels: { le: this.bounds[b]! }, sharedLabels: series.labels, value: total, metricName: `${name}_bucket` });
      }
      total += series.counts[series.offset + this.bounds.length]!;
      values.push({ labels: { le: '+Inf' }, sharedLabels: series.labels, value: total, metricName: `${name}_bucket` });
      values.push({ labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${name}_sum` });
      values.push({ labels: {}, sharedLabels: series.labels, value: total, metricName: `${name}_count` });
    }
    return { name, help: this.metricHelp, type: 'histogram', values, aggregator: 'sum' };
  }
}
