// Finds the ends of top-level reply frames in raw upstream bytes, across chunk boundaries,
// so replies can be forwarded as slices of the bytes Redis sent: never parsed, never re-encoded.

const LF = 10;

export class ReplyScanner {
  /** Elements still missing at each open aggregate level, innermost last. */
  private readonly open: number[] = [];
  /** Bytes of the current bulk payload (with its CRLF) not seen yet. */
  private bulkLeft = 0;
  /** A header line cut by the end of a chunk. */
  private partialLine: Buffer | null = null;

  /** True while a frame has started but not ended. */
  get midFrame(): boolean {
    return this.bulkLeft > 0 || this.open.length > 0 || this.partialLine !== null;
  }

  reset(): void {
    this.open.length = 0;
    this.bulkLeft = 0;
    this.partialLine = null;
  }

  /**
   * Scans from `pos`; returns the offset just past the next complete top-level frame,
   * or -1 when the chunk ends first (the state carries over to the next chunk).
   */
  next(buf: Buffer, pos: number): number {
    const len = buf.length;
    while (pos < len) {
      if (this.bulkLeft > 0) {
        const take = Math.min(this.bulkLeft, len - pos);
        pos += take;
        this.bulkLeft -= take;
        if (this.bulkLeft > 0) return -1;
        if (this.elementDone()) return pos;
        continue;
      }
      const lf = buf.indexOf(LF, pos);
      if (lf < 0) {
        const rest = buf.subarray(pos);
        this.partialLine = this.partialLine ? Buffer.concat([this.partialLine, rest]) : Buffer.from(rest);
        return -1;
      }
      let line = buf;
      let start = pos;
      let end = lf - 1; // the CR
      if (this.partialLine !== null) {
        line = Buffer.concat([this.partialLine, buf.subarray(pos, lf + 1)]);
        this.partialLine = null;
        start = 0;
        end = line.length - 2;
      }
      pos = lf + 1;
      const type = line[start];
      if (type === 36 /* $ */ || type === 61 /* = */ || type === 33 /* ! */) {
        const n = parseSigned(line, start + 1, end);
        if (n >= 0) {
          this.bulkLeft = n + 2;
          continue;
        }
      } else if (type === 42 /* * */ || type === 126 /* ~ */ || type === 62 /* > */ || type === 37 /* % */) {
        const n = parseSigned(line, start + 1, end);
        if (n > 0) {
          this.open.push(type === 37 ? n * 2 : n);
          continue;
        }
      }
      if (this.elementDone()) return pos;
    }
    return -1;
  }

  /** One element finished: close every aggregate it completes; true when the top level ended. */
  private elementDone(): boolean {
    const open = this.open;
    while (open.length > 0) {
      const last = open.length - 1;
      if (--open[last]! > 0) return false;
      open.pop();
    }
    return true;
  }
}

function parseSigned(buf: Buffer, start: number, end: number): number {
  let i = start;
  let negative = false;
  if (buf[i] === 45) {
    negative = true;
    i++;
  }
  let n = 0;
  for (; i < end; i++) n = n * 10 + (buf[i]! - 48);
  return negative ? -n : n;
}
