// Task dispatch through the real proxy: SUBMIT with its event, CLAIM in MODE ONE (ten hosts race,
// exactly one runs the task; when it dies without reporting, another takes over after the claim
// lease) and MODE ALL (each target once), REPORT and STATUS, TARGET patterns that mean what
// SCAN MATCH means, errors, the task limit, and durability on a Sentinel group.

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys, tenant, SYSTEM_CHANNELS } from '../../src/state/keys.js';
import { startRedis, type RedisProcess } from '../helpers/redis.js';
import { clientPool } from '../helpers/clients.js';
import { startProxyProcess, type ProxyProcess } from '../helpers/proxy.js';
import { startTestGroup, type TestGroup } from '../helpers/group.js';
import { waitFor } from '../helpers/poll.js';

const T = tenant('agent.zy', 'tasks');
const TENANT_FLAGS = ['--owner', T.owner, '--business', T.business];
const TTL = 3000;

let redis: RedisProcess;
let proxies: ProxyProcess[] = [];
let direct: Redis;
let c: Redis;
const { connect, closeAll } = clientPool();


const task = (...args: (string | number | Buffer)[]): Promise<unknown> => c.call('sumavlib.suma_ci_task', ...args);

async function errorOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error reply');
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Event {
  type: string;
  data: Record<string, unknown>;
  seq: string;
  ts: number;
}

async function subscribe(...channels: string[]): Promise<{ received: { channel: string; raw: string; event: Event }[]; close(): void }> {
  const sub = connect(proxies[0]!.port);
  const received: { channel: string; raw: string; event: Event }[] = [];
  sub.on('message', (channel: string, raw: string) => received.push({ channel, raw, event: JSON.parse(raw) as Event }));
  await sub.subscribe(...channels);
  return { received, close: () => sub.disconnect() };
}

beforeAll(async () => {
  redis = await startRedis();
  const args = ['--upstream', `127.0.0.1:${redis.port}`, ...TENANT_FLAGS, '--log-level', 'warn'];
  proxies = await Promise.all([startProxyProcess(args), startProxyProcess(args)]);
  direct = new Redis({ port: redis.port });
  c = connect(proxies[0]!.port);
});

afterAll(async () => {
  closeAll();
  direct?.disconnect();
  await Promise.all(proxies.map((p) => p.stop()));
  await redis?.stop();
});

