// One typed configuration object, validated once at start.
// Precedence: flags > environment (SUMA_*, plus the original APOLLO_* names) > defaults.

import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';

export interface HostPort {
  host: string;
  port: number;
}

export interface Config {
  /** RESP listener. */
  bind: string;
  port: number;

  /** Upstream: either sentinels + masterName, or one fixed standalone address. */
  sentinels: HostPort[];
  masterName: string;
  sentinelUsername: string | undefined;
  sentinelPassword: string | undefined;
  upstream: HostPort | undefined;
  upstreamUsername: string | undefined;
  upstreamPassword: string | undefined;

  /** Client-side auth, separate from the upstream credentials. */
  clientUser: string;
  clientPassword: string | undefined;

  /** Tenant of this process (`<owner>:<business>`). */
  tenantOwner: string;
  tenantBusiness: string;

  /** How long a command waits for a reachable master before `-TRYAGAIN`. */
  failoverWindowMs: number;
  /** Sentinel re-check period while a master is known. */
  recheckIntervalMs: number;
  connectTimeoutMs: number;

  /** Request limits, Redis's defaults. */
  maxBulkLength: number;
  maxMultibulkLength: number;
  maxInlineLength: number;

  /** Output buffering: shared upstream reads pause above this many unsent reply bytes. */
  outputHighWater: number;
  /** A client whose unsent output stays above 1 MiB with no progress this long is closed. */
  clientStallTimeoutMs: number;

  /** On SIGTERM, how long clients get to receive the replies they are owed. */
  shutdownTimeoutMs: number;

  logLevel: string;
}

export const DEFAULTS = {
  bind: '127.0.0.1',
  port: 6380,
  masterName: 'mymaster',
  clientUser: 'default',
  tenantOwner: 'default',
  tenantBusiness: 'default',
  failoverWindowMs: 30_000,
  recheckIntervalMs: 1_000,
  connectTimeoutMs: 2_000,
  maxBulkLength: 512 * 1024 * 1024,
  maxMultibulkLength: 1024 * 1024,
  maxInlineLength: 64 * 1024,
  outputHighWater: 64 * 1024 * 1024,
  clientStallTimeoutMs: 10_000,
  shutdownTimeoutMs: 10_000,
  logLevel: 'info',
} as const;

