// `suma-redis serve` configuration as users meet it: a wrong flag, environment value or config-file
// entry stops the start with one line naming the option; flags beat the environment, which beats
// the config file; secrets come from *_FILE; --help lists every option with its default.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SERVE_OPTIONS } from '../../src/config.js';
import { waitFor } from '../helpers/poll.js';
import { freePort } from '../helpers/ports.js';
import { startRedis, type RedisProcess } from '../helpers/redis.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/suma-redis.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'suma-config-it-'));
let redis: RedisProcess;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string): string {
  const at = path.join(dir, name);
  writeFileSync(at, content);
  return at;
}

/** The caller's SUMA_* variables must not leak into these runs. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SUMA_') && !k.startsWith('APOLLO_')) env[k] = v;
  return { ...env, ...extra };
}

function serveSync(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'serve', ...args], { encoding: 'utf8', timeout: 30_000, env: cleanEnv(env) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('a wrong value stops the start with one line naming the option', () => {
  const upstream = (): string[] => ['--upstream', `127.0.0.1:${redis.port}`];
  const cases: { name: string; args: () => string[]; env?: NodeJS.ProcessEnv; config?: string; line: RegExp }[] = [
    { name: 'a bad flag', args: () => ['--port', '70000', ...upstream()], line: /^suma-redis: --port: 70000 is out of range \(0\.\.65535\)$/ },
    { name: 'an unknown flag', args: () => ['--prot', '1', ...upstream()], line: /^suma-redis: .*'--prot'/ },
    { name: 'a bad environment value', args: upstream, env: { SUMA_PORT: 'sixty' }, line: /^suma-redis: SUMA_PORT: expected a whole number, got 'sixty'$/ },
    { name: 'a bad APOLLO_* value', args: upstream, env: { APOLLO_OWNER_ID: 'no spaces allowed' }, line: /^suma-redis: APOLLO_OWNER_ID: must match / },
    { name: 'a bad admin port in the environment', args: upstream, env: { SUMA_ADMIN_PORT: 'maybe' }, line: /^suma-redis: SUMA_ADMIN_PORT: expected a whole number, got 'maybe'$/ },
    { name: 'an unreadable secret file', args: upstream, env: { SUMA_REQUIREPASS_FILE: '/nonexistent/secret' }, line: /^suma-redis: SUMA_REQUIREPASS_FILE: cannot read \/nonexistent\/secret: ENOENT$/ },
    { name: 'an unknown key in the config file', args: upstream, config: '{"prot": 6380}', line: /^suma-redis: .*\.json: prot: unknown option$/ },
    { name: 'a wrong type in the config file', args: upstream, config: '{"port": "6380"}', line: /^suma-redis: .*\.json: port: expected a whole number, got '6380'$/ },
    { name: 'a config file that is not JSON', args: upstream, config: 'port = 6380', line: /^suma-redis: .*\.json: not valid JSON/ },
    { name: 'no upstream at all', args: () => [], line: /^suma-redis: --sentinel: give at least one/ },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const config = c.config === undefined ? [] : ['--config', file(`${c.name.replace(/\W+/g, '-')}.json`, c.config)];
      const admin = c.env?.SUMA_ADMIN_PORT === undefined ? ['--admin-port', '0'] : [];
      const r = serveSync([...config, ...c.args(), ...admin], c.env);
      expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 2, stdout: '' });
      expect(r.stderr).toMatch(/^[^\n]+\n$/);
      expect(r.stderr.trimEnd()).toMatch(c.line);
    });
  }
});

test('serve --help lists every option with its default and its environment variables', () => {
  const r = serveSync(['--help']);
  expect(r.status).toBe(0);
  const lines = r.stdout.split('\n');
  for (const option of SERVE_OPTIONS) {
    const line = lines.find((l) => new RegExp(`^ {2}--${option.flag}( |$)`).test(l));
    expect(line, option.flag).toBeDefined();
    if (option.type !== 'switch') expect(line, option.flag).toMatch(/\(default [^)]+\)/);
    for (const env of option.env) expect(line, option.flag).toContain(env);
  }
  expect(r.stdout).toContain('--admin-port PORT|off');
  expect(r.stdout).toContain('--config FILE');
});

test('flags beat the environment, which beats the config file; secrets from *_FILE', async () => {
  const [filePort, envPort, fileAdmin, flagAdmin] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const config = file(
    'layers.json',
    JSON.stringify({ port: filePort, 'admin-port': fileAdmin, upstream: `127.0.0.1:${redis.port}`, requirepass: 'from-config', 'log-level': 'warn' }),
  );
  const secret = file('requirepass', 'from-secret-file\n');
  const child = spawn(process.execPath, [BIN, 'serve', '--admin-port', String(flagAdmin)], {
    env: cleanEnv({ SUMA_CONFIG: config, SUMA_PORT: String(envPort), SUMA_REQUIREPASS_FILE: secret }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    // The admin port from the flag, not the file's.
    await waitFor(async () => (await fetch(`http://127.0.0.1:${flagAdmin}/readyz`).catch(() => null))?.status === 200, {
      timeoutMs: 20_000,
      message: `admin on the flag's port did not get ready (stderr: ${stderr})`,
    });
    expect(await canConnect(fileAdmin)).toBe(false);
    // The RESP port from the environment, not the file's.
    expect(await canConnect(filePort)).toBe(false);
    const client = new Redis({ port: envPort, lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      // The password from the *_FILE variable, not the config file's.
      await expect(client.call('AUTH', 'from-config')).rejects.toThrow(/WRONGPASS/);
      expect(await client.call('AUTH', 'from-secret-file')).toBe('OK');
      expect(await client.call('PING')).toBe('PONG');
    } finally {
      client.disconnect();
    }
    // log-level came from the file: warn, so no info lines.
    expect(stderr).not.toMatch(/"level":30/);
  } finally {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }
});

test('an admin port already taken stops the start (exit 1) with the reason logged', async () => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as net.AddressInfo).port;
  try {
    const r = serveSync(['--port', '0', '--admin-port', String(port), '--upstream', `127.0.0.1:${redis.port}`, '--log-level', 'warn']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/"msg":"cannot start the proxy"/);
    expect(r.stderr).toMatch(/EADDRINUSE/);
  } finally {
    taken.close();
  }
});

test('--admin-port off: no admin listener', async () => {
  const [port, admin] = await Promise.all([freePort(), freePort()]);
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--admin-port', 'off', '--upstream', `127.0.0.1:${redis.port}`, '--log-level', 'info'], {
    env: cleanEnv({ SUMA_ADMIN_PORT: String(admin) }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    await waitFor(() => canConnect(port), { timeoutMs: 20_000, message: 'serve did not start listening' });
    expect(await canConnect(admin)).toBe(false);
    expect(stderr).not.toContain('admin listening');
  } finally {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }
});

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
