// One client connection: request bytes are scanned in place and complete frames are forwarded
// as slices of what the client sent; replies come back as slices of what Redis sent.
//
// Ordering rule: a client has one route in flight at a time (the shared link, its session, or
// the proxy itself). A command that needs another route waits until every earlier reply has
// been written, so replies always leave in request order without reordering buffers.

import type net from 'node:net';
import type { Logger } from 'pino';
import { RequestScanner, Scan, frameArgs, parseLength } from '../resp/request-scanner.js';
import { ERR, errorReply, protocolError, subscribedContext, wrongArity, truncate } from '../resp/errors.js';
import { encode, OK, RESET } from '../resp/encode.js';
import { Kind, allowedBeforeAuth, clientNeedsSession, isSystemChannel, type LocalCaller, type LocalCommand, type Policy } from '../registry/policy.js';
import type { SharedLink } from '../upstream/shared-link.js';
import type { ReplySink } from '../upstream/reply-sink.js';
import type { Upstream } from '../upstream/upstream.js';
import { flushAtTurnEnd, type Flushable } from './flush.js';
import { Session, type SessionOwner } from './session.js';
import type { ProxyContext } from './context.js';

const AUTH = Buffer.from('AUTH');

/** Redis's full name of a command in errors: `container|sub` for a command with subcommands. */
function fullName(args: Buffer[]): string {
  const name = args[0]!.toString('latin1').toLowerCase();
  return name === 'command' && args[1] ? `${name}|${args[1].toString('latin1').toLowerCase()}` : name;
}

/** HELLO's arguments, or the error Redis would give for them. */
function parseHello(args: Buffer[]): { auth?: [Buffer, Buffer]; name?: string } | Buffer {
  const out: { auth?: [Buffer, Buffer]; name?: string } = {};
  if (args.length > 1) {
    const version = parseLength(args[1]!, 0, args[1]!.length);
    if (Number.isNaN(version)) return errorReply('ERR', 'Protocol version is not an integer or out of range');
    if (version !== 2) return ERR.noProto;
  }
  for (let i = 2; i < args.length; i++) {
    const given = args[i]!.toString('latin1');
    const option = given.toLowerCase();
    if (option === 'auth' && i + 2 < args.length) {
      out.auth = [args[i + 1]!, args[i + 2]!];
      i += 2;
    } else if (option === 'setname' && i + 1 < args.length) {
      const name = args[++i]!;
      if (name.some((b) => b < 0x21 || b > 0x7e)) return errorReply('ERR', 'Client names cannot contain spaces, newlines or special characters.');
      out.name = name.toString('latin1');
    } else {
      return errorReply('ERR', `Syntax error in HELLO option '${truncate(given)}'`);
    }
  }
  return out;
}

/** The route of replies in flight when they are the proxy's own. */
const LOCAL = Symbol('local');
type Route = SharedLink | Session | typeof LOCAL;

const enum Stop {
  None = 0,
  /** Waiting for earlier replies before switching route. */
  Barrier = 1,
  /** Waiting for a reachable master. */
  Master = 2,
  /** QUIT or a protocol error: no more commands. */
  Closing = 4,
}

/** A stalled client is one that owes this many unsent bytes and makes no progress. */
const STALL_BYTES = 1024 * 1024;

export class ClientConnection implements ReplySink, SessionOwner, Flushable, LocalCaller {
  readonly id: number;
  readonly log: Logger;
  private readonly scanner: RequestScanner;
  private readonly upstream: Upstream;

  /** Unconsumed input: a partial frame, or frames held back while waiting. */
  private pend: Buffer | null = null;
  private pendStart = 0;
  private pendEnd = 0;

  private inflight = 0;
  private route: Route | null = null;
  private session: Session | null = null;
  private stop = Stop.None;
  private authenticated: boolean;
  private corked = false;
  private readPaused = false;
  /** Shutting down: read nothing more, answer what was read, then end the connection. */
  private draining = false;
  private congested = false;
  private cancelMasterWait: (() => void) | null = null;
  private masterTimer: NodeJS.Timeout | null = null;
  /** Async local replies, written in order as they complete. */
  private readonly localSlots: { reply: Buffer | null }[] = [];
  private closed = false;
  /** An error to send once the replies owed are out, before closing (protocol errors). */
  private lastWords: Buffer | null = null;
  /** When the client last took reply bytes, and how many it had taken then (for the stall check). */
  lastProgress = Date.now();
  private sentAtCheck = 0;
  /** Command id of the frame being dispatched off the fast path (for the latency metric). */
  private frameCmd = 0;