/** One line, naming the option, for a value that cannot start the process. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

interface OptionDoc {
  flag: string;
  env: string[];
  value: string | undefined;
  help: string;
  repeatable?: boolean;
  boolean?: boolean;
}

/** Every `serve` option: flag, environment names, value name, help. The single source for --help. */
export const SERVE_OPTIONS: OptionDoc[] = [
  { flag: 'port', env: ['SUMA_PORT'], value: 'PORT', help: `RESP port to listen on (default ${DEFAULTS.port})` },
  { flag: 'bind', env: ['SUMA_BIND'], value: 'ADDR', help: `address to listen on (default ${DEFAULTS.bind})` },
  { flag: 'sentinel', env: ['SUMA_SENTINELS'], value: 'HOST:PORT', repeatable: true, help: 'a Sentinel address; repeat for each (env: comma-separated)' },
  { flag: 'master-name', env: ['SUMA_MASTER_NAME'], value: 'NAME', help: `master name monitored by the sentinels (default ${DEFAULTS.masterName})` },
  { flag: 'sentinel-username', env: ['SUMA_SENTINEL_USERNAME'], value: 'USER', help: 'ACL user for the sentinels' },
  { flag: 'sentinel-password', env: ['SUMA_SENTINEL_PASSWORD'], value: 'PASS', help: 'password for the sentinels (or SUMA_SENTINEL_PASSWORD_FILE)' },
  { flag: 'upstream', env: ['SUMA_UPSTREAM'], value: 'HOST:PORT', help: 'one fixed standalone Redis instead of Sentinel' },
  { flag: 'upstream-username', env: ['SUMA_UPSTREAM_USERNAME'], value: 'USER', help: 'ACL user for the Redis nodes' },
  { flag: 'upstream-password', env: ['SUMA_UPSTREAM_PASSWORD'], value: 'PASS', help: 'password for the Redis nodes (or SUMA_UPSTREAM_PASSWORD_FILE)' },
  { flag: 'requirepass', env: ['SUMA_REQUIREPASS'], value: 'PASS', help: 'password clients must give with AUTH (or SUMA_REQUIREPASS_FILE)' },
  { flag: 'client-user', env: ['SUMA_CLIENT_USER'], value: 'USER', help: `user name accepted with AUTH user password (default ${DEFAULTS.clientUser})` },
  { flag: 'owner', env: ['SUMA_OWNER', 'APOLLO_OWNER_ID'], value: 'ID', help: `tenant owner id (default ${DEFAULTS.tenantOwner})` },
  { flag: 'business', env: ['SUMA_BUSINESS', 'APOLLO_BUINESS_ID'], value: 'ID', help: `tenant business id (default ${DEFAULTS.tenantBusiness})` },
  { flag: 'failover-window', env: ['SUMA_FAILOVER_WINDOW_MS'], value: 'MS', help: `how long commands wait for a master before -TRYAGAIN (default ${DEFAULTS.failoverWindowMs})` },
  { flag: 'recheck-interval', env: ['SUMA_RECHECK_INTERVAL_MS'], value: 'MS', help: `how often the sentinels are asked again (default ${DEFAULTS.recheckIntervalMs})` },
  { flag: 'connect-timeout', env: ['SUMA_CONNECT_TIMEOUT_MS'], value: 'MS', help: `upstream connect timeout (default ${DEFAULTS.connectTimeoutMs})` },
  { flag: 'proto-max-bulk-len', env: ['SUMA_PROTO_MAX_BULK_LEN'], value: 'BYTES', help: `largest bulk argument (default ${DEFAULTS.maxBulkLength})` },
  { flag: 'output-high-water', env: ['SUMA_OUTPUT_HIGH_WATER'], value: 'BYTES', help: `unsent reply bytes that pause shared upstream reads (default ${DEFAULTS.outputHighWater})` },
  { flag: 'client-stall-timeout', env: ['SUMA_CLIENT_STALL_TIMEOUT_MS'], value: 'MS', help: `close a client that reads none of its pending replies for this long (default ${DEFAULTS.clientStallTimeoutMs})` },
  { flag: 'shutdown-timeout', env: ['SUMA_SHUTDOWN_TIMEOUT_MS'], value: 'MS', help: `on SIGTERM, how long in-flight replies may take before connections are closed (default ${DEFAULTS.shutdownTimeoutMs})` },
  { flag: 'log-level', env: ['SUMA_LOG_LEVEL'], value: 'LEVEL', help: `pino level: fatal error warn info debug trace silent (default ${DEFAULTS.logLevel})` },
  { flag: 'help', env: [], value: undefined, boolean: true, help: 'print this help and exit' },
];

export function serveHelp(): string {
  const lines = ['Usage: suma-redis serve [options]', '', 'Options (flags override environment variables):'];
  for (const o of SERVE_OPTIONS) {
    const left = `  --${o.flag}${o.value ? ' ' + o.value : ''}`;
    const env = o.env.length ? `  [env ${o.env.join(', ')}]` : '';
    lines.push(`${left.padEnd(36)} ${o.help}${env}`);
  }
  return lines.join('\n');
}

export function parseHostPort(option: string, text: string): HostPort {
  const m = /^(\[[^\]\s]+\]|[^:\s]+):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new ConfigError(`--${option}: expected HOST:PORT, got '${printable(text)}'`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

function printable(text: string): string {
  const clean = text.replace(/[\r\n]/g, ' ');
  return clean.length > 64 ? clean.slice(0, 64) + '...' : clean;
}

function intOption(option: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text.trim())) throw new ConfigError(`--${option}: expected a whole number, got '${printable(text)}'`);
  const n = Number(text);
  if (n < min || n > max) throw new ConfigError(`--${option}: ${n} is out of range (${min}..${max})`);
  return n;
}

