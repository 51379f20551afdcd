// Where the sumavlib state lives: Lua scripts on the current master, run through ioredis.
// Calls made in one event-loop turn leave as one pipeline; when any of their results changed
// durable state, one WAIT follows on the same connection, so a whole batch shares one replica
// acknowledgement (group commit) and calls that changed nothing durable never wait for replicas.

import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { RedisError } from '../resp/errors.js';
import type { MasterInfo, MasterSource } from '../upstream/master-source.js';

export class Script {
  readonly sha: string;

  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }
}

export interface ScriptResult<T> {
  value: T;
  /** False when the batch needed replica acknowledgement and did not get it in time. */
  acked: boolean;
}

/** Whether a call's result must be acknowledged by replicas: always, never, or judged from the result. */
export type Durability<T> = boolean | ((value: T) => boolean);

interface Call {
  script: Script;
  keys: string[];
  args: (string | number)[];
  durable: Durability<unknown>;
  resolve(result: ScriptResult<unknown>): void;
  reject(err: unknown): void;
}

export interface DurabilityOptions {
  /** Replicas that must acknowledge a durable change (0 for a standalone upstream). */
  minAcks: number;
  waitMs: number;
}

const NOT_REACHABLE = (): RedisError => new RedisError('TRYAGAIN', 'the state store is not reachable (no master); retry');

export class StateStore {
  private client: Redis | null = null;
  private master: MasterInfo | null = null;
  private queue: Call[] = [];
  private scheduled = false;

  constructor(
    source: MasterSource,
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly durability: DurabilityOptions = { minAcks: config.upstream ? 0 : 1, waitMs: 200 },
  ) {
    source.on('master', (current) => this.follow(current));
    this.follow(source.current());
  }

  /** The master the store talks to, or null. */
  current(): MasterInfo | null {
    return this.master;
  }

  /** Runs `script`; a durable result is acknowledged by replicas before it returns (see ScriptResult.acked). */
  run<T>(script: Script, keys: string[], args: (string | number)[], durable: Durability<T>): Promise<ScriptResult<T>> {
    if (this.client === null) return Promise.reject(NOT_REACHABLE());
    return new Promise((resolve, reject) => {
      this.queue.push({ script, keys, args, durable: durable as Durability<unknown>, resolve: resolve as Call['resolve'], reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  async close(): Promise<void> {
    this.client?.disconnect();
    this.client = null;
  }

  private follow(master: MasterInfo | null): void {
    if (master && this.master && master.host === this.master.host && master.port === this.master.port) return;
    this.client?.disconnect();
    this.client = null;
    this.master = master;
    if (master === null) return;
    this.client = new Redis({
      host: master.host,
      port: master.port,
      username: this.config.upstreamUsername,
      password: this.config.upstreamPassword,
      connectionName: 'suma-redis:state',
      connectTimeout: this.config.connectTimeoutMs,
      // A script that may have run is never sent again behind the caller's back.
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (times) => Math.min(times * 100, 1000),
      lazyConnect: false,
    });
    this.client.on('error', (err: Error) => this.logger.debug({ err: err.message }, 'state store connection error'));
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    const client = this.client;
    if (client === null) {
      for (const call of batch) call.reject(NOT_REACHABLE());
      return;
    }
    try {
      const values = await this.execute(client, batch, false);
      const retry = batch.filter((_, i) => isNoScript(values[i]));
      if (retry.length > 0) {
        // A promoted replica starts with an empty script cache: send the bodies once.
        const again = await this.execute(client, retry, true);
        retry.forEach((call) => (values[batch.indexOf(call)] = again.shift()));
      }
      const durable = batch.map((call, i) => !(values[i] instanceof Error) && needsAck(call, values[i]));
      const acked = durable.some(Boolean) ? await this.waitForReplicas(client) : true;
      batch.forEach((call, i) => settle(call, values[i], !durable[i] || acked));
    } catch (err) {
      for (const call of batch) call.reject(err instanceof RedisError ? err : new RedisError('TRYAGAIN', `state store: ${(err as Error).message}`));
    }
  }

  private async execute(client: Redis, calls: Call[], withBody: boolean): Promise<unknown[]> {
    const pipeline = client.pipeline();
    for (const { script, keys, args } of calls) {
      if (withBody) pipeline.eval(script.source, keys.length, ...keys, ...args);
      else pipeline.evalsha(script.sha, keys.length, ...keys, ...args);
    }
    const replies = (await pipeline.exec()) ?? [];
    return calls.map((_, i) => replies[i]![0] ?? replies[i]![1]);
  }

  /** WAIT on the connection that wrote: it covers every write the batch made. */
  private async waitForReplicas(client: Redis): Promise<boolean> {
    const minAcks = Math.min(this.durability.minAcks, this.master?.replicas ?? 0);
    if (minAcks === 0) return true;
    return Number(await client.call('WAIT', minAcks, this.durability.waitMs)) >= minAcks;
  }
}

function needsAck(call: Call, value: unknown): boolean {
  return typeof call.durable === 'function' ? call.durable(value) : call.durable;
}

function isNoScript(value: unknown): boolean {
  return value instanceof Error && value.message.startsWith('NOSCRIPT');
}

function settle(call: Call, value: unknown, acked: boolean): void {
  if (value instanceof Error) {
    const space = value.message.indexOf(' ');
    call.reject(new RedisError(space > 0 ? value.message.slice(0, space) : 'ERR', space > 0 ? value.message.slice(space + 1) : value.message));
  } else call.resolve({ value, acked });
}
