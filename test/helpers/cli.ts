// Runs `suma-redis up` through the built CLI, as a user would, in its own process group so a test
// can signal the whole group as a terminal's Ctrl-C does.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HostPort } from '../../src/config.js';
import { childProcesses, isLive, type ProcInfo } from './procs.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/suma-redis.js');
const BUILT_CLI = path.join(ROOT, 'dist/src/cli/main.js');

export type UpRole = 'master' | 'replica' | 'sentinel' | 'proxy' | 'admin';

export interface UpProcess {
  pid: number;
  /** Every stdout line so far, `ready` included. */
  lines: string[];
  addresses: Record<UpRole, HostPort[]>;
  /** The TMPDIR the process was given: its group directory lives there and must be gone at exit. */
  tmpDir: string;
  stderr(): string;
  /** The Redis processes it started (its live children). */
  children(): ProcInfo[];
  /** Signals the process group (or only the process) and resolves with how it exited. */
  stop(signal: NodeJS.Signals, target?: 'group' | 'process'): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILLs whatever is left of the process group and removes tmpDir; for afterEach. */
  dispose(): void;
}

/** Process groups started here, killed if the test process exits first. */
const groups = new Set<number>();
process.on('exit', () => groups.forEach((pgid) => killGroup(pgid, 'SIGKILL')));

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

/** Spawns `suma-redis up ...args` and resolves once it printed `ready`. */
export async function spawnUp(args: string[], readyTimeoutMs = 60_000): Promise<UpProcess> {
  if (!existsSync(BUILT_CLI)) throw new Error('the CLI is not built: run npm run build first');
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'suma-redis-up-test-'));
  const child = spawn(process.execPath, [BIN, 'up', ...args], {
    detached: true,
    env: { ...process.env, TMPDIR: tmpDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid!;
  groups.add(pid);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      groups.delete(pid);
      resolve({ code, signal });
    }),
  );

  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no 'ready' within ${readyTimeoutMs} ms`)), readyTimeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      const text = partial + d.toString();
      const complete = text.split('\n');
      partial = complete.pop()!;
      lines.push(...complete);
      if (complete.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`up exited (${code ?? signal}) before 'ready'`));
    });
  });

  const dispose = (): void => {
    killGroup(pid, 'SIGKILL');
    rmSync(tmpDir, { recursive: true, force: true });
  };
  try {
    await ready;
  } catch (err) {
    dispose();
    throw new Error(`${(err as Error).message}\nstdout:\n${lines.join('\n')}\nstderr:\n${stderr}`);
  }

  return {
    pid,
    lines,
    addresses: addressesOf(lines),
    tmpDir,
    stderr: () => stderr,
    children: () => childProcesses(pid),
    async stop(signal, target = 'group') {
      if (isLive(pid)) process.kill(target === 'group' ? -pid : pid, signal);
      return exited;
    },
    dispose,
  };
}

function addressesOf(lines: string[]): Record<UpRole, HostPort[]> {
  const addresses: Record<UpRole, HostPort[]> = { master: [], replica: [], sentinel: [], proxy: [], admin: [] };
  for (const line of lines) {
    const m = /^(master|replica|sentinel|proxy|admin) (.+):(\d+)$/.exec(line);
    if (m) addresses[m[1] as UpRole].push({ host: m[2]!, port: Number(m[3]) });
  }
  return addresses;
}
