// `suma-redis ctl <command>`: the controller of a Redis Sentinel group (init, status, failover) and
// the container health probe. Results go to stdout, errors to stderr; no logger, no long-lived state.

import { ConfigError } from '../config.js';
import { runFailover } from './failover.js';
import { runInit } from './init.js';
import { runProbe } from './probe.js';
import { runStatus } from './status.js';

const USAGE = `Usage: suma-redis ctl <command> [options]

Commands:
  init       make one node master and the others its replicas, register the group with every sentinel
  status     print each node's role, offset, lag and link, each sentinel's view; warn about anything unhealthy
  failover   ask Sentinel for a failover and wait until the new master (and each --proxy) is in place
  probe      health check of a running proxy, for a container HEALTHCHECK

Run 'suma-redis ctl <command> --help' for a command's options. The group is described by the same
SUMA_* variables 'serve' reads (SUMA_SENTINELS, SUMA_MASTER_NAME, SUMA_UPSTREAM_PASSWORD ...),
plus SUMA_NODES for the Redis nodes.`;

const COMMANDS: Record<string, (args: string[], env: NodeJS.ProcessEnv) => Promise<number>> = {
  init: runInit,
  status: runStatus,
  failover: runFailover,
  probe: runProbe,
};

/** Runs one ctl command line; resolves with the exit code. Usage errors throw ConfigError. */
export async function runCtl(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? process.stderr : process.stdout).write(USAGE + '\n');
    return command === undefined ? 2 : 0;
  }
  const run = COMMANDS[command];
  if (!run) throw new ConfigError(`ctl: unknown command '${command.slice(0, 32)}' (try 'suma-redis ctl --help')`);
  // As PID 1 of a container a signal without a handler is ignored; a one-shot command should stop.
  const stop = (signal: NodeJS.Signals): void => {
    process.stderr.write(`suma-redis ctl ${command}: ${signal}, stopping\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await run(args, env);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
