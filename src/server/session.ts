// A client's own upstream connection, for commands that carry connection state: transactions,
// blocking calls, pub/sub, a non-zero db, CLIENT state. Replies are accounted frame by frame
// (expected replies, swallowed internal replies, pub/sub pushes), which lets the session replay
// its state on a new master after a failover: db and name are restored, subscriptions are
// renewed without the client noticing, an open transaction is aborted with an error.

import { decodeFrame, asText, type Value } from '../resp/decode.js';
import { encodeCommand, NULL_ARRAY } from '../resp/encode.js';
import { ERR } from '../resp/errors.js';
import { PubSubFamily } from '../registry/policy.js';
import { UpstreamConnection, type ConnectionEvents, type ConnectionOptions } from '../upstream/connection.js';
import type { MasterInfo } from '../upstream/master-source.js';
import type { Upstream } from '../upstream/upstream.js';

/** What the session needs from its client. */
export interface SessionOwner {
  /** Reply bytes; `frames` of the client's expected replies end inside them. */
  deliver(buf: Buffer, start: number, end: number, frames: number): void;
  /** A pub/sub message or MONITOR line: not a reply to any command. */
  push(frame: Buffer): void;
  /** The connection broke in the middle of a reply: the client stream cannot be resynchronised. */
  abort(): void;
}

const enum Action {
  Forward,
  Swallow,
  /** Deliver a canned reply instead of the upstream one (EXEC after a lost WATCH). */
  Replace,
}

interface Expect {
  action: Action;
  replacement?: Buffer;
  /** A (un)subscribe confirmation: updates the subscription state. */
  pubsub?: boolean;
  /** The confirmations of one (un)subscribe command share this token. */
  command?: object;
  /** A command whose +OK changes replayable state. */
  onOk?: () => void;
  /** Looks at the whole reply before it is delivered. */
  inspect?: (frame: Buffer) => void;
}

const enum FrameMode {
  /** At a frame boundary. */
  None,
  /** Forwarding a frame piece by piece (large replies are not buffered). */
  Streaming,
  /** Collecting a frame to look at it whole. */
  Collecting,
}

const PUSH_KINDS = new Set(['message', 'pmessage', 'smessage']);
const CONFIRM_KINDS = new Set(['subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe']);
const QUEUE_REJECT = encodeCommand(['ECHO']);
/** Commands Redis runs at once inside MULTI instead of queueing them. */
const NOT_QUEUED = new Set(['multi', 'exec', 'discard', 'watch', 'quit', 'reset']);
const WAIT_OFFSET_BUMP = encodeCommand(['PUBLISH', '__suma.wait', '']);
const SUBSCRIBE_COMMANDS = ['SUBSCRIBE', 'PSUBSCRIBE', 'SSUBSCRIBE'] as const;

class DedicatedConnection extends UpstreamConnection {
  constructor(
    private readonly session: Session,
    addr: MasterInfo,
    options: ConnectionOptions,
    events: ConnectionEvents,
    replay: string[][],
  ) {
    super(addr, options, events, replay);
  }

  protected onReplies(chunk: Buffer, pos: number): void {
    this.session.onReplies(this, chunk, pos);
  }

  protected lost(): void {
    this.session.onLost(this);
  }

  get midFrame(): boolean {
    return this.scanner.midFrame;
  }

  nextFrameEnd(chunk: Buffer, pos: number): number {
    return this.scanner.next(chunk, pos);
  }
}

export class Session {
  private conn: DedicatedConnection | null = null;
  private expects: Expect[] = [];
  private mode = FrameMode.None;
  private parts: Buffer[] = [];

  /** Replayable state. */
  db = 0;
  private name: string | null = null;

  /** Transaction state as the client sees it. */
  inMulti = false;
  /** The connection was lost during MULTI: commands until EXEC/DISCARD are refused. */
  multiBroken = false;
  private watching = false;
  private watchBroken = false;

  /** Subscriptions as sent (what to renew on a new master), by family. */
  private readonly subscriptions: [Set<string>, Set<string>, Set<string>] = [new Set(), new Set(), new Set()];
  /** Counts from the last confirmations: non-zero means Redis has this connection in pub/sub mode. */
  private subscribedCount = 0;
  private shardCount = 0;
  private monitoring = false;
  /** A (un)subscribe was queued in the open transaction. */
  private queuedPubsub = false;
  /** Commands queued in the open transaction, and the state changes among them. */
  private queued = 0;
  private queuedEffects: { index: number; apply: () => void }[] = [];
  private cancelWait: (() => void) | null = null;
  private closed = false;
  private reading = true;

