// The only code that knows about Sentinel. It asks every sentinel where the master is, confirms
// the answer with ROLE on the node itself, and tells the rest of the proxy through `master` events.
//
// One pass is observe (ask the sentinels) -> pick (pickMaster, pure) -> confirm (ROLE) -> apply.
// Passes run one at a time; triggers that arrive meanwhile fold into one more pass.

import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { requireUpstream, type Config, type HostPort } from '../config.js';
import { StaticMaster, sameAddress, type MasterInfo, type MasterSource, type MasterSourceEvents } from './master-source.js';

export interface SentinelMasterOptions {
  sentinels: HostPort[];
  masterName: string;
  sentinelUsername?: string | undefined;
  sentinelPassword?: string | undefined;
  upstreamUsername?: string | undefined;
  upstreamPassword?: string | undefined;
  /** Re-check period while a master is confirmed; shorter while none is. */
  recheckIntervalMs: number;
  /** Bounds every connect and every query, so one dead peer cannot stall a pass. */
  connectTimeoutMs: number;
  logger: Logger;
}

/** What one sentinel said about the master. */
export interface SentinelAnswer {
  sentinel: HostPort;
  master: HostPort;
  configEpoch: number;
  replicas: number;
  flags: string[];
}

/** The address the sentinels agree on, with how many named it. */
export interface PickedMaster extends MasterInfo {
  votes: number;
}

const SWITCH_CHANNEL = '+switch-master';
/** Poll period while no master is confirmed: a failover completes between two polls. */
const FAST_RECHECK_MS = 250;
/** How long a pass waits for the last sentinels once most have answered. */
const STRAGGLER_GRACE_MS = 250;

export function formatAddress(addr: HostPort): string {
  return addr.host.includes(':') ? `[${addr.host}]:${addr.port}` : `${addr.host}:${addr.port}`;
}

/**
 * Chooses the master among the sentinels' answers: the highest config-epoch wins (it names the
 * latest failover), then the address most sentinels name; `prefer` breaks a remaining tie so the
 * choice does not flap, then the address text so it is deterministic. Null when nobody answered.
 */
export function pickMaster(answers: readonly SentinelAnswer[], prefer?: HostPort | null): PickedMaster | null {
  const groups = new Map<string, PickedMaster>();
  for (const a of answers) {
    const key = formatAddress(a.master);
    const g = groups.get(key);
    if (!g) {
      groups.set(key, { host: a.master.host, port: a.master.port, configEpoch: a.configEpoch, replicas: a.replicas, votes: 1 });
      continue;
    }
    g.votes++;
    if (a.configEpoch > g.configEpoch || (a.configEpoch === g.configEpoch && a.replicas > g.replicas)) {
      g.configEpoch = a.configEpoch;
      g.replicas = a.replicas;
    }
  }
  let best: PickedMaster | null = null;
  for (const g of groups.values()) {
    if (!best || compareCandidates(g, best, prefer) < 0) best = g;
  }
  return best;
}

function compareCandidates(a: PickedMaster, b: PickedMaster, prefer: HostPort | null | undefined): number {
  if (a.configEpoch !== b.configEpoch) return b.configEpoch - a.configEpoch;
  if (a.votes !== b.votes) return b.votes - a.votes;
  const ap = sameAddress(a, prefer);
  const bp = sameAddress(b, prefer);
  if (ap !== bp) return ap ? -1 : 1;
  const ak = formatAddress(a);
  const bk = formatAddress(b);
  return ak < bk ? -1 : ak > bk ? 1 : 0;
}

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/**
 * A long-lived connection for one-shot queries. ioredis does not reconnect it by itself
 * (retryStrategy null) and queues nothing while it is down: a query either goes out on a live
 * connection or fails, and each query has a deadline after which the connection is dropped, so
 * a peer that accepts TCP but never answers (stopped, overloaded) costs one timeout per pass.
 */
class QueryLink {
  readonly client: Redis;
  private connecting: Promise<void> | null = null;
  private wasReady = false;
  /** The connection's own error (WRONGPASS, ECONNREFUSED): ioredis fails the query with a vaguer one. */
  private lastError: Error | null = null;

