// Runs the proxy as its own process through the real CLI (`suma-redis serve`), so tests see
// what users see, can read its memory from /proc, and can signal it.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort } from './ports.js';
import { waitFor } from './poll.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/suma-redis.js');

export interface ProxyProcess {
  port: number;
  /** The admin HTTP port (/metrics, /livez, /readyz); null when the args turned it off. */
  adminPort: number | null;
  pid: number;
  child: ChildProcess;
  /** Everything the process wrote to stderr (its JSON log lines). */
  stderr(): string;
  /** Resident set size in bytes, from /proc. */
  rss(): number;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `suma-redis serve` with `args` on a free port (and the admin listener on another, unless
 * the args choose one) and waits until it accepts connections.
 */
export async function startProxyProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ProxyProcess> {
  const port = await freePort();
  const adminGiven = args.indexOf('--admin-port');
  const adminArg = adminGiven >= 0 ? args[adminGiven + 1]! : String(await freePort());
  const adminArgs = adminGiven >= 0 ? [] : ['--admin-port', adminArg];
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), ...adminArgs, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`proxy exited with ${child.exitCode}: ${stderr}`);
      return canConnect(port);
    },
    { timeoutMs: 20_000, intervalMs: 50, message: 'proxy did not start listening' },
  );
  return {
    port,
    adminPort: /^\d+$/.test(adminArg) && adminArg !== '0' ? Number(adminArg) : null,
    pid: child.pid!,
    child,
    stderr: () => stderr,
    rss: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) * 1024,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
