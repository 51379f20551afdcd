// Decodes one complete RESP2 reply frame into values. Used only off the hot path: handshake
// replies, pub/sub frames on dedicated sessions, control queries. Forwarded replies are never decoded.

export type Value = Buffer | number | null | Value[] | ErrorValue;

export class ErrorValue {
  constructor(readonly line: string) {}
}

/** Decodes the frame at `pos`; the caller guarantees the frame is complete. */
export function decodeFrame(buf: Buffer, pos = 0): { value: Value; end: number } {
  const type = buf[pos];
  const cr = buf.indexOf(13, pos);
  const line = buf.toString('latin1', pos + 1, cr);
  const next = cr + 2;
  switch (type) {
    case 43 /* + */:
      return { value: Buffer.from(line, 'latin1'), end: next };
    case 45 /* - */:
      return { value: new ErrorValue(line), end: next };
    case 58 /* : */:
      return { value: Number(line), end: next };
    case 36 /* $ */: {
      const n = Number(line);
      if (n < 0) return { value: null, end: next };
      return { value: buf.subarray(next, next + n), end: next + n + 2 };
    }
    case 42 /* * */: {
      const n = Number(line);
      if (n < 0) return { value: null, end: next };
      const items: Value[] = [];
      let at = next;
      for (let i = 0; i < n; i++) {
        const item = decodeFrame(buf, at);
        items.push(item.value);
        at = item.end;
      }
      return { value: items, end: at };
    }
    default:
      return { value: Buffer.from(line, 'latin1'), end: next };
  }
}

export function asText(value: Value | undefined): string | undefined {
  return Buffer.isBuffer(value) ? value.toString('utf8') : undefined;
}