describe('SUBMIT', () => {
  it(':1 new, :0 duplicate id; ci_task on the channel and __suma.task with the payload unchanged', async () => {
    const events = await subscribe('ci', SYSTEM_CHANNELS.task);
    const payload = '{"cmd": "make test", "timeout": 1.50}';
    expect(await task('SUBMIT', 'ci', 'build-1', payload, 'TARGET', 'builder-*', 'MODE', 'ALL', 'TTL', 5000)).toBe(1);
    expect(await task('SUBMIT', 'ci', 'build-1', '{}')).toBe(0);
    expect(await task('submit', 'ci', 'build-2', '[1]')).toBe(1);
    await waitFor(() => events.received.length >= 4, { timeoutMs: 5000, message: 'ci_task events did not arrive' });
    events.close();
    expect(events.received.map((r) => [r.channel, r.event.type, r.event.data.task_id])).toEqual([
      ['ci', 'ci_task', 'build-1'],
      [SYSTEM_CHANNELS.task, 'ci_task', 'build-1'],
      ['ci', 'ci_task', 'build-2'],
      [SYSTEM_CHANNELS.task, 'ci_task', 'build-2'],
    ]);
    expect(events.received[0]!.event.data).toEqual({ task_id: 'build-1', channel: 'ci', target: 'builder-*', mode: 'ALL', ttl: 5000, payload: JSON.parse(payload) });
    expect(events.received[0]!.raw).toContain(`"payload":${payload}}`);
    expect(events.received[2]!.event.data).toEqual({ task_id: 'build-2', channel: 'ci', target: '*', mode: 'ONE', ttl: 15000, payload: [1] });
    // Logged first: suma_events_since gives the same bytes.
    const since = (await c.call('sumavlib.suma_events_since', 0)) as string[];
    expect(since).toContain(events.received[1]!.raw);
    // Nobody claimed yet.
    expect(await task('STATUS', 'build-1')).toEqual([]);
    expect(await direct.pttl(keys.task(T, 'build-1'))).toBeGreaterThan(3_500_000);
  });

  it('argument errors', async () => {
    const arity = (sub: string): string => `ERR wrong number of arguments for 'sumavlib.suma_ci_task|${sub}' command`;
    expect(await errorOf(c.call('sumavlib.suma_ci_task'))).toBe("ERR wrong number of arguments for 'sumavlib.suma_ci_task' command");
    expect(await errorOf(task('LAUNCH', 'x'))).toBe("ERR unknown subcommand 'LAUNCH'. Try SUMAVLIB.SUMA_CI_TASK HELP.");
    expect(await errorOf(task('SUBMIT', 'ci', 't'))).toBe(arity('submit'));
    expect(await errorOf(task('CLAIM', 't'))).toBe(arity('claim'));
    expect(await errorOf(task('CLAIM', 't', 'v', 'x'))).toBe(arity('claim'));
    expect(await errorOf(task('REPORT', 't', 'v'))).toBe(arity('report'));
    expect(await errorOf(task('REPORT', 't', 'v', 'failed', '{}', 'x'))).toBe(arity('report'));
    expect(await errorOf(task('STATUS'))).toBe(arity('status'));
    expect(await errorOf(task('STATUS', 't', 'WITHRESULT', 'x'))).toBe(arity('status'));
    expect(await errorOf(task('SUBMIT', 'ci', 'e1', '{'))).toBe('ERR invalid JSON');
    expect(await errorOf(task('SUBMIT', 'ci', 'e1', Buffer.from('\ufeff{}')))).toBe('ERR invalid JSON');
    expect(await errorOf(task('SUBMIT', 'ci', 'e1', `"${'j'.repeat(64 * 1024)}"`))).toBe('ERR value too large (max 65536 bytes)');
    expect(await errorOf(task('SUBMIT', 'ci', 'e1', '{}', 'MODE', 'SOME'))).toBe('ERR syntax error');
    expect(await errorOf(task('SUBMIT', 'ci', 'e1', '{}', 'MODE'))).toBe('ERR syntax error');
    expect(await errorOf(task('SUBMIT', 'ci', 'e1', '{}', 'TTL', 100))).toBe('ERR invalid TTL (allowed 3000..300000 ms)');
    expect(await errorOf(task('SUBMIT', 'ci', 'e1', '{}', 'TTL', 'soon'))).toBe('ERR value is not an integer or out of range');
    expect(await errorOf(task('SUBMIT', 'ci', 'e1', '{}', 'PRIORITY', 1))).toBe('ERR syntax error');
    expect(await errorOf(task('SUBMIT', 'ci', 'e1', '{}', 'TARGET', '*'.repeat(257)))).toBe('ERR value too large (max 256 bytes)');
    expect(await errorOf(task('SUBMIT', 'ci', 'i'.repeat(257), '{}'))).toBe('ERR value too large (max 256 bytes)');
    expect(await errorOf(task('SUBMIT', SYSTEM_CHANNELS.task, 'e1', '{}'))).toBe('NOPERM the __suma.* channels are reserved for system events');
    expect(await errorOf(task('REPORT', 't', 'v', 'done'))).toBe('ERR syntax error');
    expect(await errorOf(task('REPORT', 't', 'v', 'failed', 'not json'))).toBe('ERR invalid JSON');
    expect(await errorOf(task('STATUS', 't', 'WITHMETA'))).toBe('ERR syntax error');
    expect(await direct.exists(keys.task(T, 'e1'))).toBe(0);
    const help = (await task('HELP')) as string[];
    expect(help[0]).toMatch(/^SUMAVLIB\.SUMA_CI_TASK <subcommand>/);
    expect(help.join('\n')).toContain('CLAIM <task_id> <my_vip>');
  });
});

