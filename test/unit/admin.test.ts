// The admin side without Redis: the hot-path counters and their buckets, the histogram prom-client
// renders from them, INFO parsing, the command ids, and the HTTP routes with fake sources.

import http from 'node:http';
import pino from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import { LazyHistogram } from '../../src/admin/lazy-histogram.js';
import { parseInfo, replicaLines } from '../../src/admin/nodes.js';
import { AdminServer } from '../../src/admin/server.js';
import { FAILOVER_BOUNDS_S, LATENCY_BOUNDS_S, LATENCY_BUCKETS, latencyBucket, ProxyStats } from '../../src/admin/stats.js';
import { CommandTable } from '../../src/registry/policy.js';
import { Registry } from 'prom-client';

describe('latency buckets', () => {
  test('powers of two from 16 µs to 8.4 s, then +Inf', () => {
    expect(LATENCY_BOUNDS_S.length).toBe(LATENCY_BUCKETS - 1);
    expect(LATENCY_BOUNDS_S[0]).toBe(0.000016);
    expect(LATENCY_BOUNDS_S.at(-1)).toBe(8.388608);
  });

  test('a duration goes to the first bucket whose bound is at least it', () => {
    const cases: [number, number][] = [
      [0, 0],
      [0.001, 0],
      [0.016, 0],
      [0.0161, 1],
      [0.032, 1],
      [0.033, 2],
      [1, 6], // 1 ms <= 1.024 ms
      [1.024, 6],
      [1.025, 7],
      [8388.608, LATENCY_BUCKETS - 2],
      [8388.609, LATENCY_BUCKETS - 1],
      [1e9, LATENCY_BUCKETS - 1],
    ];
    for (const [ms, bucket] of cases) {
      expect(latencyBucket(ms), `${ms} ms`).toBe(bucket);
      if (bucket < LATENCY_BUCKETS - 1) expect(ms / 1000).toBeLessThanOrEqual(LATENCY_BOUNDS_S[bucket]!);
      if (bucket > 0) expect(ms / 1000).toBeGreaterThan(LATENCY_BOUNDS_S[bucket - 1]!);
    }
  });
});

describe('ProxyStats', () => {
  test('one observation per command of a run, all in the run bucket', () => {
    const stats = new ProxyStats();
    stats.setCommands(['other', 'get', 'set']);
    expect(stats.names).toEqual(['other', 'get', 'set', 'mixed']);
    expect(stats.mixed).toBe(3);
    stats.observe(1, 0.05, 16);
    stats.observe(stats.mixed, 2, 3);
    expect(stats.latencyCounts[1 * LATENCY_BUCKETS + latencyBucket(0.05)]).toBe(16);
    expect(stats.latencySums[1]).toBeCloseTo(0.00005 * 16, 12);
    expect(stats.latencyCounts[3 * LATENCY_BUCKETS + latencyBucket(2)]).toBe(3);
  });

  test('failovers: bucketed, summed, the last one kept', () => {
    const stats = new ProxyStats();
    stats.failover(2500);
    stats.failover(0);
    expect(stats.failoverCounts[FAILOVER_BOUNDS_S.indexOf(3)]).toBe(1);
    expect(stats.failoverCounts[0]).toBe(1);
    expect(stats.failoverSumS).toBe(2.5);
    expect(stats.lastFailoverS).toBe(0);
  });
});

describe('LazyHistogram', () => {
  test('renders cumulative buckets, +Inf, sum and count per series, as prom-client does', async () => {
    const registry = new Registry();
    const counts = new Float64Array([1, 0, 2, /* second series */ 0, 4, 1]);
    new LazyHistogram(
      'test_seconds',
      'help text',
      ['cmd'],
      [0.1, 1],
      () => [
        { labels: { cmd: 'get' }, counts, offset: 0, sum: 3.5 },
        { labels: { cmd: 'set' }, counts, offset: 3, sum: 9 },
      ],
      [registry],
    );
    expect(await registry.metrics()).toBe(
      [
        '# HELP test_seconds help text',
        '# TYPE test_seconds histogram',
        'test_seconds_bucket{le="0.1",cmd="get"} 1',
        'test_seconds_bucket{le="1",cmd="get"} 1',
        'test_seconds_bucket{le="+Inf",cmd="get"} 3',
        'test_seconds_sum{cmd="get"} 3.5',
        'test_seconds_count{cmd="get"} 3',
        'test_seconds_bucket{le="0.1",cmd="set"} 0',
        'test_seconds_bucket{le="1",cmd="set"} 4',
        'test_seconds_bucket{le="+Inf",cmd="set"} 5',
        'test_seconds_sum{cmd="set"} 9',
        'test_seconds_count{cmd="set"} 5',
        '',
      ].join('\n'),
    );
    const [json] = await registry.getMetricsAsJSON();
    expect(json!.values[0]).toMatchObject({ labels: { le: 0.1, cmd: 'get' }, value: 1, metricName: 'test_seconds_bucket' });
  });
});