  constructor(
    private readonly owner: SessionOwner,
    private readonly upstream: Upstream,
  ) {}

  /** True while Redis holds this connection in subscribed mode (pushes may arrive). */
  get subscribed(): boolean {
    return this.subscribedCount > 0 || this.shardCount > 0;
  }

  private get wantsSubscriptions(): boolean {
    return this.subscriptions.some((s) => s.size > 0);
  }

  /** Opens the upstream connection if needed; false while no master is known. */
  ready(): boolean {
    if (this.conn !== null && !this.conn.closed) return true;
    const replay: string[][] = [];
    if (this.db !== 0) replay.push(['SELECT', String(this.db)]);
    if (this.name !== null) replay.push(['CLIENT', 'SETNAME', this.name]);
    this.conn = this.upstream.dedicated((addr, options, events) => new DedicatedConnection(this, addr, options, events, replay));
    if (this.conn !== null && !this.reading) this.conn.setReading(false);
    return this.conn !== null;
  }

  /** Sends one command whose replies go to the client; returns how many replies the client should expect. */
  send(frame: Buffer, args: Buffer[]): number {
    const name = args[0]!.toString('latin1').toLowerCase();
    let expects: Expect[];
    switch (name) {
      case 'exec': {
        const pubsub = this.queuedPubsub;
        const effects = this.queuedEffects;
        expects = [
          this.watchBroken && this.inMulti
            ? { action: Action.Replace, replacement: NULL_ARRAY }
            : { action: Action.Forward, inspect: pubsub || effects.length > 0 ? (frame) => this.applyExec(frame, pubsub, effects) : undefined },
        ];
        this.endQueue();
        if (this.watchBroken && this.inMulti) frame = encodeCommand(['DISCARD']);
        this.inMulti = false;
        this.watching = this.watchBroken = false;
        break;
      }
      case 'discard':
        expects = [{ action: Action.Forward }];
        this.endQueue();
        this.inMulti = false;
        this.watching = this.watchBroken = false;
        break;
      case 'multi':
        expects = [{ action: Action.Forward }];
        if (!this.inMulti) this.endQueue();
        this.inMulti = true;
        break;
      case 'watch':
        expects = [{ action: Action.Forward }];
        if (!this.inMulti) this.watching = true;
        break;
      case 'unwatch':
        expects = [{ action: Action.Forward }];
        if (!this.inMulti) this.watching = this.watchBroken = false;
        break;
      case 'select': {
        const db = Number(args[1]?.toString('latin1'));
        expects = [{ action: Action.Forward, onOk: this.replayable(() => (this.db = db)) }];
        break;
      }
      case 'client': {
        const sub = args[1]?.toString('latin1').toLowerCase();
        const value = args[2]?.toString('utf8');
        const setName = (): void => void (this.name = value === '' ? null : value!);
        expects = [{ action: Action.Forward, onOk: sub === 'setname' && value !== undefined ? this.replayable(setName) : undefined }];
        break;
      }
      case 'wait':
        // WAIT counts acks of this connection's last write; the client's writes went through the
        // shared link, so a propagated no-op first moves this connection's offset past them.
        if (!this.inMulti) {
          this.expects.push({ action: Action.Swallow });
          this.conn!.write(WAIT_OFFSET_BUMP);
        }
        expects = [{ action: Action.Forward }];
        break;
      case 'monitor':
        expects = [{ action: Action.Forward, onOk: () => (this.monitoring = true) }];
        break;
      default:
        expects = this.pubsubExpects(name, args) ?? [{ action: Action.Forward }];
    }
    // Redis queues everything in MULTI but these, whose errors do not abort EXEC either.
    if (this.inMulti && !NOT_QUEUED.has(name)) this.queued++;
    this.expects.push(...expects);
    this.conn!.write(frame);
    return expects.length;
  }

  /**
   * A change of replayable state (db, name): applied when its +OK arrives, or, queued in MULTI,
   * when EXEC's reply shows it succeeded (see applyExec).
   */
  private replayable(apply: () => void): (() => void) | undefined {
    if (!this.inMulti) return apply;
    this.queuedEffects.push({ index: this.queued, apply });
    return undefined;
  }

  /** EXEC's reply: the effects of queued (un)subscribes, SELECT and CLIENT SETNAME that succeeded. */
  private applyExec(frame: Buffer, pubsub: boolean, effects: { index: number; apply: () => void }[]): void {
    if (pubsub) this.confirmInExec(frame);
    const { value } = decodeFrame(frame);
    if (!Array.isArray(value)) return;
    for (const { index, apply } of effects) if (asText(value[index]) === 'OK') apply();
  }

