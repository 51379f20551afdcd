// Where the sumavlib state lives: Lua scripts on the current master.
//
// Scripts travel on a pipelined connection of their own (the data plane's raw link: one corked
// write per batch, reply frames scanned, decoded only here), because a client library's per-call
// objects and writes cost more than the script itself. Calls made in one event-loop turn form a
// batch; when any of its results changed durable state, one WAIT follows on the same connection,
// so the batch shares one replica acknowledgement (group commit) and calls that changed nothing
// durable never wait for replicas. A promoted replica has an empty script cache: on NOSCRIPT the
// body is sent once.

import { createHash } from 'node:crypto';
import type { Config } from '../config.js';
import { decodeFrame, ErrorValue, type Value } from '../resp/decode.js';
import { encodeCommand } from '../resp/encode.js';
import { RedisError } from '../resp/errors.js';
import type { MasterInfo } from '../upstream/master-source.js';
import type { ReplySink } from '../upstream/reply-sink.js';
import { SharedLink } from '../upstream/shared-link.js';
import type { Upstream } from '../upstream/upstream.js';

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
  /** False when the result needed replica acknowledgement and did not get it in time. */
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
  /** Replicas that must acknowledge a durable change (capped by the replicas the master has). */
  minAcks: number;
  waitMs: number;
}

const NOT_REACHABLE = (): RedisError => new RedisError('TRYAGAIN', 'the state store is not reachable (no master); retry');
const LOST = (): RedisError => new RedisError('TRYAGAIN', 'the state store connection was lost; retry');

export class StateStore {
  private link: SharedLink | null = null;
  private queue: Call[] = [];
  private scheduled = false;

  constructor(
    private readonly upstream: Upstream,
    config: Config,
    private readonly durability: DurabilityOptions = { minAcks: config.upstream ? 0 : 1, waitMs: 200 },
  ) {}

  /** The master the store talks to, or null. */
  current(): MasterInfo | null {
    return this.upstream.current();
  }

  /** Runs `script`; a durable result is acknowledged by replicas before it returns (see ScriptResult.acked). */
  run<T>(script: Script, keys: string[], args: (string | number)[], durable: Durability<T>): Promise<ScriptResult<T>> {
    if (this.upstream.current() === null) return Promise.reject(NOT_REACHABLE());
    return new Promise((resolve, reject) => {
      this.queue.push({ script, keys, args, durable: durable as Durability<unknown>, resolve: resolve as Call['resolve'], reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  async close(): Promise<void> {
    this.link?.close();
    this.link = null;
  }

  /** The store's own connection to the current master (closed by Upstream when the master changes). */
  private connection(): SharedLink | null {
    if (this.link !== null && !this.link.closed) return this.link;
    this.link = this.upstream.dedicated((addr, options, events) => new SharedLink(addr, options, events));
    return this.link;
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    const link = this.connection();
    if (link === null) {
      for (const call of batch) call.reject(NOT_REACHABLE());
      return;
    }
    try {
      const values = await Promise.all(batch.map((call) => request(link, scriptCommand(call, false))));
      const missing = values.flatMap((value, i) => (isNoScript(value) ? [i] : []));
      if (missing.length > 0) {
        const again = await Promise.all(missing.map((i) => request(link, scriptCommand(batch[i]!, true))));
        missing.forEach((i, k) => (values[i] = again[k]!));
      }
      const results = values.map(toJs);
      const durable = batch.map((call, i) => !(results[i] instanceof Error) && needsAck(call, results[i]));
      const acked = durable.some(Boolean) ? await this.waitForReplicas(link) : true;
      batch.forEach((call, i) => settle(call, results[i], !durable[i] || acked));
    } catch (err) {
      for (const call of batch) call.reject(err);
    }
  }

  /** WAIT on the connection that wrote: it covers every write the batch made. */
  private async waitForReplicas(link: SharedLink): Promise<boolean> {
    const minAcks = Math.min(this.durability.minAcks, this.upstream.current()?.replicas ?? 0);
    if (minAcks === 0) return true;
    const reply = await request(link, encodeCommand(['WAIT', String(minAcks), String(this.durability.waitMs)]));
    return typeof reply === 'number' && reply >= minAcks;
  }
}

function scriptCommand({ script, keys, args }: Call, withBody: boolean): Buffer {
  return encodeCommand([withBody ? 'EVAL' : 'EVALSHA', withBody ? script.source : script.sha, String(keys.length), ...keys, ...args.map(String)]);
}

/** Sends one command on the link; resolves with its decoded reply. */
function request(link: SharedLink, command: Buffer): Promise<Value> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const sink: ReplySink = {
      deliver(buf, start, end, frames) {
        parts.push(frames > 0 && parts.length === 0 ? buf.subarray(start, end) : Buffer.from(buf.subarray(start, end)));
        if (frames > 0) resolve(decodeFrame(parts.length === 1 ? parts[0]! : Buffer.concat(parts)).value);
      },
      linkLost: () => reject(LOST()),
      abort: () => reject(LOST()),
    };
    link.send(sink, command, 1);
  });
}

/** Script replies as the commands read them: bulk strings as text, errors as Error. */
function toJs(value: Value): unknown {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (Array.isArray(value)) return value.map(toJs);
  if (value instanceof ErrorValue) return new Error(value.line);
  return value;
}

function isNoScript(value: Value): boolean {
  return value instanceof ErrorValue && value.line.startsWith('NOSCRIPT');
}

function needsAck(call: Call, value: unknown): boolean {
  return typeof call.durable === 'function' ? call.durable(value) : call.durable;
}

function settle(call: Call, value: unknown, acked: boolean): void {
  if (value instanceof Error) {
    const space = value.message.indexOf(' ');
    call.reject(new RedisError(space > 0 ? value.message.slice(0, space) : 'ERR', space > 0 ? value.message.slice(space + 1) : value.message));
  } else call.resolve({ value, acked });
}
