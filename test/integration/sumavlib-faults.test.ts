// Leader election under fault injection, through two proxy processes in front of one Sentinel
// group: a client paused past its lease, an old master cut off (SIGSTOP past down-after, then
// SIGCONT while it still believes it is master), and SIGKILL of the master during renewals.
//
// Five contenders call try_leader WITHEPOCH every second (TTL 3000). Every :1 is recorded with the
// time it was sent and the time its reply was read: the contender may act as leader from the read
// until send + TTL. A violation is two contenders whose windows overlap without the later one
// holding a strictly higher epoch, or a reply whose epoch is lower than one read before it was sent.

import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostPort } from '../../src/config.js';
import { query, startTestGroup, type TestGroup } from '../helpers/group.js';
import { startProxyProcess, type ProxyProcess } from '../helpers/proxy.js';
import { waitFor } from '../helpers/poll.js';

const TTL = 3000;
const RENEW_MS = 1000;
const CONTENDERS = 5;

let group: TestGroup;
let proxies: ProxyProcess[] = [];
let failovers = 0;

beforeAll(async () => {
  group = await startTestGroup();
  const sentinels = group.sentinelAddrs().flatMap((s) => ['--sentinel', `${s.host}:${s.port}`]);
  const args = [...sentinels, '--master-name', group.masterName, '--owner', 'ft', '--business', 'faults', '--log-level', 'info'];
  proxies = await Promise.all([startProxyProcess(args), startProxyProcess(args)]);
});

afterAll(async () => {
  for (const node of group?.dataNodes() ?? []) {
    try {
      process.kill(node.pid, 'SIGCONT');
    } catch {
      // Already gone.
    }
  }
  await Promise.all(proxies.map((p) => p.stop()));
  await group?.stop();
});

interface Grant {
  who: string;
  epoch: bigint;
  sent: number;
  read: number;
}

interface Race {
  grants: Grant[];
  errors: number;
  calls: number;
  /** Holds `who` before it sends and before it reads a reply, as a stopped process would. */
  pause(who: string, ms: number): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function race(election: string): Race {
  const grants: Grant[] = [];
  const paused = new Map<string, { done: Promise<void>; resume(): void }>();
  let running = true;
  const state = { errors: 0, calls: 0 };
  const clients = Array.from(
    { length: CONTENDERS },
    (_, i) => new Redis({ port: proxies[i % 2]!.port, maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false, commandTimeout: 2500 }),
  );
  for (const c of clients) c.on('error', () => {});
  const loops = clients.map(async (c, i) => {
    const who = `c${i}`;
    while (running) {
      await paused.get(who)?.done;
      const sent = Date.now();
      let reply: [number, string | null, string | null, number] | null = null;
      state.calls++;
      try {
        reply = (await c.call('sumavlib.suma_try_leader', election, who, 'TTL', TTL, 'WITHEPOCH')) as typeof reply;
      } catch {
        state.errors++;
      }
      // A paused client reads its reply only when it runs again.
      await paused.get(who)?.done;
      const read = Date.now();
      if (reply?.[0] === 1) grants.push({ who, epoch: BigInt(reply[2]!), sent, read });
      await sleep(Math.max(0, sent + RENEW_MS - Date.now()));
    }
  });
  return {
    grants,
    get errors() {
      return state.errors;
    },
    get calls() {
      return state.calls;
    },
    pause(who, ms) {
      let resume = (): void => {};
      const done = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        resume = () => {
          clearTimeout(timer);
          resolve();
        };
      }).then(() => void paused.delete(who));
      paused.set(who, { done, resume });
      return done;
    },
    async stop() {
      running = false;
      for (const p of [...paused.values()]) p.resume();
      await Promise.all(loops);
      for (const c of clients) c.disconnect();
    },
  };
}

interface Verdict {
  grants: number;
  overlaps: number;
  violations: string[];
  holders: string[];
  /** Longest stretch, after the first grant, in which no contender could act as leader. */
  longestGapMs: number;
}

