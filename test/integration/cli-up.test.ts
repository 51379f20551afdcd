// `suma-redis up` as a user runs it: the addresses in a fixed order, a proxy that serves, and a
// signal that stops every process it started and removes its temporary directory.

import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { spawnUp, type UpProcess } from '../helpers/cli.js';
import { query } from '../helpers/group.js';
import { waitFor } from '../helpers/poll.js';
import { freePort } from '../helpers/ports.js';
import { isLive } from '../helpers/procs.js';
import { encodeCommand, exchange } from '../helpers/resp.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/suma-redis.js');

describe('suma-redis up', () => {
  let up: UpProcess | undefined;

  afterEach(() => {
    up?.dispose();
    up = undefined;
  });

  const cases = [
    { signal: 'SIGINT', target: 'group' },
    { signal: 'SIGTERM', target: 'process' },
  ] as const;

  for (const { signal, target } of cases) {
    test(`serves through the proxy, then ${signal} to the ${target} stops everything`, async () => {
      const port = await freePort();
      const t0 = performance.now();
      up = await spawnUp(['--port', String(port), '--log-level', 'warn']);
      console.info(`up printed ready after ${(performance.now() - t0).toFixed(0)} ms`);

      expect(up.lines.map((line) => line.split(' ')[0])).toEqual(['master', 'replica', 'replica', 'sentinel', 'sentinel', 'sentinel', 'proxy', 'admin', 'ready']);
      for (const line of up.lines.slice(0, -1)) expect(line).toMatch(/^[a-z]+ 127\.0\.0\.1:\d{1,5}$/);
      expect(up.addresses.proxy).toEqual([{ host: '127.0.0.1', port }]);
      expect(up.addresses.admin[0]!.port).not.toBe(port);
      expect(up.stderr()).not.toMatch(/"level":[56]0/);

      // The admin address serves: ready, and every node of the group in /metrics.
      const admin = `http://127.0.0.1:${up.addresses.admin[0]!.port}`;
      expect((await fetch(`${admin}/readyz`)).status).toBe(200);
      const roles = await waitFor(
        async () => {
          const text = await (await fetch(`${admin}/metrics`)).text();
          const found = [...text.matchAll(/^redis_instance_info\{node="[^"]+",role="(\w+)"/gm)].map((m) => m[1]).sort();
          return found.length === 3 ? found : null;
        },
        { timeoutMs: 10_000, intervalMs: 200, message: 'the three data nodes in /metrics' },
      );
      expect(roles).toEqual(['master', 'slave', 'slave']);

      const client = new Redis({ port, maxRetriesPerRequest: 0 });
      try {
        await client.set('cli-up:key', 'value');
        expect(await client.get('cli-up:key')).toBe('value');
      } finally {
        client.disconnect();
      }
      const reply = await exchange(port, Buffer.concat([encodeCommand('GET', 'cli-up:key'), encodeCommand('PING')]), 2);
      expect(reply.toString('latin1')).toBe('$5\r\nvalue\r\n+PONG\r\n');
      expect(await query(up.addresses.master[0]!, undefined, 'GET', 'cli-up:key')).toBe('value');

      const children = up.children();
      expect(children.map((c) => c.command.split(' ')[0]).sort()).toEqual([
        'redis-sentinel',
        'redis-sentinel',
        'redis-sentinel',
        'redis-server',
        'redis-server',
        'redis-server',
      ]);

      const t1 = performance.now();
      expect(await up.stop(signal, target)).toEqual({ code: 0, signal: null });
      console.info(`up exited ${(performance.now() - t1).toFixed(0)} ms after ${signal}`);
      expect(children.filter((c) => isLive(c.pid))).toEqual([]);
      expect(readdirSync(up.tmpDir)).toEqual([]);
    });
  }
});

describe('suma-redis command line', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });

  test('--help lists the commands; no command prints the same usage to stderr and exits 2', () => {
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: suma-redis <command>/);
    expect(help.stdout).toMatch(/\n {2}up {2}/);
    expect(help.stdout).toMatch(/\n {2}serve {2}/);
    const bare = run();
    expect(bare.status).toBe(2);
    expect(bare.stderr).toBe(help.stdout);
  });

  test('up --help and serve --help print their options', () => {
    const up = run('up', '--help');
    expect([up.status, up.stdout.split('\n')[0]]).toEqual([0, 'Usage: suma-redis up [options]']);
    expect(up.stdout).toContain('--port PORT');
    expect(up.stdout).toContain('--admin-port PORT');
    const serve = run('serve', '--help');
    expect([serve.status, serve.stdout.split('\n')[0]]).toEqual([0, 'Usage: suma-redis serve [options]']);
    expect(serve.stdout).toContain('--sentinel HOST:PORT');
  });

  test('a bad option or command is one line on stderr and exit code 2', () => {
    for (const args of [['serve', '--port', 'x'], ['serve'], ['up', '--bogus'], ['up', '--log-level', 'loud'], ['frobnicate']]) {
      const r = run(...args);
      expect({ args, status: r.status, stdout: r.stdout }).toEqual({ args, status: 2, stdout: '' });
      expect(r.stderr).toMatch(/^suma-redis: [^\n]+\n$/);
    }
  });

  test('serve stops on SIGTERM with exit code 0', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--admin-port', '0', '--upstream', `127.0.0.1:${await freePort()}`, '--log-level', 'silent']);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await waitFor(() => exchange(port, encodeCommand('QUIT'), 1, 1000), { timeoutMs: 20_000, message: 'serve did not start listening' });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
