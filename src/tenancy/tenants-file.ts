// The tenants file: who may connect, as which tenant, and how each tenant is isolated.
// Validated once per load into immutable TenantSpecs, every mistake reported on its own line with
// the path of the value (`tenants[1].users[0].passwordSha256: expected 64 hex digits`). Passwords
// are hashed while parsing: nothing past this module holds one in clear.

import { readFileSync } from 'node:fs';
import type { HostPort } from '../config.js';
import { REDIS_COMMANDS } from '../registry/redis-commands.js';
import { passwordDigest } from './auth.js';

export type Isolation = 'shared' | 'dedicated';

export interface TenantUser {
  readonly name: string;
  /** SHA-256 of the password (32 bytes). */
  readonly digest: Buffer;
}

export interface TenantSpec {
  readonly owner: string;
  readonly business: string;
  /** `<owner>:<business>` */
  readonly id: string;
  readonly users: readonly TenantUser[];
  readonly isolation: Isolation;
  /** Dedicated tenants: the Sentinel master name of their own group. */
  readonly masterName: string | null;
  /** Dedicated tenants: their sentinels; null means the proxy's own. */
  readonly sentinels: readonly HostPort[] | null;
  /** Denied commands, lower case: `flushall`, or `config|set` for one subcommand. */
  readonly deny: readonly string[];
  /** Connections the tenant may hold at once; null for no limit. */
  readonly maxClients: number | null;
  /** false: EVAL, EVALSHA, FCALL, SCRIPT and FUNCTION (and their _RO forms) are refused. */
  readonly scripts: boolean;
  /** The tenant gets its own label on /metrics. */
  readonly metrics: boolean;
}

export interface TenantsConfig {
  readonly tenants: readonly TenantSpec[];
}

export interface ParseOptions {
  /** Prefixes every problem line: the file name, or `suma.json: tenants`. */
  source?: string;
  /**
   * The group shared tenants use (the proxy's --master-name and --sentinel): a dedicated tenant
   * may not name it. `sentinels` empty means the proxy runs against a standalone --upstream.
   */
  sharedGroup?: { masterName: string; sentinels: readonly HostPort[] };
  /** Extra command names a deny list may use besides Redis's and sumavlib.* (tests, modules). */
  extraCommands?: readonly string[];
}

/** Every problem of a tenants file, one line each. */
export class TenantsError extends Error {
  override name = 'TenantsError';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

export const ID_RE = /^[A-Za-z0-9_.-]{1,64}$/;
const USER_RE = /^[\x21-\x7e]{1,128}$/;
const MASTER_NAME_RE = /^[\x21-\x7e]{1,128}$/;
const HEX64_RE = /^[0-9a-fA-F]{64}$/;
const SUMAVLIB_RE = /^sumavlib\.[a-z0-9_]{1,64}$/;
const SUBCOMMAND_RE = /^[a-z][a-z0-9_-]*$/;
const MAX_PASSWORD = 64 * 1024;
const MAX_CLIENTS = 1_000_000;

/** Commands a client needs to connect at all; a deny list may not name them. */
const UNDENIABLE = new Set(['auth', 'hello', 'quit', 'reset']);

const ROOT_KEYS = ['tenants'];
const TENANT_KEYS = ['owner', 'business', 'users', 'isolation', 'masterName', 'sentinels', 'deny', 'maxClients', 'scripts', 'metrics'];
const USER_KEYS = ['name', 'password', 'passwordSha256'];

/** Reads and validates a tenants file; throws TenantsError with every problem found. */
export function loadTenantsFile(path: string, options: ParseOptions = {}): TenantsConfig {
  const source = options.source ?? path;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TenantsError([`${source}: cannot read the file: ${(err as NodeJS.ErrnoException).code ?? 'error'}`]);
  }
  return parseTenantsText(text, { ...options, source });
}