function judge(grants: Grant[]): Verdict {
  const violations: string[] = [];
  let overlaps = 0;
  const show = (g: Grant): string => `${g.who}@${g.epoch} sent ${g.sent} read ${g.read}`;
  for (let i = 0; i < grants.length; i++) {
    for (let j = 0; j < grants.length; j++) {
      const a = grants[i]!;
      const b = grants[j]!;
      // Epochs never go backwards: a call sent after a reply was read sees an epoch at least as high.
      if (b.sent > a.read && b.epoch < a.epoch) violations.push(`epoch went back: ${show(a)} then ${show(b)}`);
      if (j <= i || a.who === b.who) continue;
      const start = Math.max(a.read, b.read);
      const end = Math.min(a.sent + TTL, b.sent + TTL);
      if (start >= end) continue;
      overlaps++;
      const [earlier, later] = a.read <= b.read ? [a, b] : [b, a];
      if (!(later.epoch > earlier.epoch)) violations.push(`overlapping leases: ${show(earlier)} and ${show(later)}`);
    }
  }
  const sorted = [...grants].sort((x, y) => x.read - y.read);
  const holders: string[] = [];
  let longestGapMs = 0;
  let coveredUntil = sorted[0]?.read ?? 0;
  for (const g of sorted) {
    if (holders.at(-1) !== g.who) holders.push(g.who);
    if (g.read > coveredUntil) longestGapMs = Math.max(longestGapMs, g.read - coveredUntil);
    coveredUntil = Math.max(coveredUntil, g.sent + TTL);
  }
  return { grants: grants.length, overlaps, violations, holders, longestGapMs };
}

/** Waits until some contender has renewed twice, and returns it. */
async function settledLeader(r: Race): Promise<string> {
  return waitFor(
    () => {
      const counts = new Map<string, number>();
      for (const g of r.grants) counts.set(g.who, (counts.get(g.who) ?? 0) + 1);
      return [...counts].find(([, n]) => n >= 2)?.[0];
    },
    { timeoutMs: 15_000, message: 'no contender became a steady leader' },
  );
}

/** Waits until some contender holds the election again after `since`. */
function leaderAfter(r: Race, since: number, timeoutMs: number): Promise<Grant> {
  return waitFor(() => r.grants.find((g) => g.sent > since), { timeoutMs, intervalMs: 50, message: 'no leader after the fault' });
}

function report(name: string, r: Race, v: Verdict, extra = ''): void {
  console.info(
    `${name}: ${r.calls} calls, ${v.grants} :1 answers, ${r.errors} errors, holders ${v.holders.join(' -> ')}, ` +
      `${v.overlaps} overlapping windows (all fenced), ${v.violations.length} violations, longest gap without a leader ${v.longestGapMs} ms${extra}`,
  );
  if (v.violations.length > 0) console.info(v.violations.slice(0, 10).join('\n'));
}

function nodeAt(addr: HostPort): { pid: number } {
  return group.dataNodes().find((n) => n.host === addr.host && n.port === addr.port)!;
}

/** 'failover grace applied' lines over both proxies' logs. */
function graceLines(): number {
  return proxies.reduce((n, p) => n + p.stderr().split('\n').filter((l) => l.includes('failover grace applied')).length, 0);
}

