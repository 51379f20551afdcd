// A throwaway Redis HA group on loopback: one master, its replicas and the sentinels watching them,
// each a child process of this one with its config and log in a fresh temporary directory.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export interface GroupNode {
  /** The role the node was started in; failovers change the live role, not this. */
  role: 'master' | 'replica' | 'sentinel';
  host: string;
  port: number;
  pid: number;
  process: ChildProcess;
}

export interface LocalGroupOptions {
  replicas?: number;
  sentinels?: number;
  quorum?: number;
  masterName?: string;
  downAfterMs?: number;
  failoverTimeoutMs?: number;
  minReplicasToWrite?: number;
  /** requirepass and masterauth on the data nodes, auth-pass on the sentinels. */
  password?: string;
  bind?: string;
}

export interface LocalGroup {
  masterName: string;
  /** The temporary directory holding every node's config and log. */
  dir: string;
  /** The master at start; after a failover, ask the sentinels. */
  master: GroupNode;
  replicas: GroupNode[];
  sentinels: GroupNode[];
  dataNodes(): GroupNode[];
  /** Terminates every node (SIGKILL after a grace period) and removes dir; safe to call twice. */
  stop(): Promise<void>;
}

type Settings = Required<Omit<LocalGroupOptions, 'password'>> & { password: string | undefined };

const DEFAULT_OPTIONS: Required<Omit<LocalGroupOptions, 'password'>> = {
  replicas: 2,
  sentinels: 3,
  quorum: 2,
  masterName: 'mymaster',
  downAfterMs: 5000,
  failoverTimeoutMs: 15000,
  minReplicasToWrite: 1,
  bind: '127.0.0.1',
};

const NODE_START_TIMEOUT_MS = 10_000;
const GROUP_SETTLE_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
/** Another process may take a port between freePort() and the bind; a few fresh tries cover that race. */
const BIND_ATTEMPTS = 5;

/** Children of every group in this process, killed if the process exits without stopping them. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A port nothing listens on right now; the kernel picks it, so two callers rarely collide. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error(`freePort: no TCP address on ${host}`);
  return address.port;
}

export async function startLocalGroup(opts: LocalGroupOptions = {}): Promise<LocalGroup> {
  const s: Settings = { ...DEFAULT_OPTIONS, ...definedOnly(opts), password: opts.password };
  const ctx: LaunchContext = { dir: await mkdtemp(join(tmpdir(), 'suma-redis-')), settings: s, started: [] };
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= terminate(ctx.started).then(() => rm(ctx.dir, { recursive: true, force: true })));

  try {
    const master = await launchNode(ctx, 'master', 'master', (port, dir) => masterConfig(s, port, dir));
    const replicas = await settleAll(
      range(s.replicas).map((i) =>
        launchNode(ctx, 'replica', `replica-${i + 1}`, (port, dir) => replicaConfig(s, port, dir, master.port)),
      ),
    );
    await waitForReplication(s, master, replicas);
    // Sentinels start last so their first INFO of the master already lists every replica.
    const sentinels = await settleAll(
      range(s.sentinels).map((i) =>
        launchNode(ctx, 'sentinel', `sentinel-${i + 1}`, (port, dir) => sentinelConfig(s, port, dir, master.port)),
      ),
    );
    await waitForSentinels(s, sentinels);
    return { masterName: s.masterName, dir: ctx.dir, master, replicas, sentinels, dataNodes: () => [master, ...replicas], stop };
  } catch (err) {
    await stop();
    throw new Error(`local Redis group did not start: ${(err as Error).message}`, { cause: err });
  }
}

/** Like Promise.all, but waits for every launch to finish so that stop() sees every child spawned. */
async function settleAll<T>(promises: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

function definedOnly<T extends object>(opts: T): Partial<T> {
  return Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

// ---------------------------------------------------------------------------------------------
// Configuration files

/** Redis config syntax: double quotes with backslash escapes, so paths and passwords stay whole. */
function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => '\\' + c)}"`;
}

function commonConfig(s: Settings, port: number, nodeDir: string): string[] {
  return [
    `port ${port}`,
    `bind ${s.bind}`,
    'daemonize no',
    `dir ${quote(nodeDir)}`,
    // An empty logfile means stdout, which launchNode sends to a file: startup errors land there too.
    'logfile ""',
  ];
}

