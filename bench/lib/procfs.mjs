// Process and machine figures from /proc (Linux): CPU time in clock ticks, resident memory in KiB.

import { readFileSync } from 'node:fs';

/** USER_HZ: the unit of every tick count in /proc; 100 on every Linux build that matters here. */
export const TICKS_PER_SECOND = 100;

/** Fields of /proc/PID/stat after the command name, which may itself contain spaces. */
function statFields(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime of every thread of the process; 0 once it is gone. */
export function cpuTicks(pid) {
  try {
    const f = statFields(pid);
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

/** cutime + cstime: CPU of the children this process has already reaped (redis-benchmark). */
export function reapedChildTicks(pid = process.pid) {
  const f = statFields(pid);
  return Number(f[13]) + Number(f[14]);
}

export function rssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Non-idle ticks of all CPUs together: user nice system irq softirq steal. */
export function machineBusyTicks() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
}

/** Samples a process's RSS on a timer and keeps the peak. */
export class RssSampler {
  constructor(pid, intervalMs = 200) {
    this.pid = pid;
    this.peak = rssKiB(pid);
    this.timer = pid ? setInterval(() => this.sample(), intervalMs) : null;
  }

  sample() {
    this.peak = Math.max(this.peak, rssKiB(this.pid));
  }

  /** Takes a last sample, stops, and returns the peak in KiB. */
  stop() {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    return this.peak;
  }
}
