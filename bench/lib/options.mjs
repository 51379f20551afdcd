// Command-line flags and the measurement plan they select.

import { parseArgs } from 'node:util';

export const TESTS = ['SET', 'GET', 'INCR', 'LPUSH', 'LRANGE_100'];

export const CONFIGS = [
  { c: 50, P: 1, d: 3 }, { c: 200, P: 1, d: 3 }, { c: 50, P: 16, d: 3 }, { c: 200, P: 16, d: 3 },
  { c: 50, P: 1, d: 1024 }, { c: 200, P: 1, d: 1024 }, { c: 50, P: 16, d: 1024 }, { c: 200, P: 16, d: 1024 },
];

/** "c50p1d3": how configurations are named on the command line and in the progress lines. */
export const configName = ({ c, P, d }) => `c${c}p${P}d${d}`;

/** "50c1p3b": the key of a configuration's closing `ratio` line. */
export const ratioKey = ({ c, P, d }) => `${c}c${P}p${d}b`;

/**
 * Requests per test. Sized so that a full run (3 reps, 4 targets) ends within 15 minutes on two
 * cores: 0.3-2 s per test. LRANGE_100 with 1 KiB values moves ~100 KB per reply, hence fewer.
 */
const FULL = {
  reps: 3,
  perTest: { P1: 25_000, P16: 100_000, lrangeBig: 5_000 },
  warmup: 20_000,
  single: { n: 10_000, reps: 3 },
  sumavlib: { clients: 50, seconds: 3, reps: 3 },
};

const QUICK = {
  reps: 1,
  perTest: { P1: 12_000, P16: 60_000, lrangeBig: 2_000 },
  warmup: 5_000,
  single: { n: 5_000, reps: 1 },
  sumavlib: { clients: 50, seconds: 1, reps: 1 },
};

const USAGE = `Usage: npm run bench -- [--quick] [--reps N] [--only c50p1[,c200p16d1024]] [--out FILE | --write]
  --quick        one rep and fewer requests (about 2 minutes)
  --reps N       repetitions of every configuration (default 3, quick 1)
  --only LIST    configurations to run; each item names any of c<clients> p<pipeline> d<size>
  --out FILE     also write the Markdown report to FILE
  --write        also write it to bench/RESULTS.md`;

/** A bad flag: reported as one line and the usage, without a stack. */
export class UsageError extends Error {
  constructor(message) {
    super(`${message}\n${USAGE}`);
  }
}

/** "c50p1" -> { c: 50, P: 1 }: the parts a configuration must match; "50c1p3b" (a ratio line) too. */
function parseFilter(item) {
  const m = /^(\d+)c(\d+)p(\d+)b$/.exec(item);
  if (m) return { c: Number(m[1]), P: Number(m[2]), d: Number(m[3]) };
  const parts = {};
  const re = /([cpd])(\d+)/g;
  const rest = item.toLowerCase().replace(re, (_, key, value) => {
    parts[key === 'p' ? 'P' : key] = Number(value);
    return '';
  });
  if (rest !== '' || Object.keys(parts).length === 0) throw new UsageError(`--only: cannot read '${item}' (e.g. c50p1, p16d1024)`);
  return parts;
}

function selectConfigs(only) {
  if (!only) return CONFIGS;
  const filters = only.split(',').filter(Boolean).map(parseFilter);
  const chosen = CONFIGS.filter((cfg) => filters.some((f) => Object.entries(f).every(([k, v]) => cfg[k] === v)));
  if (chosen.length === 0) throw new UsageError(`--only ${only}: no configuration matches`);
  return chosen;
}

/** Parses argv; returns null after printing the usage for --help. */
export function parseOptions(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean' },
        reps: { type: 'string' },
        only: { type: 'string' },
        out: { type: 'string' },
        write: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    throw new UsageError(err.message);
  }
  if (values.help) {
    console.log(USAGE);
    return null;
  }
  const base = values.quick ? QUICK : FULL;
  const reps = values.reps === undefined ? base.reps : Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1) throw new UsageError(`--reps: expected a whole number ≥ 1, got '${values.reps}'`);
  return {
    ...base,
    mode: values.quick ? 'quick' : 'full',
    reps,
    configs: selectConfigs(values.only),
    out: values.out,
    write: values.write === true,
  };
}

/** The two redis-benchmark invocations of one run, with the requests each sends. */
export function invocationsFor(cfg, perTest) {
  const n = cfg.P > 1 ? perTest.P16 : perTest.P1;
  const lrangeN = cfg.d >= 1024 ? perTest.lrangeBig : n;
  return [
    { tests: 'set,get,incr,lpush', n, requests: 4 * n },
    // redis-benchmark fills the list with as many LPUSHes before it times LRANGE_100.
    { tests: 'lrange_100', n: lrangeN, requests: 2 * lrangeN },
  ];
}

export function benchmarkArgs(inv, cfg) {
  return ['-t', inv.tests, '-n', String(inv.n), '-c', String(cfg.c), '-P', String(cfg.P), '-d', String(cfg.d)];
}
