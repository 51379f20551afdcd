// The Markdown report and the closing `ratio` lines.

import { MatrixFigures, singleClientP50, sumavlibFigures } from './figures.mjs';
import { TESTS, configName, ratioKey } from './options.mjs';
import { fixed, median, mib, opsText } from './stats.mjs';

const SUMA = 'suma-redis';

/** suma-redis goals, from the issue: ratio to direct per clients and pipeline, any value size. */
const RATIO_GOALS = [
  { c: 50, P: 1, min: 0.92 }, { c: 200, P: 1, min: 0.85 }, { c: 50, P: 16, min: 0.75 }, { c: 200, P: 16, min: 0.8 },
];
const CPU_GOALS = [{ c: 50, P: 1, d: 3, max: 13 }, { c: 50, P: 16, d: 3, max: 1.4 }, { c: 200, P: 16, d: 3, max: 1.4 }];
const ADDED_P50_LOADED_MAX_MS = 0.15;
const ADDED_P50_SINGLE_MAX_US = 40;
const RSS_IDLE_MAX_MB = 50;
const RSS_BENCH_MAX_MB = 150;

const ratioGoal = (cfg) => RATIO_GOALS.find((g) => g.c === cfg.c && g.P === cfg.P)?.min;
const verdict = (ok) => (ok === undefined || Number.isNaN(ok) ? 'not measured' : ok ? 'met' : '**missed**');
/** Markdown table; the first column and any column headed in `textColumns` are left-aligned. */
const table = (header, rows, textColumns = []) => {
  const align = header.map((h, i) => (i === 0 || textColumns.includes(h) ? '---' : '---:'));
  return [`| ${header.join(' | ')} |`, `|${align.join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
};
const configTitle = ({ c, P, d }) => `${c} clients, pipeline ${P}, ${d}-byte values`;
const sameConfig = (a, b) => Object.entries(b).every(([k, v]) => k === 'max' || a[k] === v);

function header(run) {
  const m = run.meta;
  const peers = run.targetNames.filter((t) => t !== 'direct' && t !== SUMA);
  return [
    '# suma-redis benchmark',
    '',
    `${m.date} · suma-redis ${m.source} · ${m.cores} cores (${m.cpuModel}) · Node ${m.node} · ${m.redis} · \`npm run bench${m.args ? ' -- ' + m.args : ''}\` (${m.mode}, ${m.reps} rep${m.reps > 1 ? 's' : ''}) · wall time ${m.wall}`,
    '',
    `Targets: **direct** = the local group's master (2 replicas and 3 sentinels attached, as \`suma-redis up\` starts them); ` +
      `**suma-redis** through the group's sentinels${peers.length ? `; ${peers.join(', ')} in front of the same master` : ''}. ` +
      run.skipped.map((s) => `${s}.`).join(' '),
    '',
    `redis-benchmark requests per test: ${m.perTest.P1} at pipeline 1, ${m.perTest.P16} at pipeline 16, ${m.perTest.lrangeBig} for LRANGE_100 with 1 024-byte values. ` +
      'Order per configuration and rep: direct, suma-redis, peer, direct, suma-redis, other peer. ' +
      'Every figure is a median over the runs; ratios are to direct measured in the same run (see bench/README.md).',
  ].join('\n');
}

function ratioSection(fig, run) {
  const peers = run.targetNames.filter((t) => t !== 'direct' && t !== SUMA);
  const rows = run.configs.map((cfg) => {
    const suma = fig.ratioGeomean(cfg, SUMA);
    const goal = ratioGoal(cfg);
    return [configName(cfg), `**${fixed(suma, 2)}**`, `≥ ${goal} ${verdict(suma >= goal)}`, ...peers.map((p) => fixed(fig.ratioGeomean(cfg, p), 2))];
  });
  return `## Throughput ratio to direct (geometric mean over ${TESTS.join(', ')})\n\n` +
    table(['config', SUMA, 'goal', ...peers], rows, ['goal']);
}

