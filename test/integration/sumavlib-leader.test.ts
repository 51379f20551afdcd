// Leader election and heartbeats through two real proxy processes in front of one Sentinel group:
// one leader among contenders, takeover within TTL + renew interval, resign, keep_alive's three
// reply shapes, expiry within TTL + 1 s announced once however many proxies sweep, the spec's
// errors, and replies in order when our commands are pipelined with standard ones.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys, tenant } from '../../src/state/keys.js';
import { startTestGroup, type TestGroup } from '../helpers/group.js';
import { startProxyProcess, type ProxyProcess } from '../helpers/proxy.js';
import { waitFor } from '../helpers/poll.js';
import { encodeCommand, rawExchange } from '../helpers/resp.js';

const run = promisify(execFile);
const OWNER = 'lt';
const BUSINESS = 'leader';
const TENANT = tenant(OWNER, BUSINESS);
const TTL = 3000;
const RENEW_MS = TTL / 3;

let group: TestGroup;
let proxies: ProxyProcess[] = [];
const clients: Redis[] = [];

beforeAll(async () => {
  group = await startTestGroup();
  const sentinels = group.sentinelAddrs().flatMap((s) => ['--sentinel', `${s.host}:${s.port}`]);
  const args = [...sentinels, '--master-name', group.masterName, '--owner', OWNER, '--business', BUSINESS, '--log-level', 'warn'];
  proxies = await Promise.all([startProxyProcess(args), startProxyProcess(args)]);
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all(proxies.map((p) => p.stop()));
  await group?.stop();
});

/** A client of proxy `i`: commands fail instead of queueing or being resent. */
function client(i = 0): Redis {
  const c = new Redis({ port: proxies[i]!.port, maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false });
  clients.push(c);
  return c;
}

async function cli(i: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(proxies[i]!.port), ...args], { maxBuffer: 1 << 20 });
  return stdout.trim();
}

type WithEpoch = [number, string | null, string | null, number];

const tryLeader = (c: Redis, election: string, vip: string): Promise<WithEpoch> =>
  c.call('sumavlib.suma_try_leader', election, vip, 'TTL', TTL, 'WITHEPOCH') as Promise<WithEpoch>;

const keepAlive = (c: Redis, groupName: string, vip: string, pattern = '*', ...extra: (string | number)[]): Promise<string[] | string | null> =>
  c.call('sumavlib.suma_keep_alive', groupName, vip, pattern, 'TTL', TTL, ...extra) as Promise<string[] | string | null>;

/** Events of the reserved channels, received through proxy 0. */
async function eventLog(): Promise<{ events: { channel: string; type: string; data: Record<string, unknown> }[] }> {
  const sub = client(0);
  const log = { events: [] as { channel: string; type: string; data: Record<string, unknown> }[] };
  sub.on('message', (channel: string, message: string) => {
    const event = JSON.parse(message) as { type: string; data: Record<string, unknown> };
    log.events.push({ channel, type: event.type, data: event.data });
  });
  await sub.subscribe('__suma.leader', '__suma.vip');
  return log;
}