export function parseTenantsText(text: string, options: ParseOptions = {}): TenantsConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const where = options.source ? `${options.source}: ` : '';
    throw new TenantsError([`${where}not valid JSON (${printable((err as Error).message)})`]);
  }
  return parseTenants(doc, options);
}

/** Validates an already parsed document of the shape {"tenants": [...]}. */
export function parseTenants(doc: unknown, options: ParseOptions = {}): TenantsConfig {
  const problems = new Problems(options.source);
  const at = problems.at;
  const tenants: TenantSpec[] = [];

  if (!isObject(doc)) {
    at('(top level)', `expected an object {"tenants": [...]}, got ${describe(doc)}`);
    throw new TenantsError(problems.lines);
  }
  unknownKeys(doc, ROOT_KEYS, '', at);
  const list = doc['tenants'];
  if (!Array.isArray(list)) at('tenants', list === undefined ? 'missing: expected an array of tenants' : `expected an array of tenants, got ${describe(list)}`);
  else if (list.length === 0) at('tenants', 'expected at least one tenant');
  else {
    const known = new Set<string>([...REDIS_COMMANDS, ...(options.extraCommands ?? []).map((n) => n.toLowerCase())]);
    const ids = new Map<string, string>();
    const users = new Map<string, string>();
    const groups = new Map<string, string>();
    list.forEach((item, i) => {
      const spec = parseTenant(item, `tenants[${i}]`, problems, known);
      if (spec === null) return;
      const path = `tenants[${i}]`;
      const previous = ids.get(spec.id);
      if (previous !== undefined) at(path, `tenant ${spec.id} is already defined at ${previous}`);
      else ids.set(spec.id, path);
      spec.users.forEach((user, u) => {
        const owner = users.get(user.name);
        if (owner !== undefined) at(`${path}.users[${u}].name`, `user '${printable(user.name)}' already belongs to ${owner}`);
        else users.set(user.name, `${path} (${spec.id})`);
      });
      if (spec.isolation === 'dedicated') {
        const shared = options.sharedGroup;
        // A tenant without sentinels of its own uses the proxy's: compare groups as they resolve.
        const sentinels = spec.sentinels ?? shared?.sentinels ?? null;
        const group = groupKey(spec.masterName!, sentinels);
        const other = groups.get(group);
        if (other !== undefined) at(`${path}.masterName`, `'${printable(spec.masterName!)}' is already the group of ${other}; dedicated tenants need a group each`);
        else groups.set(group, `${path} (${spec.id})`);
        if (shared !== undefined && sentinels !== null) {
          if (sentinels.length === 0) at(`${path}.sentinels`, 'the proxy runs against a standalone --upstream: give this dedicated tenant its sentinels');
          else if (group === groupKey(shared.masterName, shared.sentinels)) {
            at(`${path}.masterName`, `'${printable(spec.masterName!)}' is the group shared tenants use; a dedicated tenant needs a group of its own`);
          }
        }
      }
      tenants.push(spec);
    });
  }
  if (problems.lines.length > 0) throw new TenantsError(problems.lines);
  return { tenants };
}

type At = (path: string, what: string) => void;

/** Collects problem lines; `count` tells a parser whether a sub-object added any. */
class Problems {
  readonly lines: string[] = [];
  constructor(private readonly source: string | undefined) {}
  readonly at: At = (path, what) => void this.lines.push(`${this.source ? `${this.source}: ` : ''}${path}: ${what}`);
  get count(): number {
    return this.lines.length;
  }
}

