// Options of the `ctl` commands: flags, then the same SUMA_* environment variables `serve` reads,
// so one environment file describes the group for the proxy and for its controller.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, parseHostPort, type HostPort } from '../config.js';

export interface Credentials {
  username: string | undefined;
  password: string | undefined;
}

/** What every ctl command needs to reach the group. */
export interface GroupAccess {
  masterName: string;
  sentinels: HostPort[];
  nodes: HostPort[];
  /** For the Redis nodes; also what init gives them as masterauth and the sentinels as auth-pass. */
  nodeAuth: Credentials;
  sentinelAuth: Credentials;
  connectTimeoutMs: number;
}

type OptionKind = 'string' | 'list' | 'boolean';

export interface OptionSpec {
  kind: OptionKind;
  /** Environment variables read when the flag is absent, in order. */
  env?: string[];
  value?: string;
  help: string;
}

/** Options shared by every ctl command; each command adds its own. */
export const ACCESS_OPTIONS: Record<string, OptionSpec> = {
  sentinel: { kind: 'list', env: ['SUMA_SENTINELS'], value: 'HOST:PORT', help: 'a sentinel of the group; repeat for each' },
  node: { kind: 'list', env: ['SUMA_NODES'], value: 'HOST:PORT', help: 'a Redis node of the group; repeat for each' },
  'master-name': { kind: 'string', env: ['SUMA_MASTER_NAME'], value: 'NAME', help: 'the name the sentinels monitor (default mymaster)' },
  'upstream-username': { kind: 'string', env: ['SUMA_UPSTREAM_USERNAME'], value: 'USER', help: 'ACL user for the Redis nodes' },
  'upstream-password': { kind: 'string', env: ['SUMA_UPSTREAM_PASSWORD'], value: 'PASS', help: 'password for the Redis nodes (or SUMA_UPSTREAM_PASSWORD_FILE)' },
  'sentinel-username': { kind: 'string', env: ['SUMA_SENTINEL_USERNAME'], value: 'USER', help: 'ACL user for the sentinels' },
  'sentinel-password': { kind: 'string', env: ['SUMA_SENTINEL_PASSWORD'], value: 'PASS', help: 'password for the sentinels (or SUMA_SENTINEL_PASSWORD_FILE)' },
  'connect-timeout': { kind: 'string', env: ['SUMA_CONNECT_TIMEOUT_MS'], value: 'MS', help: 'bound on each connect and each query (default 2000)' },
};

/** Last in every command's option list, so it is last in the help. */
export const HELP_OPTION: OptionSpec = { kind: 'boolean', help: 'print this help and exit' };

export type ParsedValues = Record<string, string | string[] | boolean | undefined>;

export interface ParsedOptions {
  values: ParsedValues;
  env: NodeJS.ProcessEnv;
}

export function parseOptions(args: string[], specs: Record<string, OptionSpec>, env: NodeJS.ProcessEnv): ParsedOptions {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const [flag, spec] of Object.entries(specs)) {
    options[flag] = spec.kind === 'boolean' ? { type: 'boolean' } : { type: 'string', ...(spec.kind === 'list' ? { multiple: true } : {}) };
  }
  try {
    const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
    return { values: values as ParsedValues, env };
  } catch (err) {
    throw new ConfigError((err as Error).message.split('\n')[0]!);
  }
}

export function helpText(usage: string, summary: string, specs: Record<string, OptionSpec>): string {
  const lines = [usage, '', summary, '', 'Options:'];
  for (const [flag, spec] of Object.entries(specs)) {
    const left = `  --${flag}${spec.value ? ' ' + spec.value : ''}`;
    const env = spec.env?.length ? `  [env ${spec.env.join(', ')}]` : '';
    lines.push(`${left.padEnd(32)} ${spec.help}${env}`);
  }
  return lines.join('\n');
}

/** A flag's value, else its environment variables (a secret one also from the file VAR_FILE names). */
export function stringOption(parsed: ParsedOptions, flag: string, specs: Record<string, OptionSpec>): string | undefined {
  const v = parsed.values[flag];
  if (typeof v === 'string') return v;
  for (const name of specs[flag]?.env ?? []) {
    const fromEnv = name.endsWith('PASSWORD') || name === 'SUMA_REQUIREPASS' ? secretFromEnv(parsed.env, name) : parsed.env[name];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  }
  return undefined;
}

export function listOption(parsed: ParsedOptions, flag: string, specs: Record<string, OptionSpec>): HostPort[] {
  const v = parsed.values[flag];
  const texts = Array.isArray(v) && v.length > 0 ? v : (parsed.env[specs[flag]?.env?.[0] ?? ''] ?? '').split(',').filter((s) => s.trim() !== '');
  const addrs = texts.map((t) => parseHostPort(flag, t));
  const seen = new Set<string>();
  for (const a of addrs) {
    const key = `${a.host}:${a.port}`;
    if (seen.has(key)) throw new ConfigError(`--${flag}: ${key} is given twice`);
    seen.add(key);
  }
  return addrs;
}

export function intOption(parsed: ParsedOptions, flag: string, specs: Record<string, OptionSpec>, fallback: number, min: number, max: number): number {
  const text = stringOption(parsed, flag, specs);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text.trim())) throw new ConfigError(`--${flag}: expected a whole number, got '${text.slice(0, 64)}'`);
  const n = Number(text);
  if (n < min || n > max) throw new ConfigError(`--${flag}: ${n} is out of range (${min}..${max})`);
  return n;
}

export function groupAccess(parsed: ParsedOptions, specs: Record<string, OptionSpec>): GroupAccess {
  return {
    masterName: stringOption(parsed, 'master-name', specs) ?? 'mymaster',
    sentinels: listOption(parsed, 'sentinel', specs),
    nodes: listOption(parsed, 'node', specs),
    nodeAuth: { username: stringOption(parsed, 'upstream-username', specs), password: stringOption(parsed, 'upstream-password', specs) },
    sentinelAuth: { username: stringOption(parsed, 'sentinel-username', specs), password: stringOption(parsed, 'sentinel-password', specs) },
    connectTimeoutMs: intOption(parsed, 'connect-timeout', specs, 2000, 50, 600_000),
  };
}

function secretFromEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  if (env[name] !== undefined && env[name] !== '') return env[name];
  const file = env[`${name}_FILE`];
  if (file === undefined || file === '') return undefined;
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new ConfigError(`${name}_FILE: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}
