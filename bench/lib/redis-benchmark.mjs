// One redis-benchmark invocation, its --csv output parsed into rows; anything else it printed is
// kept as `noise` so that errors seen through a proxy end up in the report.

import { spawn } from 'node:child_process';

let running = null;
let stopped = false;

/** Kills the invocation in flight and refuses new ones (SIGINT handling). */
export function stopBenchmarks() {
  stopped = true;
  running?.kill('SIGKILL');
}

/** Test names as printed: "LRANGE_100 (first 100 elements)" -> "LRANGE_100". */
const shortName = (test) => test.split(' ')[0];

export function parseCsv(text) {
  const rows = [];
  const noise = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('"test"')) continue;
    const f = line.split('","').map((s) => s.replace(/"/g, ''));
    if (!line.startsWith('"') || f.length < 8) {
      noise.push(line.trim());
      continue;
    }
    // The LPUSH that fills the list before LRANGE is setup, not a result.
    if (f[0].startsWith('LPUSH (needed')) continue;
    const [rps, avg, min, p50, p95, p99, max] = f.slice(1, 8).map(Number);
    rows.push({ test: shortName(f[0]), rps, avg, min, p50, p95, p99, max });
  }
  return { rows, noise };
}

/**
 * Runs `redis-benchmark -h 127.0.0.1 -p PORT ARGS --csv`.
 * Resolves with { rows, noise, code, timedOut }; never rejects on a benchmark failure.
 */
export function runRedisBenchmark(port, args, timeoutMs) {
  if (stopped) return Promise.reject(new Error('interrupted'));
  return new Promise((resolve, reject) => {
    const child = spawn('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), ...args, '--csv']);
    running = child;
    let out = '';
    let err = '';
    let timedOut = false;
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.once('error', reject);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      running = null;
      const { rows, noise } = parseCsv(out);
      for (const line of err.split('\n')) if (line.trim()) noise.push(line.trim());
      resolve({ rows, noise, code, timedOut });
    });
  });
}