describe('MODE ONE', () => {
  it('ten hosts race for the task through two proxies: exactly one wins', async () => {
    expect(await task('SUBMIT', 'ci', 'one-race', '{"job":"deploy"}', 'TTL', TTL)).toBe(1);
    const hosts = Array.from({ length: 10 }, (_, i) => ({ vip: `10.1.0.${i + 1}`, conn: connect(proxies[i % 2]!.port) }));
    const replies = await Promise.all(hosts.map((h) => h.conn.call('sumavlib.suma_ci_task', 'CLAIM', 'one-race', h.vip)));
    expect(replies.filter((r) => r === 1)).toHaveLength(1);
    const winner = hosts[replies.indexOf(1)]!.vip;
    expect(await task('STATUS', 'one-race')).toEqual([winner, 'claimed']);
    // Claiming again is idempotent for the winner and still refused to the others.
    expect(await task('CLAIM', 'one-race', winner)).toBe(1);
    for (const h of hosts) if (h.vip !== winner) expect(await h.conn.call('sumavlib.suma_ci_task', 'CLAIM', 'one-race', h.vip)).toBe(0);
  });

  it('a claimant that dies without reporting is replaced after its claim lease, and only then', async () => {
    const id = 'one-failover';
    expect(await task('SUBMIT', 'ci', id, '{"job":"migrate"}', 'TTL', TTL)).toBe(1);
    // Ten hosts poll every 200 ms until the task is finished; a host runs it while it holds the claim.
    const runs: { vip: string; at: number }[] = [];
    const dead = new Set<string>();
    let finished = false;
    const hosts = Array.from({ length: 10 }, (_, i) => `10.2.0.${i + 1}`);
    const loops = hosts.map(async (vip, i) => {
      const conn = connect(proxies[i % 2]!.port);
      let running = false;
      while (!finished && !dead.has(vip)) {
        const won = (await conn.call('sumavlib.suma_ci_task', 'CLAIM', id, vip)) === 1;
        if (won && !running) {
          running = true;
          runs.push({ vip, at: Date.now() });
        }
        if (running && runs.length > 1) {
          // The second runner does the work and reports.
          expect(await conn.call('sumavlib.suma_ci_task', 'REPORT', id, vip, 'succeeded', '{"ok":true}')).toBe(1);
          finished = true;
        }
        await sleep(200);
      }
    });
    await waitFor(() => runs.length === 1, { timeoutMs: 5000, message: 'nobody claimed the task' });
    const first = runs[0]!;
    dead.add(first.vip); // dies without reporting: no more claims, no report
    await waitFor(() => finished, { timeoutMs: TTL + 5000, message: 'nobody took the task over' });
    await Promise.all(loops);
    expect(runs).toHaveLength(2);
    const second = runs[1]!;
    expect(second.vip).not.toBe(first.vip);
    // Not before the lease of the first claim (renewed by its last claim, at most 200 ms later) ran out.
    expect(second.at - first.at).toBeGreaterThanOrEqual(TTL - 100);
    expect(second.at - first.at).toBeLessThan(TTL + 1500);
    const status = (await task('STATUS', id, 'WITHRESULT')) as (string | null)[];
    expect(status).toEqual(
      [
        [first.vip, 'expired', null],
        [second.vip, 'succeeded', '{"ok":true}'],
      ]
        .sort((a, b) => Buffer.compare(Buffer.from(a[0]!), Buffer.from(b[0]!)))
        .flat(),
    );
    // The first claimant's late report is refused; a finished task is claimed by nobody.
    expect(await task('REPORT', id, first.vip, 'succeeded')).toBe(0);
    expect(await task('CLAIM', id, first.vip)).toBe(0);
    expect(await task('CLAIM', id, '10.2.0.99')).toBe(0);
    // Repeating the final report is accepted (a retry after -TRYAGAIN), a different one is not.
    expect(await task('REPORT', id, second.vip, 'succeeded')).toBe(1);
    expect(await task('REPORT', id, second.vip, 'failed')).toBe(0);
  });

  it('REPORT running renews the claim lease; STATUS shows expired once it runs out', async () => {
    const id = 'one-running';
    expect(await task('SUBMIT', 'ci', id, '{}', 'TTL', TTL)).toBe(1);
    expect(await task('CLAIM', id, 'worker-a')).toBe(1);
    for (let i = 0; i < 5; i++) {
      await sleep(1000);
      expect(await task('REPORT', id, 'worker-a', 'running', `{"progress":${i}}`)).toBe(1);
      expect(await task('CLAIM', id, 'worker-b')).toBe(0);
    }
    expect(await task('STATUS', id)).toEqual(['worker-a', 'running']);
    await sleep(TTL + 200);
    expect(await task('STATUS', id, 'WITHRESULT')).toEqual(['worker-a', 'expired', '{"progress":4}']);
    // Nobody took it over yet: the claimant may still report its outcome.
    expect(await task('REPORT', id, 'worker-a', 'failed', '{"error":"disk"}')).toBe(1);
    expect(await task('STATUS', id, 'WITHRESULT')).toEqual(['worker-a', 'failed', '{"error":"disk"}']);
    expect(await task('CLAIM', id, 'worker-b')).toBe(0);
  }, 20_000);

  it('status events go to __suma.task', async () => {
    const events = await subscribe(SYSTEM_CHANNELS.task);
    expect(await task('SUBMIT', 'ci', 'one-events', '{}')).toBe(1);
    expect(await task('CLAIM', 'one-events', 'ev-1')).toBe(1);
    expect(await task('CLAIM', 'one-events', 'ev-1')).toBe(1);
    expect(await task('REPORT', 'one-events', 'ev-1', 'running')).toBe(1);
    expect(await task('REPORT', 'one-events', 'ev-1', 'running')).toBe(1);
    expect(await task('REPORT', 'one-events', 'ev-1', 'succeeded')).toBe(1);
    await waitFor(() => events.received.length >= 4, { timeoutMs: 5000, message: 'status events did not arrive' });
    await sleep(100);
    events.close();
    expect(events.received.map((r) => [r.event.type, r.event.data.status ?? null])).toEqual([
      ['ci_task', null],
      ['ci_task_status', 'claimed'],
      ['ci_task_status', 'running'],
      ['ci_task_status', 'succeeded'],
    ]);
    expect(events.received[1]!.event.data).toEqual({ task_id: 'one-events', vip: 'ev-1', status: 'claimed' });
  });
});

