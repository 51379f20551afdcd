// A pipelined connection shared by many clients' stateless commands. A FIFO of runs
// ({sink, n}: the next n replies belong to sink) maps reply frames back to their clients, and
// each run's bytes leave as one slice of the chunk Redis sent: scanned for frame ends, never copied.

import { UpstreamConnection } from './connection.js';
import type { ReplySink } from './reply-sink.js';

interface Run {
  sink: ReplySink;
  n: number;
  /** Commands in the run, its command id for the latency metric (-1: not measured), when it was sent. */
  total: number;
  cmd: number;
  sentAt: number;
}

export class SharedLink extends UpstreamConnection {
  private runs: Run[] = [];
  private head = 0;
  private readonly stats = this.options.stats;

  /** Commands in flight. */
  get pending(): number {
    return this.runs.length - this.head;
  }

  /** `cmd`: the command id of every frame in `data` (a stats id; -1 for the proxy's own queries). */
  send(sink: ReplySink, data: Buffer, count: number, cmd = -1): void {
    const runs = this.runs;
    const tail = runs.length > this.head ? runs[runs.length - 1]! : undefined;
    if (tail !== undefined && tail.sink === sink) {
      tail.n += count;
      tail.total += count;
      if (tail.cmd !== cmd && tail.cmd >= 0) tail.cmd = this.stats?.mixed ?? -1;
    } else runs.push({ sink, n: count, total: count, cmd, sentAt: cmd >= 0 ? performance.now() : 0 });
    this.write(data);
  }

  protected onReplies(chunk: Buffer, pos: number): void {
    const len = chunk.length;
    const scanner = this.scanner;
    let sliceStart = pos;
    let frames = 0;
    let now = 0;
    while (pos < len) {
      const end = scanner.next(chunk, pos);
      if (end < 0) break;
      pos = end;
      frames++;
      const run = this.runs[this.head];
      if (run === undefined) return this.unexpected();
      if (--run.n === 0) {
        // One clock read per chunk of replies, one observation per run.
        if (run.cmd >= 0 && this.stats !== undefined) this.stats.observe(run.cmd, (now ||= performance.now()) - run.sentAt, run.total);
        run.sink.deliver(chunk, sliceStart, pos, frames);
        sliceStart = pos;
        frames = 0;
        this.shift();
      }
    }
    if (sliceStart < len) {
      const run = this.runs[this.head];
      if (run === undefined) return this.unexpected();
      run.sink.deliver(chunk, sliceStart, len, frames);
    }
  }

  private shift(): void {
    this.runs[this.head++] = undefined as unknown as Run;
    if (this.head === this.runs.length) {
      this.runs = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.runs.length) {
      this.runs = this.runs.slice(this.head);
      this.head = 0;
    }
  }

  private unexpected(): void {
    this.options.logger.error('upstream sent a reply nobody asked for; closing the shared connection');
    this.close();
  }

  protected lost(): void {
    const runs = this.runs;
    const from = this.head;
    this.runs = [];
    this.head = 0;
    const maybeRan = this.mayHaveRun;
    // A reply cut in the middle cannot be completed: that client's stream is lost.
    if (this.scanner.midFrame && from < runs.length) runs[from]!.sink.abort();
    for (let i = from; i < runs.length; i++) runs[i]!.sink.linkLost(runs[i]!.n, maybeRan);
  }
}