function dataConfig(s: Settings, port: number, nodeDir: string): string[] {
  const lines = [
    ...commonConfig(s, port, nodeDir),
    'save ""',
    'appendonly no',
    // Full syncs of an empty data set start at once instead of waiting 5 s for more replicas.
    'repl-diskless-sync-delay 0',
    // Tests need DEBUG SLEEP for slow replies; Redis 7 refuses DEBUG unless enabled. Loopback only.
    'enable-debug-command local',
  ];
  if (s.password !== undefined) lines.push(`requirepass ${quote(s.password)}`, `masterauth ${quote(s.password)}`);
  return lines;
}

function masterConfig(s: Settings, port: number, nodeDir: string): string[] {
  return [...dataConfig(s, port, nodeDir), `min-replicas-to-write ${s.minReplicasToWrite}`, 'min-replicas-max-lag 10'];
}

function replicaConfig(s: Settings, port: number, nodeDir: string, masterPort: number): string[] {
  return [...dataConfig(s, port, nodeDir), `replicaof ${s.bind} ${masterPort}`];
}

function sentinelConfig(s: Settings, port: number, nodeDir: string, masterPort: number): string[] {
  const name = s.masterName;
  const lines = [
    ...commonConfig(s, port, nodeDir),
    'sentinel resolve-hostnames no',
    `sentinel monitor ${name} ${s.bind} ${masterPort} ${s.quorum}`,
    `sentinel down-after-milliseconds ${name} ${s.downAfterMs}`,
    `sentinel failover-timeout ${name} ${s.failoverTimeoutMs}`,
  ];
  if (s.password !== undefined) lines.push(`sentinel auth-pass ${name} ${quote(s.password)}`);
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Processes

interface LaunchContext {
  dir: string;
  settings: Settings;
  /** Every child spawned so far, so a failed start can still stop them all. */
  started: ChildProcess[];
}

/** Starts one node on a free port and resolves once it answers PING; retries if the port was taken. */
async function launchNode(
  ctx: LaunchContext,
  role: GroupNode['role'],
  name: string,
  config: (port: number, nodeDir: string) => string[],
): Promise<GroupNode> {
  const host = ctx.settings.bind;
  const nodeDir = join(ctx.dir, name);
  const confFile = join(nodeDir, role === 'sentinel' ? 'sentinel.conf' : 'redis.conf');
  const logFile = join(nodeDir, `${name}.log`);
  await mkdir(nodeDir);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(host);
    await writeFile(confFile, config(port, nodeDir).join('\n') + '\n');
    const child = await spawnRedis(role === 'sentinel' ? 'redis-sentinel' : 'redis-server', confFile, logFile);
    ctx.started.push(child);
    try {
      await waitUntilAnswering(child, host, port, role === 'sentinel' ? undefined : ctx.settings.password);
      return { role, host, port, pid: child.pid!, process: child };
    } catch (err) {
      await terminate([child]);
      const log = await readFile(logFile, 'utf8').catch(() => '');
      if (attempt < BIND_ATTEMPTS && log.includes('Address already in use')) continue;
      throw new Error(`${name} on port ${port}: ${(err as Error).message}${lastLines(log, 5)}`);
    }
  }
}

/** Spawns in the foreground with stdout and stderr written to logFile. */
async function spawnRedis(binary: string, confFile: string, logFile: string): Promise<ChildProcess> {
  const log = openSync(logFile, 'w');
  try {
    const child = spawn(binary, [confFile], { stdio: ['ignore', log, log] });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) => reject(new Error(`cannot run ${binary}: ${err.message}`)));
    });
    trackUntilExit(child);
    return child;
  } finally {
    closeSync(log);
  }
}

function trackUntilExit(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const c of liveChildren) c.kill('SIGKILL');
    });
  }
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function exited(child: ChildProcess): Promise<void> {
  return isRunning(child) ? new Promise((resolve) => child.once('exit', () => resolve())) : Promise.resolve();
}