function goalsSection(fig, run) {
  const rows = [];
  for (const cfg of run.configs) {
    const r = fig.ratioGeomean(cfg, SUMA);
    rows.push([`ratio ${configName(cfg)} ≥ ${ratioGoal(cfg)}`, fixed(r, 2), verdict(r >= ratioGoal(cfg))]);
  }
  for (const g of CPU_GOALS) {
    const cfg = run.configs.find((c) => sameConfig(c, g));
    const v = cfg ? fig.cpuPerRequest(cfg, SUMA) : NaN;
    rows.push([`proxy CPU ${configName(g)} ≤ ${g.max} µs/req`, fixed(v, 2), verdict(cfg && v <= g.max)]);
  }
  const loaded = loadedAddedP50(fig, run);
  rows.push([`added p50, c50p1d3 ≤ ${ADDED_P50_LOADED_MAX_MS} ms (median over tests)`, fixed(loaded, 3) + ' ms', verdict(loaded <= ADDED_P50_LOADED_MAX_MS)]);
  const single = singleAddedP50Us(run.single, SUMA);
  rows.push([`added p50, 1 client ≤ ${ADDED_P50_SINGLE_MAX_US} µs (mean of SET, GET)`, fixed(single, 0) + ' µs', verdict(single <= ADDED_P50_SINGLE_MAX_US)]);
  const idle = mib(run.rss.idle[SUMA]);
  rows.push([`RSS idle ≤ ${RSS_IDLE_MAX_MB} MB`, fixed(idle, 0) + ' MB', verdict(idle <= RSS_IDLE_MAX_MB)]);
  const peak = mib(benchPeakRss(fig, run, SUMA));
  rows.push([`RSS under the whole bench ≤ ${RSS_BENCH_MAX_MB} MB`, fixed(peak, 0) + ' MB', verdict(peak <= RSS_BENCH_MAX_MB)]);
  return `## suma-redis against its goals\n\n${table(['goal', 'measured', 'verdict'], rows, ['verdict'])}`;
}

function loadedAddedP50(fig, run) {
  const cfg = run.configs.find((c) => c.c === 50 && c.P === 1 && c.d === 3);
  return cfg ? median(TESTS.map((t) => fig.addedP50(cfg, SUMA, t))) : NaN;
}

function singleAddedP50Us(records, target) {
  const adds = ['SET', 'GET'].map((t) => singleClientP50(records, target, t) - singleClientP50(records, 'direct', t));
  return ((adds[0] + adds[1]) / 2) * 1000;
}

function benchPeakRss(fig, run, target) {
  const phases = [...run.single.filter((r) => r.target === target), ...(target === SUMA ? run.sumavlib : [])];
  return Math.max(...run.configs.map((cfg) => fig.peakRssKiB(cfg, target)), ...phases.map((r) => r.peakRssKiB));
}

function cell(fig, cfg, target, test) {
  const ops = fig.median(cfg, target, test, 'rps');
  const ratio = target === 'direct' ? '' : ` ×${fixed(fig.ratio(cfg, target, test), 2)}`;
  return `${opsText(ops)}${ratio} · ${fixed(fig.median(cfg, target, test, 'p50'), 2)}/${fixed(fig.median(cfg, target, test, 'p99'), 2)}`;
}

function configSection(fig, run, cfg) {
  const rows = run.targetNames.map((t) => [
    t,
    ...TESTS.map((test) => cell(fig, cfg, t, test)),
    t === 'direct' ? '' : fixed(fig.ratioGeomean(cfg, t), 2),
    t === 'direct' ? '' : `${fixed(fig.cpuPerRequest(cfg, t), 1)} / ${fixed(fig.cpuPerRequest(cfg, t, false), 1)}`,
    `${fixed(fig.cpuPerRequest(cfg, t, true, 'redisCpuS'), 1)} / ${fixed(fig.cpuPerRequest(cfg, t, false, 'redisCpuS'), 1)}`,
    fixed(mib(fig.peakRssKiB(cfg, t)), 0),
  ]);
  return `### ${configTitle(cfg)} (${configName(cfg)})\n\n` +
    table(['target', ...TESTS, 'ratio', 'CPU µs/req', 'redis µs/req', 'RSS MB'], rows);
}

function perConfigSection(fig, run) {
  return [
    '## Per configuration',
    '',
    'Cells: ops/s ×ratio to direct · p50/p99 latency in ms. "ratio": geometric mean over the tests. ' +
      '"CPU µs/req": CPU time (user+sys) of the proxy per request, SET/GET/INCR/LPUSH invocation / LRANGE_100 invocation ' +
      '(its LPUSH fill included). "redis µs/req": the same for the master behind that target. ' +
      '"RSS MB": peak resident memory of the proxy (of redis-server for direct) during the configuration.',
    ...run.configs.map((cfg) => '\n' + configSection(fig, run, cfg)),
  ].join('\n');
}

function latencySection(fig, run) {
  const proxies = run.targetNames.filter((t) => t !== 'direct');
  const parts = ['## Latency'];
  const cfg = run.configs.find((c) => c.c === 50 && c.P === 1 && c.d === 3);
  if (cfg) {
    const rows = proxies.map((t) => [t, ...TESTS.map((test) => fixed(fig.addedP50(cfg, t, test), 3)), fixed(median(TESTS.map((test) => fig.addedP50(cfg, t, test))), 3)]);
    parts.push(`### Added p50 under load (c50p1d3), ms: target p50 − direct p50\n\n${table(['target', ...TESTS, 'median'], rows)}`);
  }
  const rows = run.targetNames.map((t) => [
    t,
    fixed(singleClientP50(run.single, t, 'SET') * 1000, 0),
    fixed(singleClientP50(run.single, t, 'GET') * 1000, 0),
    t === 'direct' ? '' : fixed(singleAddedP50Us(run.single, t), 0),
  ]);
  parts.push(`### One client, pipeline 1, 3-byte values (unloaded round trip), µs\n\n${table(['target', 'SET p50', 'GET p50', 'added p50'], rows)}`);
  return parts.join('\n\n');
}

