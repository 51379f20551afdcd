// One typed configuration object, validated once at start.
// Precedence: flags > environment (SUMA_*, plus the original APOLLO_* names) > config file > defaults.

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

  /** Admin HTTP listener (/metrics, /livez, /readyz); port null when it is off, 0 for a free port. */
  adminBind: string;
  adminPort: number | null;

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
  adminBind: '127.0.0.1',
  adminPort: 9380,
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

/**
 * How an option's value is written: `text` one string, `int` a whole number (a JSON number in the
 * config file), `list` a repeatable flag (comma-separated in the environment, an array in the
 * file), `switch` a flag without a value (command line only).
 */
export type OptionType = 'text' | 'int' | 'list' | 'switch';

export interface OptionDoc {
  /** The flag without `--`; also the option's key in the config file. */
  flag: string;
  env: string[];
  type: OptionType;
  /** Placeholder for the value in --help. */
  value: string | undefined;
  /** Shown as "(default ...)" in --help; undefined when the option is unset by default. */
  default: string | undefined;
  help: string;
  /** Each environment name may also be given as NAME_FILE: a file holding the value. */
  secret?: boolean;
  /** Words an `int` option also accepts (the config file takes them as strings). */
  words?: string[];
  /** Not a config-file key (--help, and --config itself). */
  notInFile?: boolean;
}

/** Every `serve` option: flag (and config-file key), environment names, type, default, help. */
export const SERVE_OPTIONS: OptionDoc[] = [
  { flag: 'config', env: ['SUMA_CONFIG'], type: 'text', value: 'FILE', default: undefined, notInFile: true, help: 'JSON config file: {"option-name": value, ...} (see README)' },
  { flag: 'port', env: ['SUMA_PORT'], type: 'int', value: 'PORT', default: String(DEFAULTS.port), help: 'RESP port to listen on (0: a free port)' },
  { flag: 'bind', env: ['SUMA_BIND'], type: 'text', value: 'ADDR', default: DEFAULTS.bind, help: 'address to listen on' },
  { flag: 'admin-port', env: ['SUMA_ADMIN_PORT'], type: 'int', words: ['off'], value: 'PORT|off', default: String(DEFAULTS.adminPort), help: 'HTTP port for /metrics, /livez, /readyz (0: a free port; off: no admin listener)' },
  { flag: 'admin-bind', env: ['SUMA_ADMIN_BIND'], type: 'text', value: 'ADDR', default: DEFAULTS.adminBind, help: 'address of the admin HTTP listener' },
  { flag: 'sentinel', env: ['SUMA_SENTINELS'], type: 'list', value: 'HOST:PORT', default: undefined, help: 'a Sentinel address; repeat for each (env: comma-separated)' },
  { flag: 'master-name', env: ['SUMA_MASTER_NAME'], type: 'text', value: 'NAME', default: DEFAULTS.masterName, help: 'master name monitored by the sentinels' },
  { flag: 'sentinel-username', env: ['SUMA_SENTINEL_USERNAME'], type: 'text', value: 'USER', default: undefined, help: 'ACL user for the sentinels' },
  { flag: 'sentinel-password', env: ['SUMA_SENTINEL_PASSWORD'], type: 'text', secret: true, value: 'PASS', default: undefined, help: 'password for the sentinels' },
  { flag: 'upstream', env: ['SUMA_UPSTREAM'], type: 'text', value: 'HOST:PORT', default: undefined, help: 'one fixed standalone Redis instead of Sentinel' },
  { flag: 'upstream-username', env: ['SUMA_UPSTREAM_USERNAME'], type: 'text', value: 'USER', default: undefined, help: 'ACL user for the Redis nodes' },
  { flag: 'upstream-password', env: ['SUMA_UPSTREAM_PASSWORD'], type: 'text', secret: true, value: 'PASS', default: undefined, help: 'password for the Redis nodes' },
  { flag: 'requirepass', env: ['SUMA_REQUIREPASS'], type: 'text', secret: true, value: 'PASS', default: undefined, help: 'password clients must give with AUTH' },
  { flag: 'client-user', env: ['SUMA_CLIENT_USER'], type: 'text', value: 'USER', default: DEFAULTS.clientUser, help: 'user name accepted with AUTH user password' },
  { flag: 'owner', env: ['SUMA_OWNER', 'APOLLO_OWNER_ID'], type: 'text', value: 'ID', default: DEFAULTS.tenantOwner, help: 'tenant owner id' },
  { flag: 'business', env: ['SUMA_BUSINESS', 'APOLLO_BUINESS_ID'], type: 'text', value: 'ID', default: DEFAULTS.tenantBusiness, help: 'tenant business id' },
  { flag: 'failover-window', env: ['SUMA_FAILOVER_WINDOW_MS'], type: 'int', value: 'MS', default: String(DEFAULTS.failoverWindowMs), help: 'how long commands wait for a master before -TRYAGAIN' },
  { flag: 'recheck-interval', env: ['SUMA_RECHECK_INTERVAL_MS'], type: 'int', value: 'MS', default: String(DEFAULTS.recheckIntervalMs), help: 'how often the sentinels are asked again' },
  { flag: 'connect-timeout', env: ['SUMA_CONNECT_TIMEOUT_MS'], type: 'int', value: 'MS', default: String(DEFAULTS.connectTimeoutMs), help: 'upstream connect timeout' },
  { flag: 'proto-max-bulk-len', env: ['SUMA_PROTO_MAX_BULK_LEN'], type: 'int', value: 'BYTES', default: String(DEFAULTS.maxBulkLength), help: 'largest bulk argument' },
  { flag: 'output-high-water', env: ['SUMA_OUTPUT_HIGH_WATER'], type: 'int', value: 'BYTES', default: String(DEFAULTS.outputHighWater), help: 'unsent reply bytes that pause shared upstream reads' },
  { flag: 'client-stall-timeout', env: ['SUMA_CLIENT_STALL_TIMEOUT_MS'], type: 'int', value: 'MS', default: String(DEFAULTS.clientStallTimeoutMs), help: 'close a client that reads none of its pending replies for this long' },
  { flag: 'shutdown-timeout', env: ['SUMA_SHUTDOWN_TIMEOUT_MS'], type: 'int', value: 'MS', default: String(DEFAULTS.shutdownTimeoutMs), help: 'on SIGTERM, how long in-flight replies may take before connections are closed' },
  { flag: 'log-level', env: ['SUMA_LOG_LEVEL'], type: 'text', value: 'LEVEL', default: DEFAULTS.logLevel, help: 'pino level: fatal error warn info debug trace silent' },
  { flag: 'help', env: [], type: 'switch', value: undefined, default: undefined, notInFile: true, help: 'print this help and exit' },
];