  private endQueue(): void {
    this.queuedPubsub = false;
    this.queuedEffects = [];
    this.queued = 0;
  }

  /** Expected confirmations of a (un)subscribe command, tracking what to renew after a failover. */
  private pubsubExpects(name: string, args: Buffer[]): Expect[] | null {
    const family = pubsubFamily(name);
    if (family === null) return null;
    if (this.inMulti) {
      // Queued: its confirmations come inside EXEC's reply, where they are read (see exec below).
      this.queuedPubsub = true;
      return null;
    }
    if (family.subscribe && args.length === 1) return null; // Redis answers one arity error
    const set = this.subscriptions[family.family];
    const targets = args.slice(1).map((a) => a.toString('latin1'));
    let replies = targets.length;
    if (family.subscribe) targets.forEach((t) => set.add(t));
    else if (targets.length === 0) {
      replies = Math.max(1, set.size);
      set.clear();
    } else targets.forEach((t) => set.delete(t));
    const command = {};
    return Array.from({ length: replies }, () => ({ action: Action.Forward, pubsub: true, command }));
  }

  onReplies(conn: DedicatedConnection, chunk: Buffer, pos: number): void {
    if (conn !== this.conn) return;
    const len = chunk.length;
    while (pos < len) {
      if (this.mode === FrameMode.None) this.mode = this.needsWholeFrame() ? FrameMode.Collecting : FrameMode.Streaming;
      const end = conn.nextFrameEnd(chunk, pos);
      if (end < 0) {
        if (this.mode === FrameMode.Streaming) this.owner.deliver(chunk, pos, len, 0);
        else this.parts.push(Buffer.from(chunk.subarray(pos)));
        return;
      }
      if (this.mode === FrameMode.Streaming) {
        this.expects.shift();
        this.mode = FrameMode.None;
        this.owner.deliver(chunk, pos, end, 1);
      } else {
        this.parts.push(chunk.subarray(pos, end));
        const frame = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
        this.parts = [];
        this.mode = FrameMode.None;
        this.onFrame(frame);
      }
      pos = end;
    }
  }

  private needsWholeFrame(): boolean {
    const head = this.expects[0];
    return (
      head === undefined ||
      head.action !== Action.Forward ||
      head.pubsub === true ||
      head.onOk !== undefined ||
      head.inspect !== undefined ||
      this.subscribed ||
      this.monitoring
    );
  }

  private onFrame(frame: Buffer): void {
    if ((this.subscribed && isPush(frame)) || (this.monitoring && this.expects.length === 0)) {
      this.owner.push(frame);
      return;
    }
    const expect = this.expects.shift();
    if (expect === undefined) {
      // Redis never sends unasked replies outside pub/sub and MONITOR: treat as a broken stream.
      this.conn?.close();
      return;
    }
    if (expect.pubsub && expect.action === Action.Forward && frame[0] === 45 /* - */) {
      // Refused as a whole (BUSY, NOPERM ...): one error instead of a confirmation per name.
      let skipped = 0;
      while (this.expects[0]?.command === expect.command && expect.command !== undefined) {
        this.expects.shift();
        skipped++;
      }
      this.owner.deliver(frame, 0, frame.length, 1 + skipped);
      return;
    }
    if (expect.pubsub) this.confirm(frame);
    expect.inspect?.(frame);
    if (expect.onOk && frame[0] === 43 /* + */) expect.onOk();
    if (expect.action === Action.Forward) this.owner.deliver(frame, 0, frame.length, 1);
    else if (expect.action === Action.Replace) this.owner.deliver(expect.replacement!, 0, expect.replacement!.length, 1);
  }

  private confirm(frame: Buffer): void {
    this.confirmValue(decodeFrame(frame).value);
  }

  /** A (un)subscribe confirmation updates the counts that say whether pushes may arrive. */
  private confirmValue(value: Value): void {
    if (!Array.isArray(value) || !CONFIRM_KINDS.has(asText(value[0]) ?? '')) return;
    const count = typeof value[2] === 'number' ? value[2] : 0;
    if (confirmFamily(asText(value[0])!) === PubSubFamily.Shard) this.shardCount = count;
    else this.subscribedCount = count;
  }

  /** (Un)subscribes queued in MULTI take effect at EXEC: read their confirmations from its reply. */
  private confirmInExec(frame: Buffer): void {
    const { value } = decodeFrame(frame);
    if (!Array.isArray(value)) return;
    for (const item of value) {
      if (!Array.isArray(item) || !CONFIRM_KINDS.has(asText(item[0]) ?? '')) continue;
      this.confirmValue(item);
      const kind = asText(item[0])!;
      const target = Buffer.isBuffer(item[1]) ? item[1].toString('latin1') : null;
      if (target === null) continue;
      const set = this.subscriptions[confirmFamily(kind)];
      if (kind.endsWith('unsubscribe')) set.delete(target);
      else set.add(target);
    }
  }