/** Direct to the current master, for the assertions that look at stored state. */
async function master(): Promise<Redis> {
  const addr = await group.currentMaster();
  const c = new Redis({ host: addr.host, port: addr.port, maxRetriesPerRequest: 0 });
  clients.push(c);
  return c;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Contenders calling try_leader every renew interval, each through one of the proxies. */
function contenders(election: string, n: number): {
  names: string[];
  held: Map<string, { at: number; epoch: string }[]>;
  lastGrantSent: Map<string, number>;
  stop(name?: string): void;
  done: Promise<void>;
} {
  const names = Array.from({ length: n }, (_, i) => `c${i}`);
  const stopped = new Set<string>();
  const held = new Map<string, { at: number; epoch: string }[]>(names.map((nm) => [nm, []]));
  const lastGrantSent = new Map<string, number>();
  let all = false;
  const loops = names.map(async (name, i) => {
    const c = client(i % 2);
    while (!all && !stopped.has(name)) {
      const sent = Date.now();
      const [isLeader, , epoch] = await tryLeader(c, election, name).catch(() => [0, null, null, 0] as WithEpoch);
      if (isLeader === 1) {
        held.get(name)!.push({ at: Date.now(), epoch: epoch! });
        lastGrantSent.set(name, sent);
      }
      await sleep(RENEW_MS);
    }
  });
  return {
    names,
    held,
    lastGrantSent,
    stop(name) {
      if (name === undefined) all = true;
      else stopped.add(name);
    },
    done: Promise.all(loops).then(() => undefined),
  };
}

describe('leader election', () => {
  it('one leader among five contenders; all see the same holder and epoch', async () => {
    const cs = Array.from({ length: 5 }, (_, i) => client(i % 2));
    const replies = await Promise.all(cs.map((c, i) => tryLeader(c, 'five', `c${i}`)));
    const winners = replies.filter((r) => r[0] === 1);
    expect(winners).toHaveLength(1);
    const [, holder, epoch] = winners[0]!;
    for (const r of replies) {
      expect(r[1]).toBe(holder);
      expect(r[2]).toBe(epoch);
    }
    expect(epoch).toMatch(/^\d+$/);
    // Without WITHEPOCH the original shape: :1 for the holder only.
    const plain = await Promise.all(cs.map((c, i) => c.call('sumavlib.suma_try_leader', 'five', `c${i}`, 'TTL', TTL)));
    expect(plain.filter((p) => p === 1)).toHaveLength(1);
    expect(plain[Number(holder!.slice(1))]).toBe(1);
  });

  it('a leader that stops renewing is replaced within TTL + renew interval, with a higher epoch', async () => {
    const events = await eventLog();
    const race = contenders('takeover', 5);
    const first = await waitFor(() => race.names.find((n) => race.held.get(n)!.length >= 2), { timeoutMs: 10_000, message: 'no leader renewed' });
    race.stop(first);
    await sleep(RENEW_MS + 200);
    const lastSent = race.lastGrantSent.get(first)!;
    const firstEpoch = race.held.get(first)!.at(-1)!.epoch;
    const next = await waitFor(
      () => race.names.find((n) => n !== first && race.held.get(n)!.length > 0),
      { timeoutMs: TTL + RENEW_MS + 3000, intervalMs: 10, message: 'nobody took over' },
    );
    const takeover = race.held.get(next)![0]!;
    race.stop();
    await race.done;
    const takeoverMs = takeover.at - lastSent;
    console.info(`takeover ${takeoverMs} ms after the last renewal (TTL ${TTL}, renew every ${RENEW_MS})`);
    expect(takeoverMs).toBeLessThanOrEqual(TTL + RENEW_MS + 300);
    expect(BigInt(takeover.epoch)).toBeGreaterThan(BigInt(firstEpoch));
    // The end of the old lease was announced once: by the sweeper (expired), or by the grant itself
    // (acquired, previous = the old holder) when a contender came before the sweep.
    await waitFor(() => events.events.some((e) => e.type === 'leader_changed' && e.data['election'] === 'takeover' && e.data['leader'] === next), {
      timeoutMs: 2000,
      message: 'no leader_changed for the new holder',
    });
    const ended = events.events.filter(
      (e) => e.data['election'] === 'takeover' && e.data['previous'] === first && (e.data['cause'] === 'expired' || e.data['leader'] === next),
    );
    expect(ended).toHaveLength(1);
  });

  it('resign hands the leadership over at once; only the holder can resign', async () => {
    const events = await eventLog();
    const a = client(0);
    const b = client(1);
    const [held, , epoch] = await tryLeader(a, 'resign', 'ra');
    expect(held).toBe(1);
    expect(await b.call('sumavlib.suma_resign', 'resign', 'rb')).toBe(0);
    expect((await tryLeader(b, 'resign', 'rb'))[0]).toBe(0);
    expect(await a.call('sumavlib.suma_resign', 'resign', 'ra')).toBe(1);
    expect(await a.call('sumavlib.suma_resign', 'resign', 'ra')).toBe(0);
    expect(await b.call('sumavlib.suma_leader', 'resign')).toEqual([null, null, 0]);
    const [heldB, holderB, epochB] = await tryLeader(b, 'resign', 'rb');
    expect([heldB, holderB]).toEqual([1, 'rb']);
    expect(BigInt(epochB!)).toBeGreaterThan(BigInt(epoch!));
    const [vip, leaderEpoch, ttlLeft] = (await a.call('sumavlib.suma_leader', 'resign')) as [string, string, number];
    expect([vip, leaderEpoch]).toEqual(['rb', epochB]);
    expect(ttlLeft).toBeGreaterThan(0);
    expect(ttlLeft).toBeLessThanOrEqual(TTL);
    await waitFor(() => events.events.some((e) => e.data['election'] === 'resign' && e.data['cause'] === 'resigned'), {
      timeoutMs: 2000,
      message: 'no leader_changed cause resigned',
    });
    const resigned = events.events.filter((e) => e.data['election'] === 'resign' && e.data['cause'] === 'resigned');
    expect(resigned).toHaveLength(1);
    expect(resigned[0]!.data).toMatchObject({ previous: 'ra', leader: null, epoch });
  });

  it('epochs are decimal strings and grow with every change of holder', async () => {
    const c = client(0);
    const seen: bigint[] = [];
    for (let i = 0; i < 4; i++) {
      const [held, , epoch] = await tryLeader(c, 'epochs', `e${i}`);
      expect(held).toBe(1);
      seen.push(BigInt(epoch!));
      // Renewal keeps the epoch.
      expect((await tryLeader(c, 'epochs', `e${i}`))[2]).toBe(epoch);
      expect(await c.call('sumavlib.suma_resign', 'epochs', `e${i}`)).toBe(1);
    }
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
  });
});

describe('keep_alive', () => {
  it('the leader gets the sorted live hosts matching the pattern, a follower the leader, nobody nil', async () => {
    const c = client(0);
    expect(await keepAlive(c, 'ka', 'h2')).toBeNull();
    expect((await tryLeader(c, 'ka', 'h1'))[0]).toBe(1);
    for (const h of ['h3', 'h2', 'h10', 'x/1', 'h[1]']) expect(await keepAlive(c, 'ka', h)).toBe('h1');
    expect(await keepAlive(c, 'ka', 'h1')).toEqual(['h1', 'h10', 'h2', 'h3', 'h[1]', 'x/1']);
    // Redis glob, byte for byte: classes, '?', escapes, '/' is ordinary.
    expect(await keepAlive(c, 'ka', 'h1', 'h[23]')).toEqual(['h2', 'h3']);
    expect(await keepAlive(c, 'ka', 'h1', 'h?')).toEqual(['h1', 'h2', 'h3']);
    expect(await keepAlive(c, 'ka', 'h1', 'h\\[*')).toEqual(['h[1]']);
    expect(await keepAlive(c, 'ka', 'h1', 'x*')).toEqual(['x/1']);
    expect(await keepAlive(c, 'ka', 'h1', 'h[^1]*')).toEqual(['h2', 'h3', 'h[1]']);
    expect(await keepAlive(c, 'ka', 'h1', 'nothing*')).toEqual([]);
    // The other proxy answers the same.
    const other = client(1);
    expect(await keepAlive(other, 'ka', 'h2')).toBe('h1');
    expect(await keepAlive(other, 'ka', 'h1', 'h[23]')).toEqual(['h2', 'h3']);
    // Through redis-cli too: the follower shape is a bulk string.
    expect(await cli(1, 'sumavlib.suma_keep_alive', 'ka', 'h3', '*', 'TTL', String(TTL))).toBe('h1');
  });

  it('the leader renews its lease by keep_alive alone, and never acquires one that way', async () => {
    const c = client(1);
    expect((await tryLeader(c, 'ka-renew', 'r1'))[0]).toBe(1);
    const started = Date.now();
    while (Date.now() - started < TTL + 1000) {
      expect(Array.isArray(await keepAlive(c, 'ka-renew', 'r1'))).toBe(true);
      await sleep(RENEW_MS);
    }
    // Past the lease's first TTL: still held, and renewed to a full TTL by the last heartbeat.
    await keepAlive(c, 'ka-renew', 'r1');
    const [holder, , ttlLeft] = (await c.call('sumavlib.suma_leader', 'ka-renew')) as [string, string, number];
    expect(holder).toBe('r1');
    expect(ttlLeft).toBeGreaterThan(TTL - 500);
    expect(await c.call('sumavlib.suma_resign', 'ka-renew', 'r1')).toBe(1);
    expect(await keepAlive(c, 'ka-renew', 'r1')).toBeNull();
    expect(await keepAlive(c, 'ka-renew', 'r1')).toBeNull();
    expect(await c.call('sumavlib.suma_leader', 'ka-renew')).toEqual([null, null, 0]);
  });

  it('META is stored as given; killed hosts keep heartbeating but are hidden and cannot lead', async () => {
    const c = client(0);
    const direct = await master();
    const meta = '{"zone":"a","weight":1.50}';
    expect((await tryLeader(c, 'ka-kill', 'k1'))[0]).toBe(1);
    await keepAlive(c, 'ka-kill', 'k2', '*', 'META', meta);
    expect(await direct.hget(keys.liveMeta(TENANT, 'ka-kill'), 'k2')).toBe(meta);
    expect(await direct.hget(keys.liveTtl(TENANT, 'ka-kill'), 'k2')).toBe(String(TTL));
    expect(await direct.sismember(keys.groups(TENANT), 'ka-kill')).toBe(1);
    expect(await direct.sismember(keys.seen(TENANT), 'k2')).toBe(1);
    expect(await keepAlive(c, 'ka-kill', 'k1')).toEqual(['k1', 'k2']);
    // A stored override, as suma_vip_kill writes it.
    await direct.hset(keys.killed(TENANT), 'k2', JSON.stringify({ reason: null, ts: Date.now() }));
    expect(await keepAlive(c, 'ka-kill', 'k2')).toBe('k1');
    expect(await keepAlive(c, 'ka-kill', 'k1')).toEqual(['k1']);
    expect(await c.call('sumavlib.suma_resign', 'ka-kill', 'k1')).toBe(1);
    expect((await tryLeader(c, 'ka-kill', 'k2'))[0]).toBe(0);
    expect((await tryLeader(c, 'ka-kill', 'k1'))[0]).toBe(1);
    await direct.hdel(keys.killed(TENANT), 'k2');
    expect(await keepAlive(c, 'ka-kill', 'k1')).toEqual(['k1', 'k2']);
  });

  it('a host that stops heartbeating leaves the lists within TTL + 1 s; vip_expired is published once', async () => {
    const events = await eventLog();
    const c = client(0);
    expect((await tryLeader(c, 'ka-exp', 'leader'))[0]).toBe(1);
    const lastBeat = Date.now();
    await keepAlive(c, 'ka-exp', 'quiet');
    let gone = 0;
    // The leader keeps heartbeating (and renewing) and watches its list.
    await waitFor(
      async () => {
        const list = (await keepAlive(c, 'ka-exp', 'leader')) as string[];
        if (list.includes('quiet')) return false;
        gone = Date.now();
        return true;
      },
      { timeoutMs: TTL + 3000, intervalMs: 100, message: 'the quiet host stayed listed' },
    );
    const leftMs = gone - lastBeat;
    await waitFor(() => events.events.some((e) => e.type === 'vip_expired' && e.data['vip'] === 'quiet'), {
      timeoutMs: 2000,
      message: 'no vip_expired',
    });
    const expiredAt = Date.now();
    // Both proxies sweep every second: wait for more sweeps, then count.
    await sleep(2500);
    console.info(`a silent host left the leader's list ${leftMs} ms after its last heartbeat; vip_expired within ${expiredAt - lastBeat} ms`);
    expect(leftMs).toBeLessThanOrEqual(TTL + 1000);
    expect(expiredAt - lastBeat).toBeLessThanOrEqual(TTL + 1000 + 500);
    const expired = events.events.filter((e) => e.type === 'vip_expired' && e.data['group'] === 'ka-exp');
    expect(expired.map((e) => e.data['vip'])).toEqual(['quiet']);
    expect(expired[0]!.channel).toBe('__suma.vip');
    const direct = await master();
    expect(await direct.zscore(keys.live(TENANT, 'ka-exp'), 'quiet')).toBeNull();
    expect(await direct.hexists(keys.liveTtl(TENANT, 'ka-exp'), 'quiet')).toBe(0);
  });
});

describe('two proxies', () => {
  it('give the same answers and the sweepers announce each expiry exactly once', async () => {
    const events = await eventLog();
    const [a, b] = [client(0), client(1)];
    const hosts = Array.from({ length: 40 }, (_, i) => `s${String(i).padStart(2, '0')}`);
    const elections = Array.from({ length: 8 }, (_, i) => `sweep-e${i}`);
    await Promise.all(elections.map((e, i) => tryLeader(i % 2 ? a : b, e, hosts[i]!)));
    await Promise.all(hosts.map((h, i) => keepAlive(i % 2 ? a : b, 'sweep-g', h)));
    // The same answers through either proxy.
    for (const e of elections) {
      const [fromA, fromB] = (await Promise.all([a.call('sumavlib.suma_leader', e), b.call('sumavlib.suma_leader', e)])) as [WithEpoch, WithEpoch][];
      expect(fromA.slice(0, 2)).toEqual(fromB.slice(0, 2));
    }
    expect(await keepAlive(a, 'sweep-g', 's10', 's1*')).toBeNull();
    await tryLeader(a, 'sweep-g', 's00');
    const listA = await keepAlive(a, 'sweep-g', 's00', 's[0-1]*');
    const listB = await keepAlive(b, 'sweep-g', 's00', 's[0-1]*');
    expect(listA).toEqual(hosts.slice(0, 20));
    expect(listB).toEqual(listA);
    expect(await keepAlive(b, 'sweep-g', 's05')).toBe('s00');
    expect(await keepAlive(a, 'sweep-g', 's05')).toBe('s00');
    // Then everyone falls silent: each host and lease expires once, announced by one sweeper.
    const expected = hosts.length + elections.length + 1;
    const ours = (): typeof events.events =>
      events.events.filter((e) => (e.type === 'vip_expired' && e.data['group'] === 'sweep-g') || (e.data['cause'] === 'expired' && String(e.data['election']).startsWith('sweep-')));
    await waitFor(() => ours().length >= expected, { timeoutMs: TTL + 5000, message: 'not every expiry was announced' });
    await sleep(2500);
    const seen = ours().map((e) => (e.type === 'vip_expired' ? `vip ${String(e.data['vip'])}` : `lease ${String(e.data['election'])}`));
    expect(seen.length).toBe(expected);
    expect(new Set(seen).size).toBe(expected);
    console.info(`two sweepers: ${seen.length} expiries announced, ${seen.length - new Set(seen).size} duplicates`);
    for (const e of elections) expect(await a.call('sumavlib.suma_leader', e)).toEqual([null, null, 0]);
    // The high-water mark stays after expiry: the next holder gets a higher epoch.
    const direct = await master();
    const mark = await direct.hmget(keys.leader(TENANT, elections[0]!), 'epoch_hi', 'epoch_lo', 'holder');
    expect(mark[0]).not.toBeNull();
    expect(mark[1]).not.toBeNull();
    expect(mark[2]).toBeNull();
  });
});

describe('expiry members', () => {
  it("group and VIP names holding '|' expire separately, each announced once", async () => {
    const events = await eventLog();
    const c = client(1);
    // Both entries share the expiry member "V|bar|x|y".
    expect(await keepAlive(c, 'bar|x', 'y')).toBeNull();
    expect(await keepAlive(c, 'bar', 'x|y')).toBeNull();
    const ours = (): string[] => events.events.filter((e) => e.type === 'vip_expired' && String(e.data['group']).startsWith('bar')).map((e) => `${String(e.data['group'])} ${String(e.data['vip'])}`);
    await waitFor(() => ours().length >= 2, { timeoutMs: TTL + 3000, message: 'not both hosts expired' });
    await sleep(1500);
    expect(ours().sort()).toEqual(['bar x|y', 'bar|x y']);
    const direct = await master();
    expect(await direct.zcard(keys.live(TENANT, 'bar|x'))).toBe(0);
    expect(await direct.zcard(keys.live(TENANT, 'bar'))).toBe(0);
  });
});

describe('arguments', () => {
  const long = 'x'.repeat(257);
  it.each([
    [['sumavlib.suma_keep_alive', 'g', 'v'], "ERR wrong number of arguments for 'sumavlib.suma_keep_alive' command"],
    [['sumavlib.suma_resign', 'g'], "ERR wrong number of arguments for 'sumavlib.suma_resign' command"],
    [['sumavlib.suma_resign', 'g', 'v', 'w'], "ERR wrong number of arguments for 'sumavlib.suma_resign' command"],
    [['sumavlib.suma_leader'], "ERR wrong number of arguments for 'sumavlib.suma_leader' command"],
    [['SUMAVLIB.SUMA_LEADER', 'a', 'b'], "ERR wrong number of arguments for 'sumavlib.suma_leader' command"],
    [['sumavlib.suma_try_leader'], "ERR wrong number of arguments for 'sumavlib.suma_try_leader' command"],
    [['sumavlib.suma_keep_alive', 'g', 'v', '*', 'TTL', 'ten'], 'ERR value is not an integer or out of range'],
    [['sumavlib.suma_keep_alive', 'g', 'v', '*', 'TTL'], 'ERR syntax error'],
    [['sumavlib.suma_keep_alive', 'g', 'v', '*', 'TTL', '2999'], 'ERR invalid TTL (allowed 3000..300000 ms)'],
    [['sumavlib.suma_keep_alive', 'g', 'v', '*', 'TTL', '300001'], 'ERR invalid TTL (allowed 3000..300000 ms)'],
    [['sumavlib.suma_try_leader', 'g', 'v', 'TTL', '1000'], 'ERR invalid TTL (allowed 3000..300000 ms)'],
    [['sumavlib.suma_try_leader', 'g', 'v', 'TTL', '1.5'], 'ERR value is not an integer or out of range'],
    [['sumavlib.suma_keep_alive', 'g', 'v', '*', 'META', '{"a":'], 'ERR invalid JSON'],
    [['sumavlib.suma_keep_alive', 'g', 'v', '*', 'META', "{'a':1}"], 'ERR invalid JSON'],
    [['sumavlib.suma_keep_alive', 'g', 'v', '*', 'META'], 'ERR syntax error'],
    [['sumavlib.suma_keep_alive', 'g', 'v', '*', 'TTL', '3000', 'EXTRA'], 'ERR syntax error'],
    [['sumavlib.suma_keep_alive', long, 'v', '*'], 'ERR value too large (max 256 bytes)'],
    [['sumavlib.suma_keep_alive', 'g', long, '*'], 'ERR value too large (max 256 bytes)'],
    [['sumavlib.suma_keep_alive', 'g', 'v', long], 'ERR value too large (max 256 bytes)'],
    [['sumavlib.suma_resign', long, 'v'], 'ERR value too large (max 256 bytes)'],
    [['sumavlib.suma_leader', long], 'ERR value too large (max 256 bytes)'],
  ])('%j', async (args, error) => {
    expect(await cli(0, ...args)).toBe(error);
  });

  it('META larger than the JSON limit, and bytes that are not UTF-8', async () => {
    const c = client(0);
    const big = JSON.stringify({ pad: 'x'.repeat(64 * 1024) });
    await expect(c.call('sumavlib.suma_keep_alive', 'g', 'v', '*', 'META', big)).rejects.toThrow('value too large (max 65536 bytes)');
    await expect(c.call('sumavlib.suma_keep_alive', 'g', 'v', '*', 'META', Buffer.from([0x22, 0xff, 0x22]))).rejects.toThrow('invalid JSON');
    // A failed command changed nothing.
    expect(await c.call('sumavlib.suma_keep_alive', 'g', 'v2', '*')).toBeNull();
    expect(await c.call('sumavlib.suma_try_leader', 'g', 'v2', 'TTL', TTL)).toBe(1);
    expect(await c.call('sumavlib.suma_keep_alive', 'g', 'v2', '*')).toEqual(['v2']);
  });
});

describe('pipelining', () => {
  it('sumavlib commands between standard ones: replies in request order, in one exchange', async () => {
    const request = Buffer.concat([
      encodeCommand('SET', 'pipe:k', 'v'),
      encodeCommand('sumavlib.suma_leader', 'pipe'),
      encodeCommand('sumavlib.suma_try_leader', 'pipe', 'p1', 'TTL', TTL),
      encodeCommand('GET', 'pipe:k'),
      encodeCommand('sumavlib.suma_keep_alive', 'pipe', 'p2', '*', 'TTL', TTL),
      encodeCommand('sumavlib.suma_keep_alive', 'pipe', 'p2', '*', 'TTL', 'bad'),
      encodeCommand('INCR', 'pipe:n'),
      encodeCommand('sumavlib.suma_keep_alive', 'pipe', 'p1', 'p*', 'TTL', TTL),
      encodeCommand('sumavlib.suma_resign', 'pipe', 'p1'),
      encodeCommand('sumavlib.suma_keep_alive', 'pipe', 'p1', 'p*', 'TTL', TTL),
      encodeCommand('PING'),
    ]);
    const { reply, replies } = await rawExchange(proxies[1]!.port, request, 11);
    expect(replies).toBe(11);
    expect(reply).toBe(
      [
        '+OK',
        '*3', '$-1', '$-1', ':0',
        ':1',
        '$1', 'v',
        '$2', 'p1',
        '-ERR value is not an integer or out of range',
        ':1',
        '*2', '$2', 'p1', '$2', 'p2',
        ':1',
        '$-1',
        '+PONG',
        '',
      ].join('\r\n'),
    );
  });
});
