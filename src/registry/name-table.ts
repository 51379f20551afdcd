// Case-insensitive lookup of a command name straight from request bytes, without allocating.

export class NameTable<T> {
  private readonly buckets = new Map<number, { name: Buffer; value: T }[]>();
  private readonly names = new Map<string, T>();

  set(name: string, value: T): void {
    const lower = name.toLowerCase();
    if (this.names.has(lower)) throw new Error(`command '${lower}' is registered twice`);
    this.names.set(lower, value);
    const bytes = Buffer.from(lower, 'latin1');
    const h = hash(bytes, 0, bytes.length);
    const bucket = this.buckets.get(h);
    if (bucket) bucket.push({ name: bytes, value });
    else this.buckets.set(h, [{ name: bytes, value }]);
  }

  get(buf: Buffer, start: number, length: number): T | undefined {
    const bucket = this.buckets.get(hash(buf, start, length));
    if (bucket === undefined) return undefined;
    for (const entry of bucket) if (equalsLower(entry.name, buf, start, length)) return entry.value;
    return undefined;
  }

  byName(name: string): T | undefined {
    return this.names.get(name.toLowerCase());
  }

  entries(): IterableIterator<[string, T]> {
    return this.names.entries();
  }
}

function lower(byte: number): number {
  return byte >= 65 && byte <= 90 ? byte | 0x20 : byte;
}

function hash(buf: Buffer, start: number, length: number): number {
  let h = 0x811c9dc5 ^ length;
  for (let i = start, end = start + length; i < end; i++) h = Math.imul(h ^ lower(buf[i]!), 0x01000193);
  return h | 0;
}

function equalsLower(name: Buffer, buf: Buffer, start: number, length: number): boolean {
  if (name.length !== length) return false;
  for (let i = 0; i < length; i++) if (name[i] !== lower(buf[start + i]!)) return false;
  return true;
}
