// A reply sink that hands its client a transformed copy of one reply frame: a shared tenant's
// KEYS or SCAN sent on the shared link alone (count 1), with this sink in place of the client.
// The link's run accounting is unchanged; only this one frame is collected and re-encoded.

import type { ReplySink } from '../upstream/reply-sink.js';

export class TransformSink implements ReplySink {
  private parts: Buffer[] = [];

  constructor(
    private readonly client: ReplySink,
    private readonly transform: (frame: Buffer) => Buffer,
  ) {}

  deliver(buf: Buffer, start: number, end: number, frames: number): void {
    // The link's chunk may be reused for the next read: copy what is kept past this call.
    if (frames === 0) {
      this.parts.push(Buffer.from(buf.subarray(start, end)));
      return;
    }
    const last = buf.subarray(start, end);
    const frame = this.parts.length === 0 ? last : Buffer.concat([...this.parts, last]);
    this.parts = [];
    const out = this.transform(frame);
    this.client.deliver(out, 0, out.length, 1);
  }

  linkLost(pending: number, maybeRan: boolean): void {
    this.parts = [];
    this.client.linkLost(pending, maybeRan);
  }

  /** Nothing of the cut reply reached the client (frames are delivered whole): drop it; linkLost follows. */
  abort(): void {
    this.parts = [];
  }
}
