// Where an upstream connection hands the replies it reads: a client, a session, or the proxy itself.

export interface ReplySink {
  /** Reply bytes buf[start, end) for this sink; `frames` replies end inside them (the last may continue). */
  deliver(buf: Buffer, start: number, end: number, frames: number): void;
  /**
   * The connection closed while `pending` replies were still owed. `maybeRan` is false when the
   * commands provably never reached Redis (the connection never opened).
   */
  linkLost(pending: number, maybeRan: boolean): void;
  /** The connection broke in the middle of a reply already partly delivered: the stream is unusable. */
  abort(): void;
}