export function serveHelp(): string {
  const lines = [
    'Usage: suma-redis serve [options]',
    '',
    'Each option comes from its flag, else its environment variable, else the config file (under',
    'the flag name without "--"), else its default. A variable marked _FILE may name a file that',
    'holds the value instead.',
    '',
    'Options:',
  ];
  for (const o of SERVE_OPTIONS) {
    const left = `  --${o.flag}${o.value ? ' ' + o.value : ''}`;
    const fallback = o.type === 'switch' ? '' : ` (default ${o.default ?? 'none'})`;
    const names = o.secret ? o.env.flatMap((name) => [name, `${name}_FILE`]) : o.env;
    const env = names.length ? `  [env ${names.join(', ')}]` : '';
    lines.push(`${left.padEnd(36)} ${o.help}${fallback}${env}`);
  }
  return lines.join('\n');
}

export function parseHostPort(option: string, text: string): HostPort {
  return hostPort(`--${option}`, text);
}

/** HOST:PORT or [IPv6]:PORT; `where` names the option in the error. */
function hostPort(where: string, text: string): HostPort {
  const m = /^(\[[^\]\s]+\]|[^:\s]+):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new ConfigError(`${where}: expected HOST:PORT, got '${printable(text)}'`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

function printable(text: string): string {
  const clean = oneLine(text);
  return clean.length > 64 ? clean.slice(0, 64) + '...' : clean;
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]/g, ' ');
}

/** Where a value came from, as the user wrote it: `--port`, `SUMA_PORT`, `suma.json: port`. */
interface Given {
  text: string;
  where: string;
}

interface GivenList {
  texts: string[];
  where: string;
}

function intValue(given: Given | undefined, fallback: number, min: number, max: number): number {
  if (given === undefined) return fallback;
  const { text, where } = given;
  if (!/^\d+$/.test(text.trim())) throw new ConfigError(`${where}: expected a whole number, got '${printable(text)}'`);
  const n = Number(text);
  if (n < min || n > max) throw new ConfigError(`${where}: ${n} is out of range (${min}..${max})`);
  return n;
}