describe('MODE ALL, TARGET and killed hosts', () => {
  it('every target claims once; non-targets and killed hosts never', async () => {
    const id = 'all-1';
    expect(await task('SUBMIT', 'ci', id, '{"job":"rotate-logs"}', 'MODE', 'ALL', 'TARGET', 'web-?', 'TTL', TTL)).toBe(1);
    await c.call('sumavlib.suma_vip_register', 'web-9');
    expect(await c.call('sumavlib.suma_vip_kill', 'ops', 'web-9')).toBe(1);
    for (const vip of ['web-1', 'web-2', 'web-3']) expect(await task('CLAIM', id, vip)).toBe(1);
    expect(await task('CLAIM', id, 'web-1')).toBe(1); // its own claim again
    expect(await task('CLAIM', id, 'web-10')).toBe(0); // not a target
    expect(await task('CLAIM', id, 'db-1')).toBe(0);
    expect(await task('CLAIM', id, 'web-9')).toBe(0); // killed
    expect(await task('REPORT', id, 'web-4', 'succeeded')).toBe(0); // never claimed
    expect(await task('REPORT', id, 'web-1', 'succeeded', '{"lines":10}')).toBe(1);
    expect(await task('REPORT', id, 'web-2', 'failed')).toBe(1);
    expect(await task('CLAIM', id, 'web-1')).toBe(0); // done, not again
    expect(await task('STATUS', id)).toEqual(['web-1', 'succeeded', 'web-2', 'failed', 'web-3', 'claimed']);
    expect(await task('STATUS', id, 'withresult')).toEqual(['web-1', 'succeeded', '{"lines":10}', 'web-2', 'failed', null, 'web-3', 'claimed', null]);
    // A reset host is a target again.
    expect(await c.call('sumavlib.suma_vip_reset', 'ops', 'web-9')).toBe(1);
    expect(await task('CLAIM', id, 'web-9')).toBe(1);
  });

  it('TARGET matches exactly what Redis SCAN MATCH matches', async () => {
    const names = ['a/b', 'a/b/c', 'a.b', 'ab', 'abc', 'a*c', 'a?c', 'x[1]', 'h\\y', 'hello', 'hallo', 'hxllo', 'hllo', 'heeeello', 'B', 'b', '-', ']', '^x', '10.0.0.1', 'é', 'ÿ'];
    const patterns = [
      '*', '?', 'h?llo', 'h*llo', 'h[ae]llo', 'h[^e]llo', 'h[a-b]llo', 'h[b-a]llo', '[a-z]', '[A-Z]', 'a/*', '*/*', 'a*', 'a\\*c', 'a\\?c', 'a[*]c',
      'x\\[1\\]', 'x[[]1]', 'h\\\\y', '10.0.0.*', '*.1', '[^a-z]*', '[\\]]', '[-]', '[\\^]x', '{a,b}', 'h[', 'a[/]b', '\\a\\b\\c', 'h*l*o', '*?*?*', '[é]', '??', '[\x80-\xff]*',
    ];
    await direct.sadd('task-glob-reference', ...names);
    for (const [i, pattern] of patterns.entries()) {
      const id = `glob-${i}`;
      expect(await task('SUBMIT', 'ci', id, '{}', 'MODE', 'ALL', 'TARGET', pattern)).toBe(1);
      const winners: string[] = [];
      for (const name of names) if ((await task('CLAIM', id, name)) === 1) winners.push(name);
      const [, fromRedis] = await direct.sscan('task-glob-reference', 0, 'MATCH', pattern, 'COUNT', 1000);
      expect(winners.sort(), pattern).toEqual(fromRedis.sort());
    }
  });
});