function parseTenant(item: unknown, path: string, problems: Problems, known: ReadonlySet<string>): TenantSpec | null {
  const at = problems.at;
  if (!isObject(item)) {
    at(path, `expected an object, got ${describe(item)}`);
    return null;
  }
  const before = problems.count;
  unknownKeys(item, TENANT_KEYS, path, at);
  const owner = idField(item, 'owner', path, at);
  const business = idField(item, 'business', path, at);

  const users: TenantUser[] = [];
  const rawUsers = item['users'];
  if (!Array.isArray(rawUsers)) at(`${path}.users`, rawUsers === undefined ? 'missing: expected an array of users' : `expected an array of users, got ${describe(rawUsers)}`);
  else if (rawUsers.length === 0) at(`${path}.users`, 'expected at least one user');
  else {
    const names = new Set<string>();
    rawUsers.forEach((raw, u) => {
      const user = parseUser(raw, `${path}.users[${u}]`, problems);
      if (user === null) return;
      if (names.has(user.name)) at(`${path}.users[${u}].name`, `user '${printable(user.name)}' is listed twice`);
      names.add(user.name);
      users.push(user);
    });
  }

  let isolation: Isolation = 'shared';
  const rawIsolation = item['isolation'];
  if (rawIsolation !== undefined) {
    if (rawIsolation === 'shared' || rawIsolation === 'dedicated') isolation = rawIsolation;
    else at(`${path}.isolation`, `expected "shared" or "dedicated", got ${describe(rawIsolation)}`);
  }

  let masterName: string | null = null;
  const rawMaster = item['masterName'];
  if (rawMaster !== undefined) {
    if (typeof rawMaster !== 'string' || !MASTER_NAME_RE.test(rawMaster)) at(`${path}.masterName`, `expected a Sentinel master name (1 to 128 printable characters, no spaces), got ${describe(rawMaster)}`);
    else if (isolation !== 'dedicated') at(`${path}.masterName`, 'only a dedicated tenant has a group of its own: set "isolation": "dedicated"');
    else masterName = rawMaster;
  } else if (isolation === 'dedicated') at(`${path}.masterName`, 'missing: a dedicated tenant names the Sentinel master of its own group');

  let sentinels: HostPort[] | null = null;
  const rawSentinels = item['sentinels'];
  if (rawSentinels !== undefined) {
    if (isolation !== 'dedicated') at(`${path}.sentinels`, 'only a dedicated tenant has sentinels of its own: set "isolation": "dedicated"');
    else if (!Array.isArray(rawSentinels) || rawSentinels.length === 0) at(`${path}.sentinels`, `expected a non-empty array of "HOST:PORT", got ${describe(rawSentinels)}`);
    else {
      sentinels = [];
      rawSentinels.forEach((text, s) => {
        const addr = typeof text === 'string' ? hostPort(text) : null;
        if (addr === null) at(`${path}.sentinels[${s}]`, `expected "HOST:PORT", got ${describe(text)}`);
        else sentinels!.push(addr);
      });
    }
  }

  const deny: string[] = [];
  const rawDeny = item['deny'];
  if (rawDeny !== undefined) {
    if (!Array.isArray(rawDeny)) at(`${path}.deny`, `expected an array of command names, got ${describe(rawDeny)}`);
    else {
      rawDeny.forEach((name, d) => {
        const problem = typeof name === 'string' ? commandNameProblem(name, known) : `expected a command name, got ${describe(name)}`;
        if (problem !== null) at(`${path}.deny[${d}]`, problem);
        else if (!deny.includes(name.toLowerCase())) deny.push((name as string).toLowerCase());
      });
    }
  }

  let maxClients: number | null = null;
  const rawMax = item['maxClients'];
  if (rawMax !== undefined && rawMax !== null) {
    if (typeof rawMax !== 'number' || !Number.isInteger(rawMax) || rawMax < 1 || rawMax > MAX_CLIENTS) {
      at(`${path}.maxClients`, `expected a whole number from 1 to ${MAX_CLIENTS} (or null for no limit), got ${describe(rawMax)}`);
    } else maxClients = rawMax;
  }

  const scripts = booleanField(item, 'scripts', true, path, at);
  const metrics = booleanField(item, 'metrics', false, path, at);

  if (problems.count !== before) return null;
  return {
    owner: owner!,
    business: business!,
    id: `${owner}:${business}`,
    users,
    isolation,
    masterName,
    sentinels,
    deny,
    maxClients,
    scripts,
    metrics,
  };
}