/** Reads the file a NAME_FILE variable names (trailing newline dropped). */
function secretFile(name: string, file: string): string {
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new ConfigError(`${name}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/** The config file as option -> value text(s); unknown keys and wrong types are ConfigErrors. */
function readConfigFile(given: Given): Map<string, string | string[]> {
  const path = given.text;
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${given.where}: cannot read ${oneLine(path)}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(source);
  } catch (err) {
    throw new ConfigError(`${oneLine(path)}: not valid JSON (${printable((err as Error).message)})`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(`${oneLine(path)}: expected a JSON object of options, e.g. {"port": 6380}`);
  }
  const out = new Map<string, string | string[]>();
  for (const [key, value] of Object.entries(doc)) {
    const option = SERVE_OPTIONS.find((o) => o.flag === key && !o.notInFile);
    const where = `${oneLine(path)}: ${printable(key)}`;
    if (!option) throw new ConfigError(`${where}: unknown option`);
    if (value === null) continue;
    switch (option.type) {
      case 'int':
        if (typeof value === 'number' && Number.isInteger(value) && value >= 0) out.set(key, String(value));
        else if (typeof value === 'string' && option.words?.includes(value)) out.set(key, value);
        else throw new ConfigError(`${where}: expected a whole number${option.words ? ` or "${option.words.join('", "')}"` : ''}, got ${describe(value)}`);
        break;
      case 'text':
        if (typeof value !== 'string') throw new ConfigError(`${where}: expected a string, got ${describe(value)}`);
        out.set(key, value);
        break;
      case 'list':
        if (typeof value === 'string') out.set(key, splitList(value));
        else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) out.set(key, value as string[]);
        else throw new ConfigError(`${where}: expected an array of strings, got ${describe(value)}`);
        break;
      case 'switch':
        throw new ConfigError(`${where}: unknown option`);
    }
  }
  return out;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `'${printable(value)}'`;
  if (typeof value === 'object') return 'an object';
  return printable(String(value));
}

function splitList(text: string): string[] {
  return text.split(',').filter((s) => s.trim() !== '');
}

const ID_RE = /^[A-Za-z0-9_.-]{1,64}$/;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Parses `serve` flags, the environment and the config file (--config or SUMA_CONFIG) into a
 * validated Config; throws a one-line ConfigError naming the option as it was given.
 */
export function loadServeConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): Config & { help: boolean } {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const o of SERVE_OPTIONS) options[o.flag] = { type: o.type === 'switch' ? 'boolean' : 'string', ...(o.type === 'list' ? { multiple: true } : {}) };
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new ConfigError((err as Error).message.split('\n')[0]!);
  }
  const help = values['help'] === true;

  const fromEnv = (doc: OptionDoc): Given | undefined => {
    for (const name of doc.env) {
      const text = env[name];
      if (text !== undefined && text !== '') return { text, where: name };
      const file = doc.secret ? env[`${name}_FILE`] : undefined;
      if (file !== undefined && file !== '') return { text: secretFile(`${name}_FILE`, file), where: `${name}_FILE` };
    }
    return undefined;
  };
  const doc = (flag: string): OptionDoc => SERVE_OPTIONS.find((o) => o.flag === flag)!;
  const fromFlag = (flag: string): Given | undefined => {
    const v = values[flag];
    return typeof v === 'string' ? { text: v, where: `--${flag}` } : undefined;
  };

  // --help works whatever the rest says, so a broken config file does not hide the help.
  const configGiven = fromFlag('config') ?? fromEnv(doc('config'));
  const file = configGiven && !help ? readConfigFile(configGiven) : new Map<string, string | string[]>();
  const fileWhere = (flag: string): string => `${oneLine(configGiven?.text ?? '')}: ${flag}`;

  const pick = (flag: string): Given | undefined => {
    const given = fromFlag(flag) ?? fromEnv(doc(flag));
    if (given !== undefined) return given;
    const inFile = file.get(flag);
    return typeof inFile === 'string' ? { text: inFile, where: fileWhere(flag) } : undefined;
  };
  const pickList = (flag: string): GivenList | undefined => {
    const flags = values[flag] as string[] | undefined;
    if (flags?.length) return { texts: flags, where: `--${flag}` };
    const d = doc(flag);
    for (const name of d.env) {
      const text = env[name];
      if (text !== undefined && text !== '') return { texts: splitList(text), where: name };
    }
    const inFile = file.get(flag);
    return Array.isArray(inFile) ? { texts: inFile, where: fileWhere(flag) } : undefined;
  };
  const text = (flag: string, fallback: string): string => pick(flag)?.text ?? fallback;
  const int = (flag: string, fallback: number, min: number, max: number): number => intValue(pick(flag), fallback, min, max);
  const address = (flag: string, fallback: string): string => {
    const given = pick(flag);
    if (given === undefined) return fallback;
    if (!/^[^\s/]{1,253}$/.test(given.text)) throw new ConfigError(`${given.where}: expected a host name or IP address, got '${printable(given.text)}'`);
    return given.text;
  };
  const id = (flag: string, fallback: string): string => {
    const given = pick(flag);
    if (given !== undefined && !ID_RE.test(given.text)) throw new ConfigError(`${given.where}: must match [A-Za-z0-9_.-]{1,64}`);
    return given?.text ?? fallback;
  };

  const sentinelsGiven = pickList('sentinel');
  const sentinels = (sentinelsGiven?.texts ?? []).map((s) => hostPort(sentinelsGiven!.where, s));
  const upstreamGiven = pick('upstream');
  const upstream = upstreamGiven === undefined ? undefined : hostPort(upstreamGiven.where, upstreamGiven.text);
  if (sentinels.length > 0 && upstream) throw new ConfigError(`${upstreamGiven!.where}: give either --sentinel or --upstream, not both`);

  const logLevelGiven = pick('log-level');
  if (logLevelGiven !== undefined && !LOG_LEVELS.includes(logLevelGiven.text)) {
    throw new ConfigError(`${logLevelGiven.where}: unknown level '${printable(logLevelGiven.text)}'`);
  }

  const port = int('port', DEFAULTS.port, 0, 65535);
  const adminGiven = pick('admin-port');
  const adminPort = adminGiven?.text.trim().toLowerCase() === 'off' ? null : intValue(adminGiven, DEFAULTS.adminPort, 0, 65535);
  if (adminPort !== null && adminPort !== 0 && adminPort === port) {
    throw new ConfigError(`${adminGiven?.where ?? '--admin-port'}: the admin port must differ from the RESP port (${port})`);
  }

  return {
    help,
    bind: address('bind', DEFAULTS.bind),
    port,
    adminBind: address('admin-bind', DEFAULTS.adminBind),
    adminPort,
    sentinels,
    masterName: text('master-name', DEFAULTS.masterName),
    sentinelUsername: pick('sentinel-username')?.text,
    sentinelPassword: pick('sentinel-password')?.text,
    upstream,
    upstreamUsername: pick('upstream-username')?.text,
    upstreamPassword: pick('upstream-password')?.text,
    clientUser: text('client-user', DEFAULTS.clientUser),
    clientPassword: pick('requirepass')?.text,
    tenantOwner: id('owner', DEFAULTS.tenantOwner),
    tenantBusiness: id('business', DEFAULTS.tenantBusiness),
    failoverWindowMs: int('failover-window', DEFAULTS.failoverWindowMs, 0, 3_600_000),
    recheckIntervalMs: int('recheck-interval', DEFAULTS.recheckIntervalMs, 50, 3_600_000),
    connectTimeoutMs: int('connect-timeout', DEFAULTS.connectTimeoutMs, 50, 600_000),
    maxBulkLength: int('proto-max-bulk-len', DEFAULTS.maxBulkLength, 1024 * 1024, 512 * 1024 * 1024),
    maxMultibulkLength: DEFAULTS.maxMultibulkLength,
    maxInlineLength: DEFAULTS.maxInlineLength,
    outputHighWater: int('output-high-water', DEFAULTS.outputHighWater, 1024 * 1024, 2 ** 40),
    clientStallTimeoutMs: int('client-stall-timeout', DEFAULTS.clientStallTimeoutMs, 100, 3_600_000),
    shutdownTimeoutMs: int('shutdown-timeout', DEFAULTS.shutdownTimeoutMs, 0, 3_600_000),
    logLevel: logLevelGiven?.text ?? DEFAULTS.logLevel,
  };
}

/** Requires an upstream: sentinels or a standalone address. */
export function requireUpstream(config: Config): void {
  if (config.sentinels.length === 0 && !config.upstream) {
    throw new ConfigError('--sentinel: give at least one --sentinel HOST:PORT (with --master-name), or --upstream HOST:PORT');
  }
}
