// The measuring phases. Each returns plain records; the report turns them into figures.
// `bench` is { opts, direct, proxies, knownPids, progress }: direct is the master, proxies the
// other targets (suma-redis first), progress a function for one line of output.

import { measured } from './measure.mjs';
import { benchmarkArgs, configName, invocationsFor } from './options.mjs';
import { runRedisBenchmark } from './redis-benchmark.mjs';
import { call } from './resp.mjs';
import { SUMAVLIB_COMMANDS, runLoad } from './sumavlib.mjs';
import { opsText } from './stats.mjs';

/** Long enough for the slowest invocation on a loaded machine; past it the run counts as a hang. */
const INVOCATION_TIMEOUT_MS = 120_000;

/**
 * Run order for one configuration and rep: `direct suma peer1 direct suma peer2 ...` (null is
 * direct), the peers rotated by `shift`. suma-redis always runs next to a direct run.
 */
export function interleave(proxies, shift) {
  const [suma, ...peers] = proxies;
  if (peers.length === 0) return [null, suma];
  const k = shift % peers.length;
  return [...peers.slice(k), ...peers.slice(0, k)].flatMap((peer) => [null, suma, peer]);
}

function watch(bench, target) {
  return { pid: target.pid, redisPid: bench.direct.pid, knownPids: bench.knownPids };
}

async function invoke(bench, target, args) {
  return measured(() => runRedisBenchmark(target.port, args, INVOCATION_TIMEOUT_MS), watch(bench, target));
}

function summary(rows) {
  return rows.map((r) => `${r.test}=${opsText(r.rps)}`).join(' ');
}

/** Short runs through every target, unrecorded, so that the first measured run is not a JIT warm-up. */
export async function warmUp(bench) {
  for (const target of [bench.direct, ...bench.proxies]) {
    const { result } = await invoke(bench, target, ['-t', 'set,get,lrange_100', '-n', String(bench.opts.warmup), '-c', '50', '-d', '3']);
    bench.progress(`warm-up ${target.name}: ${summary(result.rows)}`);
  }
}

/** One run: FLUSHALL on the master, then both invocations against one target. */
async function matrixRun(bench, rep, cfg, target) {
  await call(bench.direct.port, ['FLUSHALL']);
  const records = [];
  for (const inv of invocationsFor(cfg, bench.opts.perTest)) {
    const m = await invoke(bench, target, benchmarkArgs(inv, cfg));
    const { rows, noise, code, timedOut } = m.result;
    records.push({ rep, cfg, target: target.name, inv: inv.tests, requests: inv.requests, rows, noise, code, timedOut,
      cpuS: m.cpuS, redisCpuS: m.redisCpuS, peakRssKiB: m.peakRssKiB, wallS: m.wallS, foreignCores: m.foreignCores });
    const trouble = timedOut ? ' HANG (killed)' : code !== 0 ? ` exit ${code}` : '';
    bench.progress(`r${rep} ${configName(cfg).padEnd(12)} ${target.name.padEnd(10)} ${inv.tests.padEnd(18)} ` +
      `${m.wallS.toFixed(1)}s cpu ${m.cpuS.toFixed(2)}s rss ${(m.peakRssKiB / 1024).toFixed(0)}MB ` +
      `other ${m.foreignCores.toFixed(2)} cores  ${summary(rows)}${trouble}`);
  }
  return records;
}

/** Reps outermost, so that a noisy minute hits one rep of every configuration, not one configuration. */
export async function runMatrix(bench) {
  const records = [];
  for (let rep = 1; rep <= bench.opts.reps; rep++) {
    for (const [ci, cfg] of bench.opts.configs.entries()) {
      for (const target of interleave(bench.proxies, rep - 1 + ci)) {
        records.push(...(await matrixRun(bench, rep, cfg, target ?? bench.direct)));
      }
    }
  }
  return records;
}

/** Unloaded round trip: one client, no pipelining, SET and GET. */
export async function runSingleClient(bench) {
  const { n, reps } = bench.opts.single;
  const records = [];
  for (let rep = 1; rep <= reps; rep++) {
    for (const target of interleave(bench.proxies, rep - 1)) {
      const t = target ?? bench.direct;
      const m = await invoke(bench, t, ['-t', 'set,get', '-n', String(n), '-c', '1', '-P', '1', '-d', '3']);
      records.push({ rep, target: t.name, rows: m.result.rows, noise: m.result.noise, timedOut: m.result.timedOut, peakRssKiB: m.peakRssKiB });
      bench.progress(`single client r${rep} ${t.name.padEnd(10)} ${m.result.rows.map((r) => `${r.test} p50=${r.p50}ms`).join(' ')}`);
    }
  }
  return records;
}

/** sumavlib commands and SET through suma-redis with the Node load generator. */
export async function runSumavlib(bench, suma) {
  const { clients, seconds, reps } = bench.opts.sumavlib;
  const records = [];
  const missing = new Set(); // an unknown command is probed once, not loaded every rep
  await call(bench.direct.port, ['FLUSHALL']);
  for (let rep = 1; rep <= reps; rep++) {
    for (const { name, command } of SUMAVLIB_COMMANDS) {
      if (missing.has(name)) continue;
      const m = await measured(() => runLoad(suma.port, command, { clients, seconds }), watch(bench, suma));
      const r = m.result;
      if (r.unknownCommand) missing.add(name);
      records.push({ rep, name, ...r, cpuS: m.cpuS, peakRssKiB: m.peakRssKiB });
      bench.progress(`sumavlib r${rep} ${name.padEnd(16)} ` +
        (r.unknownCommand ? 'not implemented' : `${opsText(r.ops / r.seconds)} ops/s, ${r.errors} errors${r.firstError ? ` (${r.firstError})` : ''}`));
    }
  }
  return records;
}
