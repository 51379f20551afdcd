// The sumavlib commands under load, each next to plain SET sent the same way through the proxy,
// so the figure that matters is the ratio. A command the proxy does not know yet (an
// "ERR unknown command" reply) is reported as not implemented.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const LOADGEN = fileURLToPath(new URL('./loadgen.mjs', import.meta.url));

/** Each connection works on its own election, host and config key, as separate services would. */
export const SUMAVLIB_COMMANDS = [
  { name: 'SET', command: ['SET', 'bench:set:{i}', 'v{n}'] },
  { name: 'try_leader', command: ['sumavlib.suma_try_leader', 'bench-election-{i}', '10.1.0.{i}'] },
  { name: 'keep_alive', command: ['sumavlib.suma_keep_alive', 'bench-group-{i}', '10.2.0.{i}', '10.2.*'] },
  { name: 'vip_list', command: ['sumavlib.suma_vip_list', 'bench-group-{i}', '10.2.*'] },
  { name: 'diamond_publish', command: ['sumavlib.suma_diamond_publish', 'bench.diamond', 'bench-config-{i}', 'value-{n}'] },
];

let running = null;
let stopped = false;

/** Kills the load generator in flight and refuses new runs (SIGINT handling). */
export function stopLoads() {
  stopped = true;
  running?.kill('SIGKILL');
}

/** Runs the load generator once; resolves with its JSON verdict. */
export function runLoad(port, command, { clients, seconds }) {
  if (stopped) return Promise.reject(new Error('interrupted'));
  const spec = JSON.stringify({ port, clients, seconds, command });
  return new Promise((resolve, reject) => {
    running = execFile(process.execPath, [LOADGEN, spec], { timeout: (seconds + 30) * 1000 }, (err, stdout, stderr) => {
      running = null;
      if (err) reject(new Error(`load generator failed: ${(stderr || err.message).trim().split('\n').pop()}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()));
    });
  });
}
