// Accounting around one load run: the CPU the measured process and redis-server used, the peak
// RSS of the measured process, and how busy the rest of the machine was meanwhile.

import { RssSampler, TICKS_PER_SECOND, cpuTicks, machineBusyTicks, reapedChildTicks } from './procfs.mjs';

const sumTicks = (pids) => pids.reduce((sum, pid) => sum + cpuTicks(pid), 0);

/**
 * Runs `work` while watching `pid` (the process under test) and `redisPid` (the master).
 * `knownPids`: every process of the bench, so that the remaining CPU can be called foreign.
 */
export async function measured(work, { pid, redisPid, knownPids }) {
  const before = {
    cpu: cpuTicks(pid),
    redis: cpuTicks(redisPid),
    known: sumTicks(knownPids),
    children: reapedChildTicks(),
    self: process.cpuUsage(),
    busy: machineBusyTicks(),
    time: process.hrtime.bigint(),
  };
  const rss = new RssSampler(pid);
  let result;
  try {
    result = await work();
  } finally {
    rss.stop();
  }
  const wallS = Number(process.hrtime.bigint() - before.time) / 1e9;
  const self = process.cpuUsage(before.self);
  const ticks = {
    cpu: cpuTicks(pid) - before.cpu,
    redis: cpuTicks(redisPid) - before.redis,
    known: sumTicks(knownPids) - before.known,
    children: reapedChildTicks() - before.children,
    busy: machineBusyTicks() - before.busy,
  };
  const selfS = (self.user + self.system) / 1e6;
  const foreignS = (ticks.busy - ticks.known - ticks.children) / TICKS_PER_SECOND - selfS;
  return {
    result,
    wallS,
    cpuS: ticks.cpu / TICKS_PER_SECOND,
    redisCpuS: ticks.redis / TICKS_PER_SECOND,
    peakRssKiB: rss.peak,
    foreignCores: Math.max(0, foreignS / wallS),
  };
}