function parseUser(raw: unknown, path: string, problems: Problems): TenantUser | null {
  const at = problems.at;
  if (!isObject(raw)) {
    at(path, `expected an object {"name": ..., "password": ...}, got ${describe(raw)}`);
    return null;
  }
  const before = problems.count;
  unknownKeys(raw, USER_KEYS, path, at);
  const name = raw['name'];
  if (name === undefined) at(`${path}.name`, 'missing: expected a user name');
  else if (typeof name !== 'string' || !USER_RE.test(name)) at(`${path}.name`, `expected 1 to 128 printable characters without spaces, got ${describe(name)}`);
  const password = raw['password'];
  const hash = raw['passwordSha256'];
  let digest: Buffer | null = null;
  if (password !== undefined && hash !== undefined) at(path, 'give either "password" or "passwordSha256", not both');
  else if (password !== undefined) {
    if (typeof password !== 'string' || password.length === 0 || password.length > MAX_PASSWORD) at(`${path}.password`, `expected a non-empty string, got ${describe(password, true)}`);
    else digest = passwordDigest(password);
  } else if (hash !== undefined) {
    if (typeof hash !== 'string' || !HEX64_RE.test(hash)) at(`${path}.passwordSha256`, `expected 64 hex digits, got ${describe(hash, true)}`);
    else digest = Buffer.from(hash, 'hex');
  } else at(path, 'missing: give "password" or "passwordSha256"');
  if (problems.count !== before || digest === null) return null;
  return { name: name as string, digest };
}

/** Null when `name` can be denied, else why not. */
export function commandNameProblem(name: string, known: ReadonlySet<string> = new Set(REDIS_COMMANDS)): string | null {
  const lower = name.toLowerCase();
  const [command, sub, extra] = lower.split('|');
  const shown = `'${printable(name)}'`;
  if (extra !== undefined || command === '' || sub === '') return `expected COMMAND or COMMAND|SUBCOMMAND, got ${shown}`;
  if (SUMAVLIB_RE.test(command!)) {
    if (sub !== undefined) return `${shown}: sumavlib commands have no subcommands`;
    return null;
  }
  if (!known.has(command!)) {
    const guess = closest(command!, known);
    return `${shown} is not a command name${guess ? ` (did you mean '${guess}'?)` : ''}`;
  }
  if (UNDENIABLE.has(command!)) return `${shown} cannot be denied: every client needs it to connect`;
  if (sub !== undefined && !SUBCOMMAND_RE.test(sub)) return `${shown}: '${printable(sub)}' is not a subcommand name`;
  return null;
}

function idField(item: Record<string, unknown>, key: string, path: string, at: At): string | null {
  const value = item[key];
  if (value === undefined) {
    at(`${path}.${key}`, 'missing: expected an id matching [A-Za-z0-9_.-]{1,64}');
    return null;
  }
  if (typeof value !== 'string' || !ID_RE.test(value)) {
    at(`${path}.${key}`, `expected an id matching [A-Za-z0-9_.-]{1,64}, got ${describe(value)}`);
    return null;
  }
  return value;
}

function booleanField(item: Record<string, unknown>, key: string, fallback: boolean, path: string, at: At): boolean {
  const value = item[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    at(`${path}.${key}`, `expected true or false, got ${describe(value)}`);
    return fallback;
  }
  return value;
}