describe('leader election under faults', () => {
  it('a paused leader past its TTL: another takes over, the paused one learns nothing stale', async () => {
    const r = race('fault-pause');
    const leader = await settledLeader(r);
    const pausedAt = Date.now();
    const pause = r.pause(leader, TTL + 2000);
    const next = await leaderAfter(r, pausedAt, TTL + RENEW_MS + 3000);
    await pause;
    await sleep(2 * RENEW_MS);
    await r.stop();
    const v = judge(r.grants);
    const lastOld = Math.max(...r.grants.filter((g) => g.who === leader && g.sent < pausedAt).map((g) => g.sent));
    report('paused client', r, v, `, takeover ${next.read - lastOld} ms after the paused leader's last renewal`);
    expect(next.who).not.toBe(leader);
    expect(next.read - lastOld).toBeLessThanOrEqual(TTL + RENEW_MS + 500);
    expect(v.violations).toEqual([]);
    // After its pause the old leader is told :0: nobody else's lease is cut short.
    expect(r.grants.filter((g) => g.who === leader && g.sent > pausedAt)).toEqual([]);
  });

  it('old master cut off: SIGSTOP past down-after, failover, SIGCONT while it still says master', async () => {
    const r = race('fault-stop');
    await settledLeader(r);
    const grace = graceLines();
    const stoppedAt = Date.now();
    const old = await group.killMaster('SIGSTOP');
    const promoted = await group.waitForPromotion(old, 30_000);
    failovers++;
    const promotedAt = Date.now();
    process.kill(nodeAt(old).pid, 'SIGCONT');
    // The old master wakes up as master and keeps saying so until the sentinels demote it.
    const demoted = await waitFor(async () => ((await query(old, undefined, 'ROLE')) as unknown[])[0] === 'slave', {
      timeoutMs: 20_000,
      intervalMs: 100,
      message: 'the old master was not demoted',
    });
    expect(demoted).toBe(true);
    const back = await leaderAfter(r, promotedAt, 20_000);
    await sleep(3 * RENEW_MS);
    await r.stop();
    const v = judge(r.grants);
    const graceApplied = graceLines() - grace;
    report(
      'old master cut off',
      r,
      v,
      `; ${old.port} -> ${promoted.port}, a leader again ${back.read - promotedAt} ms after the promotion (${promotedAt - stoppedAt} ms after SIGSTOP), grace applied ${graceApplied}x`,
    );
    expect(v.violations).toEqual([]);
    expect(graceApplied).toBe(1);
  });

  it('SIGKILL of the master while contenders renew; an orphaned lease is taken only after grace', async () => {
    const r = race('fault-kill');
    // A second election whose leader stops at the failover: its lease must run out on the new
    // master, and nobody may take it before the grace ends.
    const orphan = race('fault-kill-orphan');
    const [, orphanLeader] = await Promise.all([settledLeader(r), settledLeader(orphan)]);
    const orphanEpoch = orphan.grants.filter((g) => g.who === orphanLeader).at(-1)!.epoch;
    const grace = graceLines();
    void orphan.pause(orphanLeader, 60_000);
    const killedAt = Date.now();
    const old = await group.killMaster('SIGKILL');
    const promoted = await group.waitForPromotion(old, 30_000);
    failovers++;
    const promotedAt = Date.now();
    const back = await leaderAfter(r, promotedAt, 20_000);
    const taken = await leaderAfter(orphan, killedAt, 30_000);
    await sleep(3 * RENEW_MS);
    await Promise.all([r.stop(), orphan.stop()]);
    const v = judge(r.grants);
    const vOrphan = judge(orphan.grants);
    const graceApplied = graceLines() - grace;
    report(
      'master SIGKILL',
      r,
      v,
      `; ${old.port} -> ${promoted.port}, a leader again ${back.read - promotedAt} ms after the promotion (${promotedAt - killedAt} ms after SIGKILL), grace applied ${graceApplied}x`,
    );
    report('master SIGKILL, orphaned lease', orphan, vOrphan, `; taken by ${taken.who} ${taken.read - promotedAt} ms after the promotion, epoch ${orphanEpoch} -> ${taken.epoch}`);
    expect(v.violations).toEqual([]);
    expect(vOrphan.violations).toEqual([]);
    expect(graceApplied).toBe(1);
    expect(taken.who).not.toBe(orphanLeader);
    // The new holder's epoch has the new master's config epoch as its high part.
    expect(taken.epoch >> 32n).toBeGreaterThan(orphanEpoch >> 32n);
  });

  it('the judge finds what it must', () => {
    const g = (who: string, epoch: number, sent: number, read = sent + 5): Grant => ({ who, epoch: BigInt(epoch), sent, read });
    expect(judge([g('a', 1, 0), g('a', 1, 1000), g('b', 2, 4100)]).violations).toEqual([]);
    // Overlapping, fenced by a higher epoch: counted, not a violation.
    expect(judge([g('a', 1, 0), g('b', 2, 2000)])).toMatchObject({ overlaps: 1, violations: [] });
    // Overlapping with the same or a lower epoch.
    expect(judge([g('a', 1, 0), g('b', 1, 2000)]).violations).toHaveLength(1);
    expect(judge([g('a', 2, 0), g('b', 1, 2000)]).violations).toHaveLength(2);
    // Going back in epoch without overlap.
    expect(judge([g('a', 5, 0), g('b', 4, 9000)]).violations).toHaveLength(1);
    // A reply read after the lease it names ran out opens no window.
    expect(judge([g('a', 1, 0, 3500), g('b', 2, 3100)]).overlaps).toBe(0);
  });

  it('ran the failovers it meant to', () => {
    console.info(`failovers run: ${failovers}`);
    expect(failovers).toBe(2);
  });
});
