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
  pid: number;
  child: ChildProcess;
  /** Everything the process wrote to stderr (its JSON log lines). */
  stderr(): string;
  /** Resident set size in bytes, from /proc. */
  rss(): number;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `suma-redis serve` with `args` on a free port and waits until it accepts connections. */
export async function startProxyProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ProxyProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), ...args], {
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
