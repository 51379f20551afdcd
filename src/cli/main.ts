// The suma-redis command line: `up` (a local HA group with the proxy in front) and `serve` (the
// proxy in front of an existing group). Lines meant for people and scripts go to stdout, logs to stderr.

import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ConfigError, loadServeConfig, requireUpstream, serveHelp } from '../config.js';
import { startLocalGroup, type LocalGroup } from '../group/local-group.js';
import { startProxy, type RunningProxy } from '../main.js';
import { createLogger } from './logger.js';
import { runCtl } from '../ctl/index.js';

const USAGE = `Usage: suma-redis <command> [options]

Commands:
  up       start a local Redis HA group (master, 2 replicas, 3 sentinels) with the proxy in front
  serve    run the proxy in front of an existing Sentinel group or standalone Redis
  ctl      set up, inspect and fail over a Sentinel group (init, status, failover, probe)

Run 'suma-redis <command> --help' for a command's options.`;

const UP_HELP = `Usage: suma-redis up [options]

Starts a master, two replicas and three sentinels (quorum 2, min-replicas-to-write 1) on
loopback, then the proxy in front of them. Prints one line per process ("master|replica|sentinel|
proxy HOST:PORT"), the proxy's admin HTTP address ("admin HOST:PORT": /metrics, /livez, /readyz),
then "ready" once a write through the proxy succeeds. SIGINT or SIGTERM stops every process and
removes the temporary directory.

Options:
  --port PORT         proxy port (default 6380)
  --admin-port PORT   admin HTTP port (default 0: a free port; off: none)
  --log-level LEVEL   pino level: fatal error warn info debug trace silent (default info)
  --help              print this help and exit`;

/** How long `up` waits for its first write through the proxy. */
const READY_TIMEOUT_MS = 30_000;
const READY_KEY = 'suma-redis:up:ready';

/** Runs one command line; resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'up':
        return await runUp(args);
      case 'serve':
        return await runServe(args);
      case 'ctl':
        return await runCtl(args);
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(USAGE + '\n');
        return 0;
      case undefined:
        process.stderr.write(USAGE + '\n');
        return 2;
      default:
        throw new ConfigError(`unknown command '${command}' (try 'suma-redis --help')`);
    }
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`suma-redis: ${err.message}\n`);
    return 2;
  }
}

async function runServe(args: string[]): Promise<number> {
  const config = loadServeConfig(args);
  if (config.help) {
    process.stdout.write(serveHelp() + '\n');
    return 0;
  }
  requireUpstream(config);
  const logger = createLogger(config.logLevel);
  const shutdown = watchShutdownSignals(logger);
  let proxy: RunningProxy;
  try {
    proxy = await startProxy(config, logger);
  } catch (err) {
    logger.fatal({ err }, 'cannot start the proxy');
    return 1;
  }
  await shutdown.requested;
  await proxy.close();
  return 0;
}

async function runUp(args: string[]): Promise<number> {
  const { port, adminPort, logLevel, help } = parseUpArgs(args);
  if (help) {
    process.stdout.write(UP_HELP + '\n');
    return 0;
  }
  // The local group is the whole upstream, so no SUMA_* variable of the caller's may redirect it.
  const env = {};
  const flags = ['--port', port, '--admin-port', adminPort, '--log-level', logLevel];
  const logger = createLogger(loadServeConfig(flags, env).logLevel);
  const shutdown = watchShutdownSignals(logger);
  let group: LocalGroup | undefined;
  let proxy: RunningProxy | undefined;
  try {
    group = await startLocalGroup({ replicas: 2, sentinels: 3, quorum: 2, minReplicasToWrite: 1, downAfterMs: 5000 });
    if (shutdown.signal !== undefined) return 0;
    const sentinelFlags = group.sentinels.flatMap((s) => ['--sentinel', `${s.host}:${s.port}`]);
    proxy = await startProxy(loadServeConfig([...flags, '--master-name', group.masterName, ...sentinelFlags], env), logger);
    printAddresses(group, proxy);
    if (await firstWrite(proxy, () => shutdown.signal !== undefined)) say('ready');
    else if (shutdown.signal === undefined) throw new Error(`no write through the proxy succeeded within ${READY_TIMEOUT_MS} ms`);
    await shutdown.requested;
    return 0;
  } catch (err) {
    // A signal to the whole process group also stops the Redis children, failing a start under way.
    if (shutdown.signal !== undefined) return 0;
    logger.fatal({ err }, 'up failed');
    return 1;
  } finally {
    await proxy?.close();
    await group?.stop();
  }
}

function parseUpArgs(args: string[]): { port: string; adminPort: string; logLevel: string; help: boolean } {
  try {
    const { values } = parseArgs({
      args,
      options: {
        port: { type: 'string', default: '6380' },
        'admin-port': { type: 'string', default: '0' },
        'log-level': { type: 'string', default: 'info' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    return { port: values.port, adminPort: values['admin-port'], logLevel: values['log-level'], help: values.help };
  } catch (err) {
    throw new ConfigError((err as Error).message.split('\n')[0]!);
  }
}

function say(line: string): void {
  process.stdout.write(line + '\n');
}

function printAddresses(group: LocalGroup, proxy: RunningProxy): void {
  for (const node of [group.master, ...group.replicas, ...group.sentinels]) say(`${node.role} ${node.host}:${node.port}`);
  say(`proxy ${proxy.host}:${proxy.port}`);
  if (proxy.admin) say(`admin ${proxy.admin.host}:${proxy.admin.port}`);
}

/** Retries a SET through the proxy until one succeeds (true), the deadline passes or `cancelled()` (false). */
async function firstWrite(proxy: RunningProxy, cancelled: () => boolean): Promise<boolean> {
  const client = new Redis({
    host: proxy.host,
    port: proxy.port,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => 100,
  });
  client.on('error', () => {});
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    await client.connect().catch(() => {});
    while (!cancelled() && Date.now() < deadline) {
      try {
        await client.set(READY_KEY, String(Date.now()), 'PX', 60_000);
        return true;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    return false;
  } finally {
    client.disconnect();
  }
}

interface ShutdownWatch {
  /** Resolves on the first SIGINT or SIGTERM. */
  requested: Promise<void>;
  /** The signal received, once one was. */
  readonly signal: NodeJS.Signals | undefined;
}

/** Installs the handlers at once, so a signal that arrives during start-up is not lost. */
function watchShutdownSignals(logger: Logger): ShutdownWatch {
  let signal: NodeJS.Signals | undefined;
  let resolve!: () => void;
  const requested = new Promise<void>((r) => (resolve = r));
  const onSignal = (received: NodeJS.Signals): void => {
    if (signal !== undefined) {
      logger.warn({ signal: received }, 'second signal, exiting without cleaning up');
      process.exit(1);
    }
    signal = received;
    logger.info({ signal }, 'stopping');
    resolve();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    requested,
    get signal() {
      return signal;
    },
  };
}