  constructor(
    readonly addr: HostPort,
    auth: { username?: string | undefined; password?: string | undefined },
    private readonly timeoutMs: number,
    connectionName: string,
    log: Logger,
    onLost?: () => void,
  ) {
    const options: RedisOptions = {
      host: addr.host,
      port: addr.port,
      username: auth.username,
      password: auth.password,
      connectionName,
      lazyConnect: true,
      enableOfflineQueue: false,
      // The INFO ready check costs a round trip per connect; ROLE and SENTINEL need no ready node.
      enableReadyCheck: false,
      disableClientInfo: true,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: () => null,
      connectTimeout: timeoutMs,
      disconnectTimeout: timeoutMs,
    };
    this.client = new Redis(options);
    this.client.on('error', (err: Error) => {
      this.lastError = err;
      log.debug({ peer: formatAddress(addr), err: err.message }, 'query connection error');
    });
    this.client.on('ready', () => {
      this.wasReady = true;
    });
    this.client.on('close', () => {
      if (this.wasReady) onLost?.();
      this.wasReady = false;
    });
  }

  async call(...args: string[]): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(`no reply within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    this.lastError = null;
    try {
      return await Promise.race([this.ready().then(() => this.client.call(args[0]!, ...args.slice(1))), deadline]);
    } catch (err) {
      // A peer that missed the deadline is likely stuck: the next query should not queue behind it.
      if (err instanceof TimeoutError) this.close();
      throw this.lastError ?? err;
    } finally {
      clearTimeout(timer);
    }
  }

  private ready(): Promise<void> {
    if (this.client.status === 'ready') return Promise.resolve();
    this.connecting ??= this.client.connect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /** Closes at once: the socket is destroyed rather than waiting for a peer that may be stopped. */
  close(): void {
    closeNow(this.client);
  }
}

function closeNow(client: Redis): void {
  client.disconnect();
  const stream = client.stream as Socket | undefined;
  if (stream && !stream.destroyed) stream.destroy();
}

type SentinelReply = SentinelAnswer | 'unknown-master';

interface SentinelPeer {
  addr: HostPort;
  label: string;
  query: QueryLink;
  subscriber: Redis;
  subscribedOnce: boolean;
  /** Failed or lagged last time: once most sentinels have answered, a pass does not wait for it. */
  suspect: boolean;
  /** Its last query failed (logged once per outage). */
  failing: boolean;
}

type RoleCheck = { ok: true } | { ok: false; reason: string };

export class SentinelMaster extends EventEmitter<MasterSourceEvents> implements MasterSource {
  private readonly opts: SentinelMasterOptions;
  private readonly log: Logger;
  private readonly peers: SentinelPeer[] = [];
  private readonly nodes = new Map<string, QueryLink>();

  private cur: MasterInfo | null = null;
  /** The last confirmed master, kept through a null stretch to tell a failover from a restart. */
  private lastConfirmed: MasterInfo | null = null;
  private noMasterSince: number | null = null;
  private discovered = false;

  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private started = false;
  /** Bumped when the data plane reports the current master failed; a pass begun earlier must not undo it. */
  private failureGeneration = 0;
  private failedAddress: HostPort | null = null;
  private switchSeenAt: number | null = null;
  private lastPassAt = -Infinity;
  private lastRejection = '';
  private sentinelsSilent = false;

  constructor(opts: SentinelMasterOptions) {
    super();
    if (opts.sentinels.length === 0) throw new Error('SentinelMaster needs at least one sentinel address');
    this.opts = opts;
    this.log = opts.logger.child({ component: 'sentinel', masterName: opts.masterName });
  }

  current(): MasterInfo | null {
    return this.cur;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('SentinelMaster already started');
    this.started = true;
    for (const addr of this.opts.sentinels) this.peers.push(this.connectPeer(addr));
    await this.trigger('start');
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const p of this.peers) {
      p.query.close();
      closeNow(p.subscriber);
    }
    for (const link of this.nodes.values()) link.close();
    this.nodes.clear();
    await this.running;
  }

  reportFailure(addr: HostPort): void {
    if (this.stopped || !this.started) return;
    if (sameAddress(addr, this.cur)) {
      this.failureGeneration++;
      this.failedAddress = { host: addr.host, port: addr.port };
      this.apply(null, 'data plane reported a failed connection');
      void this.trigger('reported failure');
      return;
    }
    // Failures of a former master can come in bursts as its connections die; they must not turn
    // into a stream of back-to-back passes against the sentinels.
    if (performance.now() - this.lastPassAt >= FAST_RECHECK_MS) void this.trigger('reported failure');
  }

  private connectPeer(addr: HostPort): SentinelPeer {
    const auth = { username: this.opts.sentinelUsername, password: this.opts.sentinelPassword };
    const label = formatAddress(addr);
    const query = new QueryLink(addr, auth, this.opts.connectTimeoutMs, 'suma-redis:query', this.log);
    const subscriber = new Redis({
      host: addr.host,
      port: addr.port,
      ...auth,
      connectionName: 'suma-redis:events',
      disableClientInfo: true,
      enableReadyCheck: false,
      enableOfflineQueue: false,
      connectTimeout: this.opts.connectTimeoutMs,
      disconnectTimeout: this.opts.connectTimeoutMs,
      // We subscribe on every `ready` ourselves: ioredis only resubscribes channels whose first
      // SUBSCRIBE succeeded, so a sentinel that was down at start would never be subscribed.
      autoResubscribe: false,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
      maxRetriesPerRequest: 0,
    });
    const peer: SentinelPeer = { addr, label, query, subscriber, subscribedOnce: false, suspect: false, failing: false };
    subscriber.on('error', (err: Error) => this.log.debug({ sentinel: label, err: err.message }, 'sentinel event connection error'));
    subscriber.on('ready', () => {
      subscriber.subscribe(SWITCH_CHANNEL).then(
        () => {
          // A switch may have happened while this subscription was down.
          if (peer.subscribedOnce) void this.trigger('sentinel event connection restored');
          peer.subscribedOnce = true;
        },
        // Without this subscription failovers are still found, but only by the timer.
        (err: Error) => this.log.warn({ sentinel: label, err: err.message }, `cannot subscribe to ${SWITCH_CHANNEL}`),
      );
    });
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== SWITCH_CHANNEL) return;
      // "<name> <old-ip> <old-port> <new-ip> <new-port>"
      const [name] = message.split(' ');
      if (name !== this.opts.masterName) return;
      this.switchSeenAt ??= Date.now();
      this.log.debug({ sentinel: label, message }, 'switch-master received');
      void this.trigger('switch-master');
    });
    return peer;
  }

  /** Runs a pass now, or one more pass after the one in flight. */
  private trigger(reason: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.passes(reason).finally(() => {
      this.running = null;
      this.schedule();
    });
    return this.running;
  }

  private async passes(reason: string): Promise<void> {
    let why = reason;
    do {
      this.again = false;
      try {
        await this.pass(why);
      } catch (err) {
        this.log.error({ err }, 'master resolution failed');
      }
      why = 'coalesced trigger';
    } while (this.again && !this.stopped);
  }

  private schedule(): void {
    if (this.stopped) return;
    const delay = this.cur ? this.opts.recheckIntervalMs : Math.min(this.opts.recheckIntervalMs, FAST_RECHECK_MS);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.trigger('timer');
    }, delay);
    this.timer.unref();
  }

  private async pass(reason: string): Promise<void> {
    this.lastPassAt = performance.now();
    const generation = this.failureGeneration;
    const { answers, replied } = await this.askSentinels();
    if (this.stopped) return;
    if (this.log.isLevelEnabled('debug')) {
      const said = answers.map((a) => `${formatAddress(a.sentinel)} -> ${formatAddress(a.master)} epoch ${a.configEpoch} [${a.flags.join(',')}]`);
      this.log.debug({ trigger: reason, said, replied, asked: this.peers.length }, 'sentinels asked');
    }

    let next: MasterInfo | null = null;
    let why = '';
    if (answers.length === 0) {
      const silence = replied === 0 ? 'no sentinel answered' : 'no sentinel knows this master name';
      if (!this.sentinelsSilent) {
        this.sentinelsSilent = true;
        this.log.warn(
          { sentinels: this.peers.map((p) => p.label), keeping: this.cur ? formatAddress(this.cur) : null },
          `${silence}; keeping the current master only while ROLE confirms it`,
        );
      }
      if (this.cur) {
        const role = await this.checkRole(this.cur);
        next = role.ok ? this.cur : null;
        if (!role.ok) why = `${silence} and ${formatAddress(this.cur)} ${role.reason}`;
      } else {
        why = silence;
      }
    } else {
      if (this.sentinelsSilent) {
        this.sentinelsSilent = false;
        this.log.info('sentinels answer again');
      }
      const picked = pickMaster(answers, this.cur)!;
      const role = await this.checkRole(picked);
      if (role.ok) {
        next = { host: picked.host, port: picked.port, configEpoch: picked.configEpoch, replicas: picked.replicas };
      } else {
        why = `sentinels name ${formatAddress(picked)} (epoch ${picked.configEpoch}, ${picked.votes}/${answers.length} votes) but it ${role.reason}`;
      }
      this.pruneNodes(picked);
    }
    if (this.stopped) return;
    // The data plane saw this address fail while the pass was running; the next pass decides.
    if (generation !== this.failureGeneration && sameAddress(next, this.failedAddress)) return;

    if (!next && why !== this.lastRejection) {
      this.lastRejection = why;
      this.log.info({ trigger: reason }, `no confirmed master: ${why}`);
    }
    this.apply(next, why || reason);
    if (next) {
      this.lastRejection = '';
      this.switchSeenAt = null;
    }
  }

  /**
   * Asks every sentinel at once. A pass waits for all of them, but once most have answered it
   * stops waiting for the rest: at once for sentinels that failed or lagged last time, after
   * STRAGGLER_GRACE_MS for others. A straggler that later reports a newer epoch starts a pass.
   */
  private askSentinels(): Promise<{ answers: SentinelAnswer[]; replied: number }> {
    const total = this.peers.length;
    return new Promise((resolve) => {
      const answers: SentinelAnswer[] = [];
      const pending = new Set<SentinelPeer>(this.peers);
      let replied = 0;
      let done = false;
      let grace: NodeJS.Timeout | undefined;
      let newestEpoch = -1;
      const finish = (): void => {
        if (done) return;
        done = true;
        clearTimeout(grace);
        for (const p of pending) p.suspect = true;
        newestEpoch = Math.max(-1, ...answers.map((a) => a.configEpoch));
        resolve({ answers, replied });
      };
      const settle = (): void => {
        if (done) return;
        if (pending.size === 0 || (replied * 2 > total && [...pending].every((p) => p.suspect))) return finish();
        if (replied * 2 > total && !grace) grace = setTimeout(finish, Math.min(STRAGGLER_GRACE_MS, this.opts.connectTimeoutMs));
      };
      for (const peer of this.peers) {
        this.askSentinel(peer)
          .then(
            (reply) => {
              if (peer.failing) this.log.info({ sentinel: peer.label }, 'sentinel answers again');
              peer.failing = false;
              peer.suspect = false;
              if (reply === 'unknown-master') {
                this.log.debug({ sentinel: peer.label }, 'sentinel does not know this master name');
              } else if (!done) {
                answers.push(reply);
              } else if (reply.configEpoch > newestEpoch) {
                void this.trigger('late sentinel answer with a newer epoch');
              }
              if (!done) replied++;
            },
            (err: Error) => {
              if (!peer.failing && !this.stopped) this.log.warn({ sentinel: peer.label, err: err.message }, 'sentinel does not answer');
              peer.failing = true;
              peer.suspect = true;
            },
          )
          .finally(() => {
            pending.delete(peer);
            settle();
          });
      }
    });
  }

  private async askSentinel(peer: SentinelPeer): Promise<SentinelReply> {
    const name = this.opts.masterName;
    const [addrReply, masterReply] = await Promise.all([
      peer.query.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name),
      // An unknown name is an error reply here and a null above; the null decides.
      peer.query.call('SENTINEL', 'MASTER', name).catch((err: Error) => err),
    ]);
    if (addrReply === null) return 'unknown-master';
    if (!Array.isArray(addrReply) || addrReply.length !== 2) throw new Error('unexpected get-master-addr-by-name reply');
    if (masterReply instanceof Error) throw masterReply;
    const fields = pairs(masterReply);
    const port = Number(addrReply[1]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error('unexpected master port in sentinel reply');
    return {
      sentinel: peer.addr,
      master: { host: String(addrReply[0]), port },
      configEpoch: Number(fields.get('config-epoch') ?? 0) || 0,
      replicas: Number(fields.get('num-slaves') ?? 0) || 0,
      flags: (fields.get('flags') ?? '').split(',').filter((f) => f !== ''),
    };
  }

  /** A node is used only if it says it is a master: a demoted master that came back says slave. */
  private async checkRole(addr: HostPort): Promise<RoleCheck> {
    const link = this.nodeLink(addr);
    try {
      const reply = await link.call('ROLE');
      const role = Array.isArray(reply) ? String(reply[0]) : 'unknown';
      return role === 'master' ? { ok: true } : { ok: false, reason: `says ROLE ${role}` };
    } catch (err) {
      return { ok: false, reason: `does not answer ROLE (${(err as Error).message})` };
    }
  }

  private nodeLink(addr: HostPort): QueryLink {
    const key = formatAddress(addr);
    let link = this.nodes.get(key);
    if (!link) {
      const auth = { username: this.opts.upstreamUsername, password: this.opts.upstreamPassword };
      link = new QueryLink({ host: addr.host, port: addr.port }, auth, this.opts.connectTimeoutMs, 'suma-redis:role', this.log, () => {
        // The master's own connection dropping is the earliest hint that it died.
        if (!this.stopped && sameAddress(addr, this.cur)) void this.trigger('master connection closed');
      });
      this.nodes.set(key, link);
    }
    return link;
  }

  /** Keeps ROLE connections only to the current master and the latest candidate. */
  private pruneNodes(candidate: HostPort): void {
    for (const [key, link] of this.nodes) {
      if (sameAddress(link.addr, candidate) || sameAddress(link.addr, this.cur)) continue;
      link.close();
      this.nodes.delete(key);
    }
  }

  /** Records the new state; emits and logs only when the address changes or goes to/from null. */
  private apply(next: MasterInfo | null, reason: string): void {
    if (this.stopped) return;
    const prev = this.cur;
    if (next && sameAddress(next, prev)) {
      this.cur = Object.freeze({ ...next });
      return;
    }
    if (!next && !prev) return;
    const now = Date.now();
    this.cur = next ? Object.freeze({ ...next }) : null;

    if (!next) {
      this.noMasterSince = now;
      this.log.info({ lost: formatAddress(prev!), reason }, 'master lost, waiting for a confirmed master');
    } else {
      const from = this.lastConfirmed;
      const noMasterMs = this.noMasterSince === null ? 0 : now - this.noMasterSince;
      const sinceSwitchMs = this.switchSeenAt === null ? undefined : now - this.switchSeenAt;
      const fields = { to: formatAddress(next), configEpoch: next.configEpoch, replicas: next.replicas, noMasterMs, sinceSwitchMs };
      if (!this.discovered) {
        this.log.info(fields, 'master discovered');
      } else if (from && !sameAddress(from, next)) {
        this.log.warn({ from: formatAddress(from), ...fields }, 'master changed');
      } else {
        this.log.info(fields, 'master confirmed again');
      }
      this.discovered = true;
      this.lastConfirmed = this.cur;
      this.noMasterSince = null;
    }
    this.emit('master', this.cur, prev);
  }
}

/** SENTINEL MASTER's flat [field, value, ...] reply as a map. */
function pairs(reply: unknown): Map<string, string> {
  const map = new Map<string, string>();
  if (!Array.isArray(reply)) return map;
  for (let i = 0; i + 1 < reply.length; i += 2) map.set(String(reply[i]), String(reply[i + 1]));
  return map;
}

/** A standalone upstream is static; anything else is followed through the sentinels. */
export function createMasterSource(config: Config, logger: Logger): MasterSource {
  requireUpstream(config);
  if (config.upstream) return new StaticMaster(config.upstream);
  return new SentinelMaster({
    sentinels: config.sentinels,
    masterName: config.masterName,
    sentinelUsername: config.sentinelUsername,
    sentinelPassword: config.sentinelPassword,
    upstreamUsername: config.upstreamUsername,
    upstreamPassword: config.upstreamPassword,
    recheckIntervalMs: config.recheckIntervalMs,
    connectTimeoutMs: config.connectTimeoutMs,
    logger,
  });
}