  /** The upstream connection ended: fail or renew what was outstanding. */
  onLost(conn: DedicatedConnection): void {
    if (conn !== this.conn) return;
    this.conn = null;
    const cut = this.mode === FrameMode.Streaming;
    const owed = this.expects.filter((e) => e.action !== Action.Swallow).length;
    this.expects = [];
    this.parts = [];
    this.mode = FrameMode.None;
    this.subscribedCount = this.shardCount = 0;
    this.monitoring = false;
    if (cut) return this.owner.abort();
    const error = conn.mayHaveRun ? ERR.linkLost : ERR.tryAgainMasterChanged;
    for (let i = 0; i < owed; i++) this.owner.deliver(error, 0, error.length, 1);
    if (this.inMulti) this.multiBroken = true;
    if (this.watching) this.watchBroken = true;
    if (this.wantsSubscriptions && !this.closed) this.renewSubscriptions();
  }

  /** Subscribes again on the next master, swallowing the confirmations the client already had. */
  private renewSubscriptions(): void {
    if (!this.ready()) {
      this.cancelWait ??= this.upstream.whenMaster(() => {
        this.cancelWait = null;
        if (!this.closed && this.wantsSubscriptions && this.conn === null) this.renewSubscriptions();
      });
      return;
    }
    this.subscriptions.forEach((set, family) => {
      if (set.size === 0) return;
      this.expects.push(...Array.from(set, () => ({ action: Action.Swallow, pubsub: true })));
      this.conn!.write(encodeCommand([SUBSCRIBE_COMMANDS[family]!, ...set]));
    });
  }

  /** CLIENT SETNAME on behalf of HELLO, whose reply is the proxy's: Redis's +OK is swallowed. */
  setName(name: string): void {
    this.expects.push({ action: Action.Swallow, onOk: () => (this.name = name === '' ? null : name) });
    this.conn!.write(encodeCommand(['CLIENT', 'SETNAME', name]));
  }

  /**
   * Rejects a command inside MULTI the way Redis rejects one at queue time: the client gets
   * `reply` now and EXEC answers EXECABORT. Redis is made to refuse a call it can see (an ECHO
   * without its argument), so the transaction is flagged on the server itself.
   */
  rejectQueued(reply: Buffer): number {
    this.expects.push({ action: Action.Replace, replacement: reply });
    this.conn!.write(QUEUE_REJECT);
    return 1;
  }

  /** Backpressure from a client that does not keep up with its replies. */
  setReading(on: boolean): void {
    this.reading = on;
    this.conn?.setReading(on);
  }

  /** A transaction broken by a failover ends here (EXEC, DISCARD or RESET). */
  endBrokenTransaction(): void {
    this.inMulti = this.multiBroken = false;
    this.watching = this.watchBroken = false;
  }

  close(): void {
    this.closed = true;
    this.cancelWait?.();
    const conn = this.conn;
    this.conn = null;
    conn?.close();
  }
}

function pubsubFamily(name: string): { family: PubSubFamily; subscribe: boolean } | null {
  switch (name) {
    case 'subscribe':
      return { family: PubSubFamily.Channel, subscribe: true };
    case 'psubscribe':
      return { family: PubSubFamily.Pattern, subscribe: true };
    case 'ssubscribe':
      return { family: PubSubFamily.Shard, subscribe: true };
    case 'unsubscribe':
      return { family: PubSubFamily.Channel, subscribe: false };
    case 'punsubscribe':
      return { family: PubSubFamily.Pattern, subscribe: false };
    case 'sunsubscribe':
      return { family: PubSubFamily.Shard, subscribe: false };
    default:
      return null;
  }
}

/** The family a confirmation kind (subscribe, punsubscribe, ssubscribe ...) belongs to. */
function confirmFamily(kind: string): PubSubFamily {
  if (kind === 'ssubscribe' || kind === 'sunsubscribe') return PubSubFamily.Shard;
  return kind[0] === 'p' ? PubSubFamily.Pattern : PubSubFamily.Channel;
}

/** message / pmessage / smessage arrays; only called while subscribed, where replies never look like this. */
function isPush(frame: Buffer): boolean {
  if (frame[0] !== 42 /* * */) return false;
  const { value } = decodeFrame(frame);
  return Array.isArray(value) && PUSH_KINDS.has(asText(value[0]) ?? '');
}