  constructor(
    private readonly socket: net.Socket,
    private readonly ctx: ProxyContext,
  ) {
    this.id = ctx.nextClientId();
    this.upstream = ctx.upstream;
    this.log = ctx.logger.child({ conn: this.id, remote: `${socket.remoteAddress}:${socket.remotePort}` });
    this.authenticated = ctx.config.clientPassword === undefined;
    this.scanner = new RequestScanner(ctx.config);
    this.scanner.unauthenticated = !this.authenticated;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
    socket.on('error', () => this.socket.destroy());
    socket.on('close', () => this.onClose());
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  get outputBacklog(): number {
    return this.socket.writableLength;
  }

  // ---------------------------------------------------------------- input

  private onData(chunk: Buffer): void {
    if (this.stop & Stop.Closing) return;
    if (this.pend === null) {
      const at = this.process(chunk, 0, chunk.length);
      if (at < chunk.length) this.keep(chunk, at, chunk.length);
    } else {
      this.append(chunk);
      this.processPending();
    }
    this.updateReading();
  }

  private processPending(): void {
    const pend = this.pend!;
    if (this.scanner.midFrame && this.pendEnd < this.scanner.need) return;
    this.pendStart = this.process(pend, this.pendStart, this.pendEnd);
    if (this.pendStart === this.pendEnd) this.pend = null;
  }

  /** Keeps buf[from, to) as pending input; the scanner's positions move with it. */
  private keep(buf: Buffer, from: number, to: number): void {
    const length = to - from;
    const capacity = Math.max(length * 2, 16 * 1024);
    const pend = Buffer.allocUnsafe(capacity);
    buf.copy(pend, 0, from, to);
    this.scanner.rebase(-from);
    this.pend = pend;
    this.pendStart = 0;
    this.pendEnd = length;
  }

  private append(chunk: Buffer): void {
    const pend = this.pend!;
    if (this.pendEnd + chunk.length <= pend.length) {
      chunk.copy(pend, this.pendEnd);
      this.pendEnd += chunk.length;
      return;
    }
    // Bytes before pendEnd may still sit in a corked write: copy forward, never overwrite in place.
    // Grow by doubling as bytes arrive: a frame that only announces a huge argument costs nothing.
    const live = this.pendEnd - this.pendStart;
    const grown = Buffer.allocUnsafe(Math.max(live + chunk.length, live * 2, 16 * 1024));
    pend.copy(grown, 0, this.pendStart, this.pendEnd);
    chunk.copy(grown, live);
    this.scanner.rebase(-this.pendStart);
    this.pend = grown;
    this.pendStart = 0;
    this.pendEnd = live + chunk.length;
  }

  /**
   * Scans and dispatches frames in buf[pos, end); returns where it stopped (the start of a
   * partial frame, or of a frame that must wait). Consecutive stateless commands bound for the
   * shared link leave as one slice.
   */
  private process(buf: Buffer, pos: number, end: number): number {
    const scanner = this.scanner;
    const commands = this.ctx.commands;
    const stats = this.ctx.stats;
    let runLink: SharedLink | null = null;
    let runStart = 0;
    let runEnd = 0;
    let runCount = 0;
    /** The run's command id, or stats.mixed once it carries different commands. */
    let runCmd = 0;
    while (pos < end && this.stop === Stop.None) {
      const status = scanner.next(buf, pos, end);
      if (status === Scan.Incomplete) break;
      if (runLink !== null && (status !== Scan.Frame || scanner.inline !== null || scanner.argc === 0)) {
        runLink.send(this, buf.subarray(runStart, runEnd), runCount, runCmd);
        runLink = null;
      }
      if (status === Scan.Error) {
        this.protocolError(scanner.error);
        return end;
      }
      const frameStart = scanner.frameStart;
      const frameEnd = scanner.frameEnd;
      if (scanner.argc === 0) {
        pos = frameEnd;
        continue;
      }
      const frame = scanner.inline ?? buf;
      const cmd = commands.idOf(frame, scanner.nameStart, scanner.nameLength);
      const policy = commands.policies[cmd];
      if (policy === undefined && this.session === null && this.authenticated && scanner.inline === null) {
        const link = this.upstream.sharedLink();
        if (link !== null && (this.inflight === 0 || this.route === link)) {
          if (runLink !== link) {
            if (runLink !== null) runLink.send(this, buf.subarray(runStart, runEnd), runCount, runCmd);
            runLink = link;
            runStart = frameStart;
            runCount = 0;
            runCmd = cmd;
          } else if (cmd !== runCmd) runCmd = stats.mixed;
          runEnd = frameEnd;
          runCount++;
          stats.commands++;
          stats.calls[cmd]!++;
          this.inflight++;
          this.route = link;
          pos = frameEnd;
          continue;
        }
      }
      if (runLink !== null) {
        runLink.send(this, buf.subarray(runStart, runEnd), runCount, runCmd);
        runLink = null;
      }
      const bytes = scanner.inline ?? buf.subarray(frameStart, frameEnd);
      this.frameCmd = cmd;
      if (!this.dispatchSafely(bytes, policy)) {
        pos = frameStart;
        break;
      }
      stats.commands++;
      stats.calls[cmd]!++;
      pos = frameEnd;
    }
    if (runLink !== null) runLink.send(this, buf.subarray(runStart, runEnd), runCount, runCmd);
    return pos;
  }

  // ---------------------------------------------------------------- dispatch (everything but the fast path)

  /** No input may take the process down: a command that cannot be handled gets an error reply. */
  private dispatchSafely(frame: Buffer, policy: Policy | undefined): boolean {
    try {
      return this.dispatch(frame, policy);
    } catch (err) {
      this.log.error({ error: (err as Error).name }, 'command could not be handled');
      return this.replyNow(ERR.unhandled);
    }
  }

  /** Runs one command; false when it has to wait (its bytes stay pending). */
  private dispatch(frame: Buffer, policy: Policy | undefined): boolean {
    const args = frameArgs(frame, 0, frame.length);
    const kind = policy?.kind;
    if (!this.authenticated && !allowedBeforeAuth(kind)) return this.replyNow(ERR.noAuth);
    const session = this.session;
    if (session?.multiBroken && kind !== Kind.Quit && kind !== Kind.Reset) return this.brokenTransaction(kind);
    if (session !== null && (kind === Kind.Local || kind === Kind.Auth || kind === Kind.Hello)) {
      // Redis's context rules for commands the proxy answers itself.
      if (session.subscribed) return this.replyNow(subscribedContext(fullName(args)));
      if (session.inMulti) {
        if (policy?.command?.standard) return this.forward(frame, args, false);
        return this.rejectQueued(session, fullName(args));
      }
    }
    switch (kind) {
      case Kind.Local:
        return this.runLocal(policy!.command!, args);
      case undefined:
        return this.forward(frame, args, false);
      case Kind.Auth:
        return this.replyNow(() => this.auth(args));
      case Kind.Hello:
        return this.hello(args);
      case Kind.Quit:
        return this.replyNow(() => {
          this.stop |= Stop.Closing;
          return OK;
        });
      case Kind.Reset:
        return this.replyNow(() => (args.length === 1 ? this.reset() : wrongArity('reset')));
      case Kind.Refused:
        return this.replyNow(errorReply('ERR', `'${truncate(args[0]!.toString('latin1'))}' is not available through suma-redis`));
      case Kind.Select:
        if (this.session === null && args.length === 2 && args[1]!.toString('latin1') === '0') return this.replyNow(OK);
        if (this.session === null && args.length !== 2) return this.replyNow(wrongArity('select'));
        return this.forward(frame, args, true);
      case Kind.Client: {
        const sub = args[1]?.toString('latin1').toLowerCase();
        const mode = sub === 'reply' && args.length === 3 ? args[2]!.toString('latin1').toLowerCase() : '';
        if (mode === 'off' || mode === 'skip') {
          return this.replyNow(errorReply('ERR', 'CLIENT REPLY OFF and SKIP are not supported through suma-redis'));
        }
        return this.forward(frame, args, sub !== undefined && clientNeedsSession(sub));
      }
      case Kind.Script: {
        const debug = args.length === 3 && args[1]!.toString('latin1').toLowerCase() === 'debug' ? args[2]!.toString('latin1').toLowerCase() : '';
        if (debug === 'yes' || debug === 'sync') return this.replyNow(ERR.scriptDebug);
        return this.forward(frame, args, false);
      }
      case Kind.Publish:
        if (args[1] !== undefined && isSystemChannel(args[1])) return this.replyNow(ERR.systemChannel);
        return this.forward(frame, args, false);
      case Kind.StreamRead:
        return this.forward(frame, args, args.some((a) => a.length === 5 && a.toString('latin1').toLowerCase() === 'block'));
      case Kind.Exec:
      case Kind.Discard:
      case Kind.Unwatch:
        return this.forward(frame, args, false);
      default:
        return this.forward(frame, args, true);
    }
  }

  /** Sends a command upstream: on the session if the client has one (or `needsSession`), else shared. */
  private forward(frame: Buffer, args: Buffer[], needsSession: boolean): boolean {
    if (this.session !== null || needsSession) {
      const session = (this.session ??= new Session(this, this.upstream));
      if (this.inflight > 0 && this.route !== session) return this.waitBarrier();
      if (!session.ready()) return this.waitMaster();
      this.inflight += session.send(frame, args);
      this.route = session;
      return true;
    }
    const link = this.upstream.sharedLink();
    if (link === null) return this.waitMaster();
    if (this.inflight > 0 && this.route !== link) return this.waitBarrier();
    link.send(this, frame, 1, this.frameCmd);
    this.inflight++;
    this.route = link;
    return true;
  }

  private brokenTransaction(kind: Kind | undefined): boolean {
    if (kind === Kind.Exec) {
      this.session!.endBrokenTransaction();
      return this.replyNow(ERR.execAbortFailover);
    }
    if (kind === Kind.Discard) {
      this.session!.endBrokenTransaction();
      return this.replyNow(OK);
    }
    return this.replyNow(ERR.inMultiFailover);
  }

  /** A command the proxy answers itself cannot join a Redis transaction: refused at queue time, so EXEC aborts. */
  private rejectQueued(session: Session, name: string): boolean {
    if (this.inflight > 0 && this.route !== session) return this.waitBarrier();
    if (!session.ready()) return this.waitMaster();
    this.inflight += session.rejectQueued(errorReply('ERR', `'${name}' cannot be queued in MULTI: the proxy runs it itself`));
    this.route = session;
    return true;
  }

  private runLocal(command: LocalCommand, args: Buffer[]): boolean {
    if (this.inflight > 0 && this.route !== LOCAL) return this.waitBarrier();
    const error = command.check(args);
    if (error !== null) return this.replyLocal(error);
    let result: ReturnType<LocalCommand['run']>;
    try {
      result = command.run(this, args);
    } catch (err) {
      // A handler that throws at once (a ReplyError from its argument reader, or a bug) answers an error.
      return this.replyLocal(errorFrom(err));
    }
    if (!(result instanceof Promise)) return this.replyLocal(encode(result));
    this.timeLocal(result);
    const slot: { reply: Buffer | null } = { reply: null };
    this.localSlots.push(slot);
    this.inflight++;
    this.route = LOCAL;
    result.then(
      (value) => this.completeLocal(slot, encode(value)),
      (err: unknown) => this.completeLocal(slot, errorFrom(err)),
    );
    return true;
  }

  /** The latency metric of a local command that answers later: from its start to its result. */
  private timeLocal(result: Promise<unknown>): void {
    const stats = this.ctx.stats;
    const cmd = this.frameCmd;
    const startedAt = performance.now();
    const done = (): void => stats.observe(cmd, performance.now() - startedAt, 1);
    result.then(done, done);
  }

  private completeLocal(slot: { reply: Buffer | null }, reply: Buffer): void {
    slot.reply = reply;
    while (this.localSlots.length > 0 && this.localSlots[0]!.reply !== null) {
      this.write(this.localSlots.shift()!.reply!);
      this.replied(1);
    }
  }

  /** A reply the proxy makes right away, in order: waits for earlier replies first. */
  private replyNow(reply: Buffer | (() => Buffer)): boolean {
    if (this.inflight > 0) return this.waitBarrier();
    this.write(typeof reply === 'function' ? reply() : reply);
    if (this.stop & Stop.Closing) this.endAfterFlush();
    return true;
  }

  private replyLocal(reply: Buffer): boolean {
    if (this.localSlots.length > 0) {
      this.localSlots.push({ reply: null });
      this.inflight++;
      this.completeLocal(this.localSlots[this.localSlots.length - 1]!, reply);
      return true;
    }
    return this.replyNow(reply);
  }

  // ---------------------------------------------------------------- local standard commands

  private auth(args: Buffer[]): Buffer {
    if (args.length < 2) return wrongArity('auth');
    if (args.length > 3) return ERR.syntax;
    const config = this.ctx.config;
    const user = args.length === 3 ? args[1]!.toString('utf8') : config.clientUser;
    const password = args[args.length - 1]!;
    if (config.clientPassword === undefined) {
      if (args.length === 2) return ERR.authNotConfigured;
      return user === config.clientUser ? OK : ERR.wrongPass;
    }
    if (user !== config.clientUser || !this.ctx.checkPassword(password)) return ERR.wrongPass;
    this.authenticated = true;
    this.scanner.unauthenticated = false;
    return OK;
  }

  /** HELLO [protover [AUTH user pass] [SETNAME name]]: RESP2 only; SETNAME names the client's session. */
  private hello(args: Buffer[]): boolean {
    const parsed = parseHello(args);
    if (Buffer.isBuffer(parsed)) return this.replyNow(parsed);
    if (parsed.auth) {
      const reply = this.auth([AUTH, ...parsed.auth]);
      if (reply !== OK) return this.replyNow(reply);
    }
    // Nothing upstream is opened for a client that has not authenticated.
    if (!this.authenticated) return this.replyNow(ERR.noAuth);
    if (parsed.name !== undefined) {
      const session = (this.session ??= new Session(this, this.upstream));
      if (this.inflight > 0 && this.route !== session) return this.waitBarrier();
      if (!session.ready()) return this.waitMaster();
    }
    return this.replyNow(() => {
      if (parsed.name !== undefined) this.session!.setName(parsed.name);
      return encode([
        'server', 'redis',
        'version', this.upstream.serverVersion,
        'proto', 2,
        'id', this.id,
        'mode', 'standalone',
        'role', 'master',
        'modules', [],
      ]);
    });
  }

  private reset(): Buffer {
    this.session?.close();
    this.session = null;
    this.route = null;
    this.authenticated = this.ctx.config.clientPassword === undefined;
    this.scanner.unauthenticated = !this.authenticated;
    return RESET;
  }

  // ---------------------------------------------------------------- waiting

  private waitBarrier(): false {
    this.stop |= Stop.Barrier;
    return false;
  }

  private waitMaster(): boolean {
    const budget = this.upstream.waitBudget();
    if (budget <= 0) {
      if (this.inflight > 0) return this.waitBarrier();
      this.write(ERR.tryAgainNoMaster);
      return true;
    }
    this.stop |= Stop.Master;
    this.cancelMasterWait = this.upstream.whenMaster(() => this.endMasterWait());
    this.masterTimer = setTimeout(() => this.endMasterWait(), budget + 1);
    return false;
  }

  private endMasterWait(): void {
    this.cancelMasterWait?.();
    this.cancelMasterWait = null;
    if (this.masterTimer) clearTimeout(this.masterTimer);
    this.masterTimer = null;
    this.stop &= ~Stop.Master;
    this.resume();
  }

  /** Continues with held-back input once nothing blocks it any more. */
  private resume(): void {
    if (this.stop !== Stop.None || this.closed) return;
    if (this.pend !== null) this.processPending();
    this.updateReading();
    if (this.draining) this.endWhenAnswered();
  }

  private replied(frames: number): void {
    this.inflight -= frames;
    if (this.inflight === 0) {
      this.route = null;
      if (this.lastWords !== null) return this.sayLastWords();
      if (this.draining && !(this.stop & Stop.Barrier)) this.endWhenAnswered();
      if (this.stop & Stop.Barrier) {
        this.stop &= ~Stop.Barrier;
        queueMicrotask(() => this.resume());
      }
    }
  }

  // ---------------------------------------------------------------- replies (ReplySink, SessionOwner)

  deliver(buf: Buffer, start: number, end: number, frames: number): void {
    if (this.closed) return;
    if (end > start) this.write(start === 0 && end === buf.length ? buf : buf.subarray(start, end));
    if (frames > 0) this.replied(frames);
  }

  push(frame: Buffer): void {
    if (!this.closed) this.write(frame);
  }

  linkLost(pending: number, maybeRan: boolean): void {
    if (this.closed) return;
    const error = maybeRan ? ERR.linkLost : ERR.tryAgainMasterChanged;
    for (let i = 0; i < pending; i++) this.write(error);
    this.replied(pending);
  }

  abort(): void {
    this.log.warn('upstream connection lost in the middle of a reply; closing the client');
    this.socket.destroy();
  }

  // ---------------------------------------------------------------- output

  private write(data: Buffer): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      flushAtTurnEnd(this);
    }
    if (!this.socket.write(data) || this.congested) this.updateReading();
  }

  flush(): void {
    this.corked = false;
    this.socket.uncork();
  }

  private endAfterFlush(): void {
    this.socket.end();
  }

  private onDrain(): void {
    this.lastProgress = Date.now();
    this.updateReading();
  }

  /**
   * Reads while nothing holds input back and the client keeps up with its replies. A client that
   * does not keep up also holds back its session's replies, and counts against the shared links.
   */
  private updateReading(): void {
    const congested = this.socket.writableNeedDrain;
    if (congested !== this.congested) this.session?.setReading(!congested);
    if (congested || this.congested) this.ctx.outputGate.congestion(this, congested);
    this.congested = congested;
    const pause = this.stop !== Stop.None || congested || this.draining;
    if (pause === this.readPaused) return;
    this.readPaused = pause;
    if (pause) this.socket.pause();
    else this.socket.resume();
  }

  /**
   * Called by the listener's timer: a client that stopped reading its replies is closed. Progress is
   * bytes handed to the kernel (bytesWritten counts the buffered ones too), so a slow reader is not
   * stalled; a client whose socket needs draining counts at any size, since it may hold the shared
   * links paused.
   */
  checkStall(now: number, timeoutMs: number): void {
    const socket = this.socket;
    const sent = socket.bytesWritten - socket.writableLength;
    if (sent > this.sentAtCheck || (socket.writableLength < STALL_BYTES && !socket.writableNeedDrain)) {
      this.sentAtCheck = sent;
      this.lastProgress = now;
      return;
    }
    if (now - this.lastProgress > timeoutMs) {
      this.log.warn({ backlog: this.socket.writableLength }, 'client does not read its replies; closing it');
      this.socket.destroy();
    }
  }

  /** Redis answers a protocol error after the replies already owed, then closes. */
  private protocolError(what: string): void {
    this.log.debug({ error: what }, 'protocol error');
    this.stop |= Stop.Closing;
    this.lastWords = protocolError(what);
    this.pend = null;
    this.updateReading();
    if (this.inflight === 0) this.sayLastWords();
  }

  private sayLastWords(): void {
    this.write(this.lastWords!);
    this.lastWords = null;
    this.endAfterFlush();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelMasterWait?.();
    if (this.masterTimer) clearTimeout(this.masterTimer);
    this.session?.close();
    this.session = null;
    this.pend = null;
    if (this.congested) this.ctx.outputGate.congestion(this, false);
    this.ctx.clientClosed(this);
  }

  /**
   * Graceful shutdown: no more reading; commands already read are still answered, then the
   * connection ends with a FIN (subscribers too), so no client sees a reset with replies owed.
   */
  drain(): void {
    this.draining = true;
    this.updateReading();
    this.endWhenAnswered();
  }

  private endWhenAnswered(): void {
    const waiting = this.pend !== null && !this.scanner.midFrame;
    if (this.closed || this.inflight > 0 || waiting) return;
    this.socket.end();
  }

  /** Hard stop (the shutdown deadline passed). */
  close(): void {
    this.socket.destroy();
  }
}

function errorFrom(err: unknown): Buffer {
  if (err && typeof err === 'object' && 'toReply' in err && typeof err.toReply === 'function') return err.toReply() as Buffer;
  return errorReply('ERR', err instanceof Error ? err.message : 'internal error');
}