/** SIGTERM, then SIGKILL for whatever is still running after the grace period. */
async function terminate(children: ChildProcess[]): Promise<void> {
  const running = children.filter(isRunning);
  for (const child of running) {
    child.kill('SIGTERM');
    // A node a test froze with SIGSTOP acts on the SIGTERM only once continued.
    child.kill('SIGCONT');
  }
  const allExited = Promise.all(running.map(exited));
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_GRACE_MS)));
  if ((await Promise.race([allExited, graceOver])) === 'late') {
    for (const child of running.filter(isRunning)) child.kill('SIGKILL');
    await allExited;
  }
  clearTimeout(timer);
}

/** The end of a node's log, indented under the error message. */
function lastLines(text: string, n: number): string {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-n)
    .map((line) => '\n  | ' + line)
    .join('');
}

// ---------------------------------------------------------------------------------------------
// Readiness checks

/** Ends a wait at once: the condition can no longer come true. */
class GiveUp extends Error {}

/** Polls `check` until it returns true; other errors count as "not yet" and are reported at the deadline. */
async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'never checked';
  for (;;) {
    try {
      if (await check()) return;
      last = 'condition not met';
    } catch (err) {
      if (err instanceof GiveUp) throw err;
      last = (err as Error).message;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One command on a short-lived connection that never retries or queues, bounded in time. */
export async function ask(host: string, port: number, password: string | undefined, ...args: string[]): Promise<unknown> {
  const client = new Redis({
    host,
    port,
    password,
    lazyConnect: true,
    enableReadyCheck: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
    commandTimeout: 2000,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return await client.call(args[0]!, ...args.slice(1));
  } finally {
    client.disconnect();
  }
}

async function waitUntilAnswering(child: ChildProcess, host: string, port: number, password: string | undefined): Promise<void> {
  await until(`PING on ${host}:${port}`, NODE_START_TIMEOUT_MS, async () => {
    if (!isRunning(child)) throw new GiveUp(`exited with ${child.exitCode ?? child.signalCode}`);
    return (await ask(host, port, password, 'PING')) === 'PONG';
  });
}

function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** Sentinel replies list each entity as a flat [field, value, field, value ...] array. */
function fieldsOf(flat: unknown): Map<string, string> {
  const list = flat as string[];
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < list.length; i += 2) fields.set(list[i]!, list[i + 1]!);
  return fields;
}

/** Every replica attached to the master, online, at the master's replication offset. */
async function waitForReplication(s: Settings, master: GroupNode, replicas: GroupNode[]): Promise<void> {
  await until('replicas to catch up with the master', GROUP_SETTLE_TIMEOUT_MS, async () => {
    const info = parseInfo(String(await ask(master.host, master.port, s.password, 'INFO', 'replication')));
    const offset = info.get('master_repl_offset');
    const attached = [...info.entries()]
      .filter(([key]) => /^slave\d+$/.test(key))
      .map(([, value]) => new Map(value.split(',').map((kv) => kv.split('=') as [string, string])));
    return replicas.every((r) =>
      attached.some((a) => a.get('port') === String(r.port) && a.get('state') === 'online' && a.get('offset') === offset),
    );
  });
}

/** Every sentinel sees every replica (linked to the master) and every other sentinel. */
async function waitForSentinels(s: Settings, sentinels: GroupNode[]): Promise<void> {
  await until('sentinels to discover the group', GROUP_SETTLE_TIMEOUT_MS, async () => {
    const views = await Promise.all(sentinels.map((node) => sentinelView(node, s.masterName)));
    return views.every(
      (v) => v.healthyReplicas === s.replicas && v.otherSentinels === s.sentinels - 1,
    );
  });
}

async function sentinelView(node: GroupNode, masterName: string) {
  const replicas = ((await ask(node.host, node.port, undefined, 'SENTINEL', 'REPLICAS', masterName)) as unknown[]).map(fieldsOf);
  const others = (await ask(node.host, node.port, undefined, 'SENTINEL', 'SENTINELS', masterName)) as unknown[];
  return {
    healthyReplicas: replicas.filter((r) => r.get('flags') === 'slave' && r.get('master-link-status') === 'ok').length,
    otherSentinels: others.length,
  };
}
