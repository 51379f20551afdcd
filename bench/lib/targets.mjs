// What the bench measures: the group's master ("direct"), suma-redis in front of the group's
// sentinels, and the peer proxies that are installed, each in its own process on a free port.

import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, openSync, closeSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { waitForPong } from './resp.mjs';

const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 3_000;

/** Newest modification time of the files under dir, 0 when there is none. */
function newestMtime(dir) {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  }
  return newest;
}

/** Runs `npm run build` when dist/ is missing or older than the sources. */
export function ensureBuild(root) {
  const built = newestMtime(join(root, 'dist'));
  const sources = Math.max(newestMtime(join(root, 'src')), newestMtime(join(root, 'commands')));
  if (built >= sources && existsSync(join(root, 'dist/src/main.js'))) return false;
  const result = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (result.status !== 0) throw new Error('npm run build failed');
  return true;
}

/** Whether an executable of that name is on PATH (looked up, not run). */
export function isInstalled(binary) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, binary), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The built local-group module: startLocalGroup() and freePort(). */
export function loadGroupModule(root) {
  return import(pathToFileURL(join(root, 'dist/src/group/local-group.js')).href);
}

export function directTarget(group) {
  return { name: 'direct', port: group.master.port, pid: group.master.pid, child: null, logFile: null };
}

/** Spawns a server with its output in logFile and resolves once it answers PING on port. */
async function launch(name, command, args, port, logFile) {
  const log = openSync(logFile, 'w');
  const child = spawn(command, args, { stdio: ['ignore', log, log] });
  closeSync(log);
  await new Promise((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  try {
    await waitForPong(port, START_TIMEOUT_MS, () => child.exitCode === null && child.signalCode === null);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${name} did not start: ${err.message}\n${tail(logFile, 10)}`);
  }
  return { name, port, pid: child.pid, child, logFile };
}

export function tail(file, lines) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** suma-redis through its CLI, as users run it (admin listener on, on a free port). */
export async function startSuma(root, group, port, dir) {
  const args = [
    join(root, 'bin/suma-redis.js'), 'serve',
    ...group.sentinels.flatMap((s) => ['--sentinel', `${s.host}:${s.port}`]),
    '--master-name', group.masterName, '--port', String(port), '--admin-port', '0', '--log-level', 'warn',
  ];
  return launch('suma-redis', process.execPath, args, port, join(dir, 'suma-redis.log'));
}

/** twemproxy with one server connection, so every client shares one pipelined upstream. */
export async function startTwemproxy(master, port, statsPort, dir) {
  const conf = join(dir, 'nutcracker.yml');
  writeFileSync(conf, [
    'bench:',
    `  listen: 127.0.0.1:${port}`,
    '  hash: fnv1a_64',
    '  distribution: ketama',
    '  redis: true',
    '  auto_eject_hosts: false',
    '  server_connections: 1',
    '  servers:',
    `   - ${master.host}:${master.port}:1`,
    '',
  ].join('\n'));
  const args = ['-c', conf, '-s', String(statsPort), '-a', '127.0.0.1', '-o', join(dir, 'nutcracker.out')];
  return launch('twemproxy', 'nutcracker', args, port, join(dir, 'nutcracker.log'));
}

/** HAProxy as a TCP pipe on one thread: a core-for-core comparison with single-threaded Node. */
export async function startHaproxy(master, port, dir) {
  const conf = join(dir, 'haproxy.cfg');
  writeFileSync(conf, [
    'global', '    maxconn 4096', '    nbthread 1',
    'defaults', '    mode tcp', '    timeout connect 5s', '    timeout client 60s', '    timeout server 60s',
    'frontend fe', `    bind 127.0.0.1:${port}`, '    default_backend be',
    'backend be', `    server r1 ${master.host}:${master.port}`,
    '',
  ].join('\n'));
  return launch('haproxy', 'haproxy', ['-f', conf], port, join(dir, 'haproxy.log'));
}

/** SIGTERM, then SIGKILL after a grace period; for the processes this bench spawned. */
export async function stopTarget(target) {
  const child = target.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}
