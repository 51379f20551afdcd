// `npm run bench [-- --quick] [--reps N] [--only c50p1] [--out FILE | --write]`: starts a local
// Sentinel group, suma-redis and the installed peer proxies, measures them against the master with
// redis-benchmark, prints a Markdown report and ends with one `ratio` line per configuration.
// See bench/README.md for what each figure means.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError, parseOptions } from './lib/options.mjs';
import { runMatrix, runSingleClient, runSumavlib, warmUp } from './lib/phases.mjs';
import { rssKiB } from './lib/procfs.mjs';
import { stopBenchmarks } from './lib/redis-benchmark.mjs';
import { markdownReport, ratioLines } from './lib/report.mjs';
import { stopLoads } from './lib/sumavlib.mjs';
import {
  directTarget, ensureBuild, isInstalled, loadGroupModule, startHaproxy, startSuma, startTwemproxy, stopTarget,
} from './lib/targets.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(ROOT, 'bench/RESULTS.md');
const started = Date.now();
let interrupted = false;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function elapsed() {
  const s = Math.round((Date.now() - started) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function progress(line) {
  if (!interrupted) process.stderr.write(`[${elapsed()}] ${line}\n`);
}

/** The local group, suma-redis and the peers that are installed; `stop()` ends them all once. */
async function startLab() {
  const groupModule = await loadGroupModule(ROOT);
  const group = await groupModule.startLocalGroup();
  const dir = mkdtempSync(join(os.tmpdir(), 'suma-bench-'));
  const lab = { group, dir, proxies: [], skipped: ['predixy: not available on this machine, skipped'] };
  let stopping;
  lab.stop = () => (stopping ??= Promise.all(lab.proxies.map(stopTarget)).then(() => group.stop()).then(() => rmSync(dir, { recursive: true, force: true })));
  try {
    const port = () => groupModule.freePort();
    lab.proxies.push(await startSuma(ROOT, group, await port(), dir));
    if (isInstalled('nutcracker')) lab.proxies.push(await startTwemproxy(group.master, await port(), await port(), dir));
    else lab.skipped.push('twemproxy: not installed, skipped');
    if (isInstalled('haproxy')) lab.proxies.push(await startHaproxy(group.master, await port(), dir));
    else lab.skipped.push('HAProxy: not installed, skipped');
  } catch (err) {
    await lab.stop();
    throw err;
  }
  return lab;
}

function rssByTarget(targets) {
  return Object.fromEntries(targets.map((t) => [t.name, rssKiB(t.pid)]));
}

function logLines(target) {
  try {
    return readFileSync(target.logFile, 'utf8').split('\n').filter((l) => l.trim() !== '');
  } catch {
    return [];
  }
}

/** The commit measured, marked when the built sources differ from it. */
function sourceVersion() {
  const git = (...args) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  const commit = git('rev-parse', '--short', 'HEAD') || 'unknown commit';
  return git('status', '--porcelain', '--', 'src', 'commands') ? `${commit} + uncommitted changes` : commit;
}

function machineMeta(opts) {
  const redis = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout ?? '';
  return {
    source: sourceVersion(),
    date: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
    cores: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
    node: process.version,
    redis: `redis-server ${/v=(\S+)/.exec(redis)?.[1] ?? '?'}`,
    args: process.argv.slice(2).join(' '),
    mode: opts.mode,
    reps: opts.reps,
    perTest: opts.perTest,
    sumavlib: opts.sumavlib,
  };
}

/** The phases in order; returns everything the report needs. */
async function measure(opts, lab) {
  const direct = directTarget(lab.group);
  const all = [direct, ...lab.proxies];
  const knownPids = [...lab.group.dataNodes(), ...lab.group.sentinels, ...lab.proxies].map((t) => t.pid);
  const bench = { opts, direct, proxies: lab.proxies, knownPids, progress };
  await sleep(2000);
  const idle = rssByTarget(all);
  progress(`idle RSS: ${all.map((t) => `${t.name} ${(idle[t.name] / 1024).toFixed(1)} MB`).join(', ')}`);
  await warmUp(bench);
  const single = await runSingleClient(bench);
  const matrix = await runMatrix(bench);
  const sumavlib = await runSumavlib(bench, lab.proxies[0]);
  await sleep(2000);
  const end = rssByTarget(all);
  return {
    targetNames: all.map((t) => t.name),
    configs: opts.configs,
    skipped: lab.skipped,
    rss: { idle, end },
    single,
    matrix,
    sumavlib,
    logs: { [lab.proxies[0].name]: logLines(lab.proxies[0]) },
  };
}

/** Ctrl-C: kill what runs, stop the lab (if it is up yet), exit 130. */
function stopOnSignals(currentLab) {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      progress(`${signal}: stopping`);
      interrupted = true;
      stopBenchmarks();
      stopLoads();
      Promise.resolve(currentLab()?.stop()).finally(() => process.exit(130));
    });
  }
}

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  if (!opts) return;
  if (ensureBuild(ROOT)) progress('built dist/');
  const meta = machineMeta(opts);
  let lab = null;
  stopOnSignals(() => lab);
  lab = await startLab();
  progress(`group up (master :${lab.group.master.port}); targets: ${lab.proxies.map((p) => `${p.name} :${p.port}`).join(', ')}`);
  let run;
  try {
    run = await measure(opts, lab);
  } finally {
    await lab.stop();
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  run.meta = { ...meta, wall: `${Math.floor(seconds / 60)} min ${seconds % 60} s` };
  const report = markdownReport(run);
  if (opts.out) writeFileSync(opts.out, report);
  if (opts.write) writeFileSync(RESULTS, report);
  process.stdout.write(report + '\n' + ratioLines(run).join('\n') + '\n');
}

main().catch((err) => {
  if (interrupted) process.exit(130);
  console.error(`bench: ${err instanceof UsageError ? err.message : err.stack ?? err.message}`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
