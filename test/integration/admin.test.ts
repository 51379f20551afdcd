// The admin HTTP port on a real group: /metrics moving during a redis-benchmark run, every node of
// the group with its role, offsets and lag, the sumavlib gauges, and a SIGKILL failover seen by
// /readyz (unready while no master is reachable, ready after the promotion) and counted in /metrics
// with its duration.

import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestGroup, type TestGroup } from '../helpers/group.js';
import { waitFor } from '../helpers/poll.js';
import { startProxyProcess, type ProxyProcess } from '../helpers/proxy.js';

let group: TestGroup;
let proxy: ProxyProcess;
let admin: string;

beforeAll(async () => {
  group = await startTestGroup();
  const sentinels = group.sentinelAddrs().flatMap((s) => ['--sentinel', `${s.host}:${s.port}`]);
  proxy = await startProxyProcess([...sentinels, '--master-name', group.masterName, '--owner', 'admintest', '--log-level', 'warn']);
  admin = `http://127.0.0.1:${proxy.adminPort}`;
});

afterAll(async () => {
  await proxy?.stop();
  await group?.stop();
});

/** The samples of /metrics: `name{labels}` -> value. */
async function scrape(): Promise<Map<string, number>> {
  const res = await fetch(`${admin}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** Samples of one metric whose label text matches `labels`. */
function series(samples: Map<string, number>, name: string, labels: RegExp = /.*/): [string, number][] {
  return [...samples].filter(([key]) => (key === name || key.startsWith(`${name}{`)) && labels.test(key));
}

function value(samples: Map<string, number>, key: string): number {
  const v = samples.get(key);
  if (v === undefined) throw new Error(`no sample ${key}`);
  return v;
}

describe('admin HTTP port', () => {
  test('/livez and /readyz answer 200 while a master is reachable; other paths 404', async () => {
    expect((await fetch(`${admin}/livez`)).status).toBe(200);
    const ready = await fetch(`${admin}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([200, 'ready\n']);
    expect((await fetch(`${admin}/`)).status).toBe(404);
  });

  test('counters and latency histograms move during a redis-benchmark run', async () => {
    const before = await scrape();
    const n = 200_000;
    const bench = spawn('redis-benchmark', ['-p', String(proxy.port), '-c', '20', '-P', '8', '-n', String(n), '-t', 'set,get', '-q'], { stdio: 'ignore' });
    const done = new Promise<number | null>((resolve) => bench.once('exit', resolve));
    let exited = false;
    void done.then(() => (exited = true));

    // While it runs, two scrapes in a row show the SET counter moving.
    const moving = await waitFor(
      async () => {
        const a = await scrape();
        await new Promise((r) => setTimeout(r, 100));
        const b = await scrape();
        const key = 'suma_redis_commands_total{cmd="set"}';
        return !exited && (b.get(key) ?? 0) > (a.get(key) ?? 0) && (a.get(key) ?? 0) > 0 ? [a, b] : null;
      },
      { timeoutMs: 30_000, intervalMs: 20, message: 'the SET counter moving during the run' },
    );
    expect(moving).toHaveLength(2);
    expect(await done).toBe(0);

    const after = await scrape();
    for (const cmd of ['set', 'get']) {
      const calls = value(after, `suma_redis_commands_total{cmd="${cmd}"}`) - (before.get(`suma_redis_commands_total{cmd="${cmd}"}`) ?? 0);
      expect(calls, cmd).toBe(n);
      // Every command of the run got its reply and so one latency observation.
      const observed = value(after, `suma_redis_command_duration_seconds_count{cmd="${cmd}"}`) - (before.get(`suma_redis_command_duration_seconds_count{cmd="${cmd}"}`) ?? 0);
      expect(observed, cmd).toBe(n);
      expect(value(after, `suma_redis_command_duration_seconds_bucket{le="+Inf",cmd="${cmd}"}`)).toBe(value(after, `suma_redis_command_duration_seconds_count{cmd="${cmd}"}`));
      expect(value(after, `suma_redis_command_duration_seconds_sum{cmd="${cmd}"}`)).toBeGreaterThan(0);
    }
    expect(value(after, 'suma_redis_commands_processed_total')).toBeGreaterThanOrEqual(2 * n);
    expect(value(after, 'suma_redis_connections_received_total')).toBeGreaterThanOrEqual(40);
    expect(value(after, 'suma_redis_upstream_connections')).toBeGreaterThanOrEqual(1);
    expect(value(after, 'suma_redis_master_up')).toBe(1);
    expect(value(after, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  test('each node of the group: role, replication offset and lag, memory, clients', async () => {
    const master = await group.currentMaster();
    const m = `${master.host}:${master.port}`;
    const samples = await waitFor(
      async () => {
        const s = await scrape();
        return series(s, 'redis_instance_info').length === 3 && series(s, 'redis_slave_repl_offset').length === 2 ? s : null;
      },
      { timeoutMs: 10_000, intervalMs: 200, message: 'three nodes in /metrics' },
    );
    expect(value(samples, `redis_instance_info{node="${m}",role="master",redis_version="${/redis_version="([^"]+)"/.exec(series(samples, 'redis_instance_info')[0]![0])![1]}"}`)).toBe(1);
    expect(series(samples, 'redis_instance_info', /role="slave"/)).toHaveLength(2);
    for (const name of ['redis_up', 'redis_connected_clients', 'redis_memory_used_bytes', 'redis_master_repl_offset']) {
      const found = series(samples, name);
      expect(found.map(([key]) => /node="([^"]+)"/.exec(key)![1]).sort(), name).toEqual(group.dataNodes().map((d) => `${d.host}:${d.port}`).sort());
    }
    expect(series(samples, 'redis_up').every(([, v]) => v === 1)).toBe(true);
    expect(value(samples, `redis_connected_slaves{node="${m}"}`)).toBe(2);
    const lag = series(samples, 'redis_connected_slave_lag_seconds', new RegExp(`node="${m}"`));
    expect(lag).toHaveLength(2);
    for (const [key] of lag) expect(key).toMatch(/slave_ip="[^"]+",slave_port="\d+",slave_state="online"/);
    expect(series(samples, 'redis_connected_slave_offset_bytes', new RegExp(`node="${m}"`))).toHaveLength(2);
    for (const [key] of series(samples, 'redis_slave_repl_offset')) expect(key).toContain(`master_host="${master.host}",master_port="${master.port}"`);
    expect(series(samples, 'redis_master_link_up').every(([, v]) => v === 1)).toBe(true);
    expect(series(samples, 'redis_memory_used_bytes').every(([, v]) => v > 0)).toBe(true);
  });

  test('sumavlib gauges: leaders held, live hosts, config keys and revision of the tenant', async () => {
    const client = new Redis({ port: proxy.port, maxRetriesPerRequest: 0 });
    let lastRev: number | string = 0;
    try {
      expect(await client.call('sumavlib.suma_try_leader', 'admin-election-a', '10.0.0.1', 'TTL', '60000')).toBe(1);
      expect(await client.call('sumavlib.suma_try_leader', 'admin-election-b', '10.0.0.1', 'TTL', '60000')).toBe(1);
      await client.call('sumavlib.suma_keep_alive', 'admin-group', '10.0.0.1', '*');
      await client.call('sumavlib.suma_keep_alive', 'admin-group', '10.0.0.2', '*');
      await client.call('sumavlib.suma_diamond_publish', 'app', 'admin-key-a', 'v1');
      lastRev = ((await client.call('sumavlib.suma_diamond_publish', 'app', 'admin-key-b', 'v1', 'WITHREV')) as [number, number | string])[1];
    } finally {
      client.disconnect();
    }
    const samples = await scrape();
    expect(value(samples, 'suma_redis_leaders_held{tenant="admintest:default"}')).toBe(2);
    expect(value(samples, 'suma_redis_live_hosts{tenant="admintest:default"}')).toBe(2);
    expect(value(samples, 'suma_redis_config_keys{tenant="admintest:default"}')).toBe(2);
    expect(value(samples, 'suma_redis_config_revision{tenant="admintest:default"}')).toBe(Number(lastRev));
    expect(Number(lastRev)).toBeGreaterThan(0);
    expect(value(samples, 'suma_redis_commands_total{cmd="sumavlib.suma_try_leader"}')).toBe(2);
    expect(value(samples, 'suma_redis_command_duration_seconds_count{cmd="sumavlib.suma_try_leader"}')).toBe(2);
  });

  test('SIGKILL of the master: /readyz unready until the promotion, the failover counted with its duration', async () => {
    const seen: number[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const status = (await fetch(`${admin}/readyz`).catch(() => null))?.status ?? 0;
        if (seen.at(-1) !== status) seen.push(status);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const t0 = performance.now();
    const old = await group.killMaster();
    const promoted = await group.waitForPromotion(old);
    // Ready again once the proxy confirmed the new master itself.
    // Read what the watcher saw, so it has recorded the 200 before it stops.
    await waitFor(() => seen.at(-1) === 200 && seen.includes(503), {
      timeoutMs: 30_000,
      intervalMs: 20,
      message: '/readyz ready again after the promotion',
    });
    watching = false;
    await watcher;
    const elapsed = (performance.now() - t0) / 1000;
    expect(seen).toEqual([200, 503, 200]);

    const samples = await waitFor(
      async () => {
        const s = await scrape();
        return series(s, 'redis_instance_info').length === 2 ? s : null;
      },
      { timeoutMs: 10_000, intervalMs: 200, message: 'the surviving nodes in /metrics' },
    );
    expect(value(samples, 'suma_redis_failovers_total')).toBe(1);
    expect(value(samples, 'suma_redis_failover_duration_seconds_count')).toBe(1);
    const duration = value(samples, 'suma_redis_failover_duration_seconds_sum');
    expect(duration).toBeGreaterThan(0);
    expect(duration).toBeLessThan(elapsed);
    expect(value(samples, 'suma_redis_last_failover_duration_seconds')).toBe(duration);
    expect(value(samples, 'suma_redis_master_up')).toBe(1);
    expect(value(samples, 'suma_redis_no_master_seconds')).toBe(0);
    expect(series(samples, 'suma_redis_master_info', new RegExp(`master_host="${promoted.host}",master_port="${promoted.port}"`))).toHaveLength(1);
    // The dead master is still listed, as down; the promoted replica is the master now.
    expect(value(samples, `redis_up{node="${old.host}:${old.port}"}`)).toBe(0);
    expect(series(samples, 'redis_instance_info', new RegExp(`node="${promoted.host}:${promoted.port}",role="master"`))).toHaveLength(1);
    console.info(`failover: ${duration.toFixed(2)} s without a master (${elapsed.toFixed(2)} s from the kill to ready)`);
  });
});