function unknownKeys(item: Record<string, unknown>, allowed: readonly string[], path: string, at: At): void {
  for (const key of Object.keys(item)) {
    if (allowed.includes(key)) continue;
    const guess = closest(key, allowed);
    at(path ? `${path}.${printable(key)}` : printable(key), `unknown key${guess ? ` (did you mean '${guess}'?)` : ''}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function hostPort(text: string): HostPort | null {
  const m = /^(\[[^\]\s]+\]|[^:\s\[\]]+):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) return null;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

function groupKey(masterName: string, sentinels: readonly HostPort[] | null): string {
  const where = sentinels === null ? '' : sentinels.map((s) => `${s.host}:${s.port}`).sort().join(',');
  return `${where}/${masterName}`;
}

function sameSentinels(a: readonly HostPort[], b: readonly HostPort[]): boolean {
  return groupKey('', a) === groupKey('', b);
}

function describe(value: unknown, secret = false): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return secret ? `a string of ${value.length} characters` : `'${printable(value)}'`;
  if (typeof value === 'object') return 'an object';
  return printable(String(value));
}

function printable(text: string): string {
  const clean = text.replace(/[\x00-\x1f\x7f]/g, ' ');
  return clean.length > 64 ? clean.slice(0, 64) + '...' : clean;
}

/** The allowed word nearest to `word` (edit distance at most 2), for "did you mean". */
function closest(word: string, words: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const candidate of words) {
    if (Math.abs(candidate.length - word.length) >= bestDistance) continue;
    const d = distance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}

// ---------------------------------------------------------------- reloads

export interface TenantChange {
  readonly before: TenantSpec;
  readonly after: TenantSpec;
  /** The fields that differ. */
  readonly fields: readonly (keyof TenantSpec)[];
  /** Its clients must reconnect: the isolation or the upstream group changed. */
  readonly reconnect: boolean;
  /** Users no longer in this tenant (deleted, or moved to another): their connections end. */
  readonly removedUsers: readonly string[];
}

export interface TenantsDiff {
  readonly added: readonly TenantSpec[];
  readonly removed: readonly TenantSpec[];
  readonly changed: readonly TenantChange[];
  readonly unchanged: readonly TenantSpec[];
}

const COMPARED: readonly (keyof TenantSpec)[] = ['users', 'isolation', 'masterName', 'sentinels', 'deny', 'maxClients', 'scripts', 'metrics'];
const RECONNECT: ReadonlySet<keyof TenantSpec> = new Set(['isolation', 'masterName', 'sentinels']);

/** What a reload changes, tenant by tenant (matched by id); `before` null on the first load. */
export function diffTenants(before: TenantsConfig | null, after: TenantsConfig): TenantsDiff {
  const old = new Map((before?.tenants ?? []).map((t) => [t.id, t]));
  const added: TenantSpec[] = [];
  const changed: TenantChange[] = [];
  const unchanged: TenantSpec[] = [];
  for (const next of after.tenants) {
    const prev = old.get(next.id);
    if (prev === undefined) {
      added.push(next);
      continue;
    }
    old.delete(next.id);
    const fields = COMPARED.filter((field) => !sameField(field, prev, next));
    if (fields.length === 0) {
      unchanged.push(next);
      continue;
    }
    const kept = new Set(next.users.map((u) => u.name));
    changed.push({
      before: prev,
      after: next,
      fields,
      reconnect: fields.some((f) => RECONNECT.has(f)),
      removedUsers: prev.users.filter((u) => !kept.has(u.name)).map((u) => u.name),
    });
  }
  return { added, removed: [...old.values()], changed, unchanged };
}

function sameField(field: keyof TenantSpec, a: TenantSpec, b: TenantSpec): boolean {
  switch (field) {
    case 'users':
      return a.users.length === b.users.length && a.users.every((u, i) => u.name === b.users[i]!.name && u.digest.equals(b.users[i]!.digest));
    case 'sentinels':
      return a.sentinels === null || b.sentinels === null ? a.sentinels === b.sentinels : sameSentinels(a.sentinels, b.sentinels);
    case 'deny':
      return a.deny.length === b.deny.length && [...a.deny].sort().join(' ') === [...b.deny].sort().join(' ');
    default:
      return a[field] === b[field];
  }
}