function memorySection(fig, run) {
  const rows = run.targetNames.map((t) => [
    t === 'direct' ? 'direct (redis-server)' : t,
    fixed(mib(run.rss.idle[t]), 1),
    ...run.configs.map((cfg) => fixed(mib(fig.peakRssKiB(cfg, t)), 0)),
    fixed(mib(benchPeakRss(fig, run, t)), 0),
    fixed(mib(run.rss.end[t]), 1),
  ]);
  return '## Memory: RSS (VmRSS), MB\n\n"idle" is before the first request and after the last one; configurations in the order they ran (peaks of all reps).\n\n' +
    table(['target', 'idle, start', ...run.configs.map(configName), 'peak, whole bench', 'idle, end'], rows);
}

function sumavlibSection(run) {
  const figures = sumavlibFigures(run.sumavlib);
  const set = figures.get('SET');
  const rows = [...figures].map(([name, f]) => {
    if (f.unknownCommand) return [name, 'not implemented', '', '', `\`${f.unknownCommand.split(',')[0]}\``];
    const note = f.errors ? `${f.errors} error replies, e.g. \`${f.firstError}\`` : '';
    return [name, opsText(f.opsPerSec), fixed(f.opsPerSec / set.opsPerSec, 2), fixed(f.cpuPerRequest, 1), note];
  });
  const { clients, seconds } = run.meta.sumavlib;
  return `## sumavlib commands through suma-redis\n\n${clients} connections, one request in flight on each, ${seconds} s per command and rep ` +
    '(Node load generator, `bench/lib/loadgen.mjs`); ratio to SET sent the same way.\n\n' +
    table(['command', 'ops/s', 'ratio to SET', 'proxy CPU µs/req', 'note'], rows, ['note']);
}

/** Everything that is not a clean figure: benchmark output other than CSV, hangs, proxy log lines. */
function notesSection(run) {
  const notes = [];
  const all = [...run.matrix.map((r) => ({ ...r, where: configName(r.cfg) })), ...run.single.map((r) => ({ ...r, where: 'single client' }))];
  for (const r of all.filter((x) => x.timedOut)) notes.push(`HANG: redis-benchmark through ${r.target} (${r.where}${r.inv ? ', ' + r.inv : ''}) killed after the timeout.`);
  for (const r of run.matrix.filter((x) => !x.timedOut && x.code !== 0)) notes.push(`redis-benchmark through ${r.target} exited ${r.code} (${configName(r.cfg)}, ${r.inv}).`);
  const noise = new Map();
  for (const r of all) {
    for (const line of r.noise) {
      const key = `${r.target}: ${line}`;
      noise.set(key, (noise.get(key) ?? 0) + 1);
    }
  }
  for (const [line, n] of noise) notes.push(`redis-benchmark output (${n}×) through ${line}`);
  for (const [target, lines] of Object.entries(run.logs)) {
    if (lines.length) notes.push(`${target} log: ${lines.length} lines, first: \`${lines[0].slice(0, 200)}\``);
  }
  const foreign = run.matrix.map((r) => r.foreignCores);
  const busy = median(foreign) > 0.3 ? ' Above 0.3 cores the machine was busy with other work: single ratios are disturbed, compare geometric means and CPU per request.' : '';
  notes.push(`CPU used by other processes on the machine during the matrix: median ${fixed(median(foreign), 2)} cores, max ${fixed(Math.max(...foreign), 2)}.${busy}`);
  return `## Run notes\n\n${notes.map((n) => `- ${n}`).join('\n')}`;
}

/** One line per configuration, to compare runs: `ratio 50c1p3b 0.93`. */
export function ratioLines(run) {
  const fig = new MatrixFigures(run.matrix);
  return run.configs.map((cfg) => `ratio ${ratioKey(cfg)} ${fixed(fig.ratioGeomean(cfg, SUMA), 2).replace('–', 'n/a')}`);
}

export function markdownReport(run) {
  const fig = new MatrixFigures(run.matrix);
  return [
    header(run),
    ratioSection(fig, run),
    goalsSection(fig, run),
    perConfigSection(fig, run),
    latencySection(fig, run),
    memorySection(fig, run),
    sumavlibSection(run),
    notesSection(run),
    '## Ratio lines\n\n```\n' + ratioLines(run).join('\n') + '\n```',
  ].join('\n\n') + '\n';
}