/** Reads VAR, or the file named by VAR_FILE (trailing newline dropped). */
function secretFromEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  if (env[name] !== undefined) return env[name];
  const file = env[`${name}_FILE`];
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new ConfigError(`${name}_FILE: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

const ID_RE = /^[A-Za-z0-9_.-]{1,64}$/;

/** Parses `serve` flags and the environment into a validated Config; throws ConfigError. */
export function loadServeConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): Config & { help: boolean } {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const o of SERVE_OPTIONS) options[o.flag] = { type: o.boolean ? 'boolean' : 'string', ...(o.repeatable ? { multiple: true } : {}) };
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new ConfigError((err as Error).message.split('\n')[0]!);
  }

  const pick = (flag: string): string | undefined => {
    const v = values[flag];
    if (typeof v === 'string') return v;
    const doc = SERVE_OPTIONS.find((o) => o.flag === flag)!;
    for (const name of doc.env) {
      const fromEnv = name.endsWith('PASSWORD') || name === 'SUMA_REQUIREPASS' ? secretFromEnv(env, name) : env[name];
      if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    }
    return undefined;
  };

  const sentinelFlags = values['sentinel'] as string[] | undefined;
  const sentinelTexts = sentinelFlags?.length ? sentinelFlags : (env.SUMA_SENTINELS ?? '').split(',').filter((s) => s.trim() !== '');
  const sentinels = sentinelTexts.map((s) => parseHostPort('sentinel', s));
  const upstreamText = pick('upstream');
  const upstream = upstreamText === undefined ? undefined : parseHostPort('upstream', upstreamText);
  if (sentinels.length > 0 && upstream) throw new ConfigError('--upstream: give either --sentinel or --upstream, not both');

  const owner = pick('owner') ?? DEFAULTS.tenantOwner;
  const business = pick('business') ?? DEFAULTS.tenantBusiness;
  if (!ID_RE.test(owner)) throw new ConfigError(`--owner: must match [A-Za-z0-9_.-]{1,64}`);
  if (!ID_RE.test(business)) throw new ConfigError(`--business: must match [A-Za-z0-9_.-]{1,64}`);

  const logLevel = pick('log-level') ?? DEFAULTS.logLevel;
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(`--log-level: unknown level '${printable(logLevel)}'`);
  }

  return {
    help: values['help'] === true,
    bind: pick('bind') ?? DEFAULTS.bind,
    port: intOption('port', pick('port'), DEFAULTS.port, 0, 65535),
    sentinels,
    masterName: pick('master-name') ?? DEFAULTS.masterName,
    sentinelUsername: pick('sentinel-username'),
    sentinelPassword: pick('sentinel-password'),
    upstream,
    upstreamUsername: pick('upstream-username'),
    upstreamPassword: pick('upstream-password'),
    clientUser: pick('client-user') ?? DEFAULTS.clientUser,
    clientPassword: pick('requirepass'),
    tenantOwner: owner,
    tenantBusiness: business,
    failoverWindowMs: intOption('failover-window', pick('failover-window'), DEFAULTS.failoverWindowMs, 0, 3_600_000),
    recheckIntervalMs: intOption('recheck-interval', pick('recheck-interval'), DEFAULTS.recheckIntervalMs, 50, 3_600_000),
    connectTimeoutMs: intOption('connect-timeout', pick('connect-timeout'), DEFAULTS.connectTimeoutMs, 50, 600_000),
    maxBulkLength: intOption('proto-max-bulk-len', pick('proto-max-bulk-len'), DEFAULTS.maxBulkLength, 1024 * 1024, 512 * 1024 * 1024),
    maxMultibulkLength: DEFAULTS.maxMultibulkLength,
    maxInlineLength: DEFAULTS.maxInlineLength,
    outputHighWater: intOption('output-high-water', pick('output-high-water'), DEFAULTS.outputHighWater, 1024 * 1024, 2 ** 40),
    clientStallTimeoutMs: intOption('client-stall-timeout', pick('client-stall-timeout'), DEFAULTS.clientStallTimeoutMs, 100, 3_600_000),
    shutdownTimeoutMs: intOption('shutdown-timeout', pick('shutdown-timeout'), DEFAULTS.shutdownTimeoutMs, 0, 3_600_000),
    logLevel,
  };
}

/** Requires an upstream: sentinels or a standalone address. */
export function requireUpstream(config: Config): void {
  if (config.sentinels.length === 0 && !config.upstream) {
    throw new ConfigError('--sentinel: give at least one --sentinel HOST:PORT (with --master-name), or --upstream HOST:PORT');
  }
}