describe('the task limit', () => {
  it('a tenant holds at most 10 000 tasks; SUBMIT refuses more', async () => {
    const existing = await direct.zcard(keys.tasks(T));
    const pipeline = c.pipeline();
    for (let i = existing; i < 10_000; i++) pipeline.call('sumavlib.suma_ci_task', 'SUBMIT', 'ci', `bulk-${i}`, '{}');
    await pipeline.exec();
    expect(await direct.zcard(keys.tasks(T))).toBe(10_000);
    expect(await errorOf(task('SUBMIT', 'ci', 'one-too-many', '{}'))).toBe('ERR too many tasks (max 10000)');
    // A task that has expired frees its place.
    await direct.zadd(keys.tasks(T), 1, 'bulk-9999');
    expect(await task('SUBMIT', 'ci', 'one-too-many', '{}')).toBe(1);
  });
});

describe('on a Sentinel group: durability of claims', () => {
  let group: TestGroup;
  let gproxy: ProxyProcess;
  let g: Redis;

  beforeAll(async () => {
    group = await startTestGroup();
    const sentinels = group.sentinelAddrs().flatMap((s) => ['--sentinel', `${s.host}:${s.port}`]);
    gproxy = await startProxyProcess([...sentinels, '--master-name', group.masterName, ...TENANT_FLAGS, '--log-level', 'warn']);
    g = connect(gproxy.port);
  });

  afterAll(async () => {
    for (const r of group?.replicas ?? []) {
      try {
        process.kill(r.pid, 'SIGCONT');
      } catch {
        // already gone
      }
    }
    await gproxy?.stop();
    await group?.stop();
  });

  it('an unacknowledged claim answers :0 but holds the task for its claimant; SUBMIT and REPORT answer -TRYAGAIN', async () => {
    expect(await g.call('sumavlib.suma_ci_task', 'SUBMIT', 'ci', 'dur-1', '{}', 'TTL', 10_000)).toBe(1);
    for (const r of group.replicas) process.kill(r.pid, 'SIGSTOP');
    try {
      expect(await g.call('sumavlib.suma_ci_task', 'CLAIM', 'dur-1', 'host-a')).toBe(0);
      expect(await g.call('sumavlib.suma_ci_task', 'CLAIM', 'dur-1', 'host-b')).toBe(0);
      expect(await errorOf(g.call('sumavlib.suma_ci_task', 'SUBMIT', 'ci', 'dur-2', '{}'))).toBe('TRYAGAIN replication not acknowledged');
      expect(await errorOf(g.call('sumavlib.suma_ci_task', 'REPORT', 'dur-1', 'host-a', 'running'))).toBe('TRYAGAIN replication not acknowledged');
    } finally {
      for (const r of group.replicas) process.kill(r.pid, 'SIGCONT');
    }
    await waitFor(async () => (await g.call('sumavlib.suma_ci_task', 'CLAIM', 'dur-1', 'host-a')) === 1, {
      timeoutMs: 20_000,
      intervalMs: 200,
      message: 'the claim was never acknowledged after the replicas came back',
    });
    expect(await g.call('sumavlib.suma_ci_task', 'CLAIM', 'dur-1', 'host-b')).toBe(0);
    expect(await g.call('sumavlib.suma_ci_task', 'SUBMIT', 'ci', 'dur-2', '{}')).toBe(0); // kept: a duplicate now
    expect(await g.call('sumavlib.suma_ci_task', 'STATUS', 'dur-1')).toEqual(['host-a', 'running']);
  });
});
