// One socket to a Redis master: connect, authenticate, confirm the node is still a master,
// then hand every reply to the subclass. Writes are corked and flushed once per event-loop turn.

import net from 'node:net';
import type { Logger } from 'pino';
import type { HostPort } from '../config.js';
import { encodeCommand } from '../resp/encode.js';
import { decodeFrame, ErrorValue, asText, type Value } from '../resp/decode.js';
import { ReplyScanner } from '../resp/reply-scanner.js';
import { flushAtTurnEnd, type Flushable } from '../server/flush.js';
import type { ProxyStats } from '../admin/stats.js';

export interface ConnectionOptions {
  username: string | undefined;
  password: string | undefined;
  connectTimeoutMs: number;
  logger: Logger;
  /** Where the shared link records command latency (per run); absent in tests that need none. */
  stats?: ProxyStats;
}

/** Why a connection ended: a failure of the node (report it) or our own decision. */
export type CloseReason = 'failed' | 'closed';

export interface ConnectionEvents {
  /** Called once, when the socket is gone. */
  onClose(conn: UpstreamConnection, reason: CloseReason): void;
  /** Handshake replies, in order (ROLE's decoded value and so on), for those who want them. */
  onHandshake?(command: string, value: Value): void;
}

interface HandshakeStep {
  command: string;
  check(value: Value): string | null;
}

export abstract class UpstreamConnection implements Flushable {
  protected readonly socket: net.Socket;
  protected readonly scanner = new ReplyScanner();
  closed = false;
  /**
   * Commands written before the handshake confirmed a master wait here, so none reaches a node
   * that turned out to be a replica; null once they were sent (from then on they may have run).
   */
  private held: Buffer[] | null = [];
  private corked = false;
  private readonly steps: HandshakeStep[] = [];
  private handshakeParts: Buffer[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly addr: HostPort,
    protected readonly options: ConnectionOptions,
    private readonly events: ConnectionEvents,
    extraHandshake: string[][] = [],
  ) {
    const socket = net.connect({ host: addr.host, port: addr.port, noDelay: true });
    this.socket = socket;
    this.timer = setTimeout(() => this.fail('connect timeout'), options.connectTimeoutMs);
    socket.on('connect', () => {
      clearTimeout(this.timer);
      socket.setKeepAlive(true, 10_000);
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => this.fail(err.code ?? 'socket error'));
    socket.on('close', () => this.onSocketClose());

    if (options.password !== undefined) {
      const args = options.username ? ['AUTH', options.username, options.password] : ['AUTH', options.password];
      this.handshake(args, 'AUTH', (v) => (v instanceof ErrorValue ? 'upstream AUTH failed' : null));
    }
    // Only a role other than master is a demotion: an error (BUSY during a long script, LOADING) is not.
    this.handshake(['ROLE'], 'ROLE', (v) => (v instanceof ErrorValue || (Array.isArray(v) && asText(v[0]) === 'master') ? null : 'node is not a master'));
    for (const args of extraHandshake) this.handshake(args, args[0]!.toUpperCase(), () => null);
  }

  private handshake(args: string[], command: string, check: (v: Value) => string | null): void {
    this.steps.push({ command, check });
    this.transmit(encodeCommand(args));
  }

  /** True once commands were sent: an outstanding one may have run. */
  get mayHaveRun(): boolean {
    return this.held === null;
  }

  write(data: Buffer): void {
    if (this.held !== null) this.held.push(data);
    else this.transmit(data);
  }

  private transmit(data: Buffer): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      flushAtTurnEnd(this);
    }
    this.socket.write(data);
  }

  flush(): void {
    this.corked = false;
    this.socket.uncork();
  }

  /** Pause or resume reading replies (backpressure from slow clients). */
  setReading(on: boolean): void {
    if (on) this.socket.resume();
    else this.socket.pause();
  }

  /** Closes on our own decision (master changed, client gone); outstanding replies are failed. */
  close(): void {
    this.end('closed');
  }

  /** Socket failures are routine during a failover (the Sentinel module warns once); handshake refusals are not. */
  private fail(what: string, level: 'debug' | 'warn' = 'debug'): void {
    if (this.closed) return;
    this.options.logger[level]({ upstream: `${this.addr.host}:${this.addr.port}`, reason: what }, 'upstream connection failed');
    this.end('failed');
  }

  private end(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.socket.destroy();
    this.lost();
    this.events.onClose(this, reason);
  }

  private onSocketClose(): void {
    if (!this.closed) this.fail('closed by peer');
  }

  private onData(chunk: Buffer): void {
    let pos = 0;
    while (this.steps.length > 0) {
      const end = this.scanner.next(chunk, pos);
      if (end < 0) {
        this.handshakeParts.push(Buffer.from(chunk.subarray(pos)));
        return;
      }
      this.handshakeParts.push(chunk.subarray(pos, end));
      pos = end;
      const frame = this.handshakeParts.length === 1 ? this.handshakeParts[0]! : Buffer.concat(this.handshakeParts);
      this.handshakeParts = [];
      const step = this.steps.shift()!;
      const { value } = decodeFrame(frame);
      const problem = step.check(value);
      if (problem) return this.fail(problem, 'warn');
      this.events.onHandshake?.(step.command, value);
    }
    if (this.held !== null) {
      const held = this.held;
      this.held = null;
      for (const data of held) this.transmit(data);
    }
    if (pos < chunk.length) this.onReplies(chunk, pos);
  }

  /** Reply bytes after the handshake, from `pos`. */
  protected abstract onReplies(chunk: Buffer, pos: number): void;

  /** The connection is gone: fail every outstanding reply. */
  protected abstract lost(): void;
}
