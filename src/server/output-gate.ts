// Bounds the reply bytes held for clients that read slower than Redis answers. Clients whose
// sockets need draining are tracked; while their unsent bytes add up past the high-water mark,
// the shared links stop reading (Redis keeps the rest), and they read again below half of it.

export interface Backlogged {
  readonly outputBacklog: number;
}

export class OutputGate {
  private readonly congested = new Set<Backlogged>();
  private paused = false;

  constructor(
    private readonly highWater: number,
    private readonly setSharedReading: (on: boolean) => void,
  ) {}

  congestion(client: Backlogged, congested: boolean): void {
    if (congested) this.congested.add(client);
    else if (!this.congested.delete(client)) return;
    let total = 0;
    for (const c of this.congested) total += c.outputBacklog;
    const pause = this.paused ? total > this.highWater / 2 : total > this.highWater;
    if (pause !== this.paused) {
      this.paused = pause;
      this.setSharedReading(!pause);
    }
  }
}