describe('INFO parsing', () => {
  const info = parseInfo(
    '# Server\r\nredis_version:7.0.15\r\n\r\n# Replication\r\nrole:master\r\nconnected_slaves:2\r\n' +
      'slave0:ip=127.0.0.1,port=6381,state=online,offset=1234,lag=0\r\n' +
      'slave1:ip=10.0.0.2,port=6382,state=wait_bgsave,offset=0,lag=3\r\nmaster_repl_offset:1234\r\n',
  );

  test('fields, sections and blank lines', () => {
    expect(info.get('redis_version')).toBe('7.0.15');
    expect(info.get('role')).toBe('master');
    expect(info.get('master_repl_offset')).toBe('1234');
    expect(info.has('# Server')).toBe(false);
  });

  test("a master's replica lines", () => {
    expect(replicaLines(info)).toEqual([
      { ip: '127.0.0.1', port: '6381', state: 'online', offset: 1234, lag: 0 },
      { ip: '10.0.0.2', port: '6382', state: 'wait_bgsave', offset: 0, lag: 3 },
    ]);
  });
});

describe('command ids', () => {
  const name = (table: CommandTable, text: string): number => {
    const buf = Buffer.from(`xx${text}yy`);
    return table.idOf(buf, 2, text.length);
  };

  test('every Redis command has its own id, any case; an unknown name is 0 (other)', () => {
    const table = new CommandTable();
    expect(table.names[0]).toBe('other');
    const get = name(table, 'GET');
    expect(get).toBeGreaterThan(0);
    expect(name(table, 'get')).toBe(get);
    expect(table.names[get]).toBe('get');
    expect(table.policies[get]).toBeUndefined();
    expect(name(table, 'nosuchcommand')).toBe(0);
    expect(new Set(table.names).size).toBe(table.names.length);
  });

  test('a local command that is a Redis command keeps its id; our own get new ones; twice is an error', () => {
    const table = new CommandTable();
    const info = name(table, 'info');
    const local = { name: 'info', check: () => null, run: () => 'x' };
    table.addLocal(local);
    expect(name(table, 'INFO')).toBe(info);
    expect(table.policies[info]?.command).toBe(local);
    table.addLocal({ name: 'sumavlib.suma_test', check: () => null, run: () => 'x' });
    expect(table.names[name(table, 'sumavlib.suma_test')]).toBe('sumavlib.suma_test');
    expect(() => table.addLocal(local)).toThrow(/registered twice/);
    expect(() => table.addLocal({ name: 'sumavlib.suma_test', check: () => null, run: () => 'x' })).toThrow(/registered twice/);
    expect(table.locals().map((c) => c.name)).toEqual(['info', 'sumavlib.suma_test']);
  });
});

describe('admin HTTP routes', () => {
  let server: AdminServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function start(unready: () => string | null, metrics = async () => ({ contentType: 'text/plain; version=0.0.4', body: 'm 1\n' })): Promise<number> {
    server = new AdminServer({ metrics, unready }, pino({ level: 'silent' }));
    return (await server.listen(0, '127.0.0.1')).port;
  }

  function get(port: number, path: string, method = 'GET'): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  test('/livez always, /readyz while ready, /metrics, and nothing else', async () => {
    let why: string | null = null;
    const port = await start(() => why);
    expect(await get(port, '/livez')).toMatchObject({ status: 200, body: 'ok\n' });
    expect(await get(port, '/readyz')).toMatchObject({ status: 200, body: 'ready\n' });
    why = 'no master is reachable';
    expect(await get(port, '/readyz')).toMatchObject({ status: 503, body: 'not ready: no master is reachable\n' });
    expect(await get(port, '/livez')).toMatchObject({ status: 200 });
    const metrics = await get(port, '/metrics?x=1');
    expect(metrics).toMatchObject({ status: 200, body: 'm 1\n' });
    expect(metrics.headers['content-type']).toBe('text/plain; version=0.0.4');
    expect(await get(port, '/metrics', 'HEAD')).toMatchObject({ status: 200, body: '' });
    expect(await get(port, '/')).toMatchObject({ status: 404 });
    const post = await get(port, '/metrics', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  test('a failing collection is a 500, and the server keeps serving', async () => {
    const port = await start(
      () => null,
      async () => {
        throw new Error('boom');
      },
    );
    expect(await get(port, '/metrics')).toMatchObject({ status: 500 });
    expect(await get(port, '/livez')).toMatchObject({ status: 200 });
  });
});
