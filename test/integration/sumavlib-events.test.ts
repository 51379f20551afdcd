// Broadcast and the event log through the real proxy: suma_message_publish delivers the caller's
// JSON byte for byte and logs it first; suma_events_since pages through the log, gives the same
// bytes subscribers of the system channels got, and answers -RESYNC when the log no longer has
// what was asked for; a subscriber cut off for 500 publishes catches up and ends with every
// revision exactly once; the log stays bounded in entries and in bytes.

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys, tenant, SYSTEM_CHANNELS } from '../../src/state/keys.js';
import { startRedis, type RedisProcess } from '../helpers/redis.js';
import { clientPool } from '../helpers/clients.js';
import { startProxyProcess, type ProxyProcess } from '../helpers/proxy.js';
import { waitFor } from '../helpers/poll.js';

const T = tenant('agent.zy', 'events');

let redis: RedisProcess;
let proxy: ProxyProcess;
let direct: Redis;
let c: Redis;
const { connect, closeAll } = clientPool();


const call = (...args: (string | number | Buffer)[]): Promise<unknown> => c.call(args[0] as string, ...args.slice(1));

async function errorOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error reply');
}

interface Event {
  type: string;
  data: Record<string, unknown>;
  seq: string;
  ts: number;
}

/** Every event after seq, paging with suma_events_since until an empty reply. */
async function allSince(seq: string, count = 1000, client: Redis = c): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const page = (await client.call('sumavlib.suma_events_since', seq, 'COUNT', count)) as string[];
    if (page.length === 0) return out;
    out.push(...page);
    seq = (JSON.parse(page.at(-1)!) as Event).seq;
  }
}

beforeAll(async () => {
  redis = await startRedis();
  proxy = await startProxyProcess(['--upstream', `127.0.0.1:${redis.port}`, '--owner', T.owner, '--business', T.business, '--log-level', 'warn']);
  direct = new Redis({ port: redis.port });
  c = connect(proxy.port);
});

afterAll(async () => {
  closeAll();
  direct?.disconnect();
  await proxy?.stop();
  await redis?.stop();
});

describe('suma_events_since on a new log', () => {
  it('an empty log: nothing after 0, nothing for $', async () => {
    expect(await call('sumavlib.suma_events_since', 0)).toEqual([]);
    expect(await call('sumavlib.suma_events_since', '$')).toEqual([]);
  });

  it('from 0, every event in order, as the system channels deliver them, other families included', async () => {
    const sub = connect(proxy.port);
    const raw: string[] = [];
    sub.on('message', (_ch: string, message: string) => raw.push(message));
    await sub.subscribe(SYSTEM_CHANNELS.diamond, SYSTEM_CHANNELS.vip);
    expect(await call('sumavlib.suma_diamond_publish', 'app', 'k1', 'v1')).toBe(1);
    expect(await call('sumavlib.suma_vip_register', '10.0.0.1')).toBe(1);
    expect(await call('sumavlib.suma_diamond_publish', 'app', 'k2', 'v2')).toBe(1);
    await waitFor(() => raw.length === 3, { timeoutMs: 5000, message: 'events did not arrive' });
    const since = (await call('sumavlib.suma_events_since', 0)) as string[];
    expect(since).toEqual(raw);
    expect(since.map((e) => (JSON.parse(e) as Event).type)).toEqual(['diamond', 'vip_register', 'diamond']);
    expect(await call('sumavlib.suma_events_since', '0-0')).toEqual(raw);
    expect(await call('sumavlib.suma_events_since', '$')).toEqual([raw[2]]);
    const [first, second, third] = since.map((e) => JSON.parse(e) as Event);
    expect(await call('sumavlib.suma_events_since', first!.seq)).toEqual(raw.slice(1));
    expect(await call('sumavlib.suma_events_since', first!.seq, 'COUNT', 1)).toEqual([raw[1]]);
    expect(await call('sumavlib.suma_events_since', third!.seq)).toEqual([]);
    // A bare millisecond time means <ms>-0.
    const ms = second!.seq.split('-')[0]!;
    expect(await call('sumavlib.suma_events_since', ms)).toEqual(raw.filter((e) => compareIds((JSON.parse(e) as Event).seq, `${ms}-0`) > 0));
  });
});

describe('suma_message_publish', () => {
  it('delivers the payload byte for byte and logs it first', async () => {
    const sub = connect(proxy.port);
    const got: { channel: string; bytes: Buffer; logged: Promise<[string, string[]][]> }[] = [];
    sub.on('messageBuffer', (channel: Buffer, message: Buffer) =>
      got.push({ channel: channel.toString(), bytes: message, logged: direct.xrevrange(keys.events(T), '+', '-', 'COUNT', 10) }),
    );
    await sub.subscribe('bcast');
    const payloads = [
      '{"cmd":"reload","weight":1.50,"ids":[1, 2 ,3]}',
      '  {"spaced" : true}\n',
      '"just a string"',
      '[]',
      '{"u":"é ✓ 日本","esc":"a\\u0000b\\"c\\\\"}',
      `{"big":"${'x'.repeat(64 * 1024 - 10)}"}`,
    ];
    const before = (await call('sumavlib.suma_events_since', '$')) as string[];
    for (const p of payloads) expect(await call('sumavlib.suma_message_publish', 'bcast', p)).toBe(1);
    await waitFor(() => got.length === payloads.length, { timeoutMs: 5000, message: 'messages did not arrive' });
    expect(got.map((g) => g.channel)).toEqual(payloads.map(() => 'bcast'));
    expect(got.map((g) => g.bytes.toString('hex'))).toEqual(payloads.map((p) => Buffer.from(p).toString('hex')));
    // The log entry was there when the message arrived, and records the payload unchanged.
    for (const [i, g] of got.entries()) {
      const recent = (await g.logged).map(([, fields]) => `${fields[1]} ${fields[3]}`);
      expect(recent).toContain(`message {"channel":"bcast","payload":${payloads[i]}}`);
    }
    const logged = await allSince((JSON.parse(before[0]!) as Event).seq);
    expect(logged).toHaveLength(payloads.length);
    for (const [i, text] of logged.entries()) {
      const event = JSON.parse(text) as Event;
      expect(event.type).toBe('message');
      expect(event.data).toEqual({ channel: 'bcast', payload: JSON.parse(payloads[i]!) });
      expect(text).toContain(`"payload":${payloads[i]}}`);
    }
  });

  it('answers :1 with no subscriber too', async () => {
    expect(await call('sumavlib.suma_message_publish', 'nobody-listens', '{}')).toBe(1);
  });

  it('argument errors', async () => {
    const arity = "ERR wrong number of arguments for 'sumavlib.suma_message_publish' command";
    expect(await errorOf(call('sumavlib.suma_message_publish', 'ch'))).toBe(arity);
    expect(await errorOf(call('sumavlib.suma_message_publish', 'ch', '{}', 'extra'))).toBe(arity);
    for (const bad of ['{"a":', 'nope', '{a:1}', "{'a':1}", '', '1 2']) {
      expect(await errorOf(call('sumavlib.suma_message_publish', 'ch', bad)), bad).toBe('ERR invalid JSON');
    }
    expect(await errorOf(call('sumavlib.suma_message_publish', 'ch', Buffer.from([0x22, 0xc3, 0x28, 0x22])))).toBe('ERR invalid JSON');
    // A byte order mark: JSON.parse skips it, but the payload could not be embedded in an event.
    expect(await errorOf(call('sumavlib.suma_message_publish', 'ch', Buffer.from('\ufeff{}')))).toBe('ERR invalid JSON');
    expect(await errorOf(call('sumavlib.suma_message_publish', 'ch', `"${'j'.repeat(64 * 1024 - 1)}"`))).toBe('ERR value too large (max 65536 bytes)');
    expect(await errorOf(call('sumavlib.suma_message_publish', 'c'.repeat(257), '{}'))).toBe('ERR value too large (max 256 bytes)');
    for (const reserved of [SYSTEM_CHANNELS.diamond, SYSTEM_CHANNELS.task, '__suma.other']) {
      expect(await errorOf(call('sumavlib.suma_message_publish', reserved, '{}'))).toBe('NOPERM the __suma.* channels are reserved for system events');
    }
  });
});

describe('suma_events_since errors and -RESYNC', () => {
  it('argument errors', async () => {
    const arity = "ERR wrong number of arguments for 'sumavlib.suma_events_since' command";
    expect(await errorOf(call('sumavlib.suma_events_since'))).toBe(arity);
    for (const bad of ['abc', '1-2-3', '-1', '1-', '18446744073709551616-0', '$$']) {
      expect(await errorOf(call('sumavlib.suma_events_since', bad)), bad).toBe('ERR Invalid stream ID specified as stream command argument');
    }
    expect(await errorOf(call('sumavlib.suma_events_since', 0, 'COUNT', 0))).toBe('ERR syntax error');
    expect(await errorOf(call('sumavlib.suma_events_since', 0, 'COUNT', 'x'))).toBe('ERR value is not an integer or out of range');
    expect(await errorOf(call('sumavlib.suma_events_since', 0, 'LIMIT', 5))).toBe('ERR syntax error');
  });

  it('a seq newer than anything in the log (events lost with a former master) answers -RESYNC', async () => {
    const oldest = (JSON.parse(((await call('sumavlib.suma_events_since', 0, 'COUNT', 1)) as string[])[0]!) as Event).seq;
    expect(await errorOf(call('sumavlib.suma_events_since', '99999999999999-0'))).toBe(`RESYNC ${oldest}`);
  });

  it('a reply stops growing past 1 MiB; paging gets everything', async () => {
    const [newest] = (await call('sumavlib.suma_events_since', '$')) as string[];
    const from = (JSON.parse(newest!) as Event).seq;
    const pipeline = c.pipeline();
    for (let i = 0; i < 40; i++) pipeline.call('sumavlib.suma_message_publish', 'bulk', `{"i":${i},"pad":"${'p'.repeat(60_000)}"}`);
    await pipeline.exec();
    const first = (await call('sumavlib.suma_events_since', from, 'COUNT', 100)) as string[];
    expect(first.length).toBeGreaterThan(10);
    expect(first.length).toBeLessThan(40);
    const all = await allSince(from, 100);
    expect(all.map((e) => (JSON.parse(e) as Event).data.payload)).toEqual(Array.from({ length: 40 }, (_, i) => ({ i, pad: 'p'.repeat(60_000) })));
  });
});

describe('a subscriber cut off for 500 publishes', () => {
  it('catches up with suma_events_since and ends with every revision exactly once, in order', async () => {
    const published: number[] = [];
    const publishMany = async (n: number, from: number): Promise<void> => {
      for (let i = from; i < from + n; i++) {
        const [, rev] = (await c.call('sumavlib.suma_diamond_publish', 'fleet', `cut-${i % 37}`, `value ${i}`, 'WITHREV')) as [number, number];
        published.push(rev);
      }
    };
    const applied: number[] = [];
    let lastSeq = '';
    const apply = (text: string): void => {
      const event = JSON.parse(text) as Event;
      if (lastSeq !== '' && compareIds(event.seq, lastSeq) <= 0) return; // seen already
      lastSeq = event.seq;
      if (event.type === 'diamond' && String(event.data.key).startsWith('cut-')) applied.push(event.data.rev as number);
    };
    // Catching up must not interleave with live events: buffer them meanwhile.
    let buffering = false;
    const buffered: string[] = [];
    const onMessage = (_ch: string, text: string): void => {
      if (buffering) buffered.push(text);
      else apply(text);
    };

    const sub1 = connect(proxy.port);
    sub1.on('message', onMessage);
    await sub1.subscribe('fleet');
    await publishMany(10, 0);
    await waitFor(() => applied.length === 10, { timeoutMs: 5000, message: 'the first events did not arrive' });
    sub1.disconnect();

    await publishMany(500, 10);

    buffering = true;
    const sub2 = connect(proxy.port);
    sub2.on('message', onMessage);
    await sub2.subscribe('fleet');
    const more = publishMany(20, 510); // live events while catching up
    for (const text of await allSince(lastSeq, 100)) apply(text);
    buffering = false;
    for (const text of buffered.splice(0)) apply(text);
    await more;
    await waitFor(() => applied.length >= 530, { timeoutMs: 5000, message: `only ${applied.length} revisions applied` });
    expect(applied).toEqual(published);
    expect(new Set(applied).size).toBe(530);
    for (let i = 1; i < applied.length; i++) expect(applied[i]).toBeGreaterThan(applied[i - 1]!);
  });
});

describe('the log stays bounded', () => {
  it('in bytes: 70 MB of messages leave at most 64 MiB of payload, and older seqs answer -RESYNC', async () => {
    const [newest] = (await call('sumavlib.suma_events_since', '$')) as string[];
    const from = (JSON.parse(newest!) as Event).seq;
    const before = Number(/used_memory:(\d+)/.exec(await direct.info('memory'))![1]);
    const pad = 'm'.repeat(63 * 1024);
    for (let batch = 0; batch < 11; batch++) {
      const pipeline = c.pipeline();
      for (let i = 0; i < 100; i++) pipeline.call('sumavlib.suma_message_publish', 'flood', `{"n":${batch * 100 + i},"pad":"${pad}"}`);
      const replies = (await pipeline.exec())!;
      expect(replies.every(([err, v]) => err === null && v === 1)).toBe(true);
    }
    const bytes = Number(await direct.get(keys.eventBytes(T)));
    expect(bytes).toBeLessThanOrEqual(64 * 1024 * 1024);
    expect(bytes).toBeGreaterThan(60 * 1024 * 1024);
    const after = Number(/used_memory:(\d+)/.exec(await direct.info('memory'))![1]);
    expect(after - before).toBeLessThan(80 * 1024 * 1024);
    // What is left is the newest: the flood's last message is there, its first one is not.
    const [oldest] = (await direct.xrange(keys.events(T), '-', '+', 'COUNT', 1)) as [string, string[]][];
    expect(await errorOf(call('sumavlib.suma_events_since', from))).toBe(`RESYNC ${oldest![0]}`);
    expect(await errorOf(call('sumavlib.suma_events_since', 0))).toBe(`RESYNC ${oldest![0]}`);
    const rest = await allSince(oldest![0], 100);
    expect((JSON.parse(rest.at(-1)!) as Event).data).toEqual({ channel: 'flood', payload: { n: 1099, pad } });
    // The sizes kept beside the log add up to its counter.
    const sizes = await direct.lrange(keys.eventSizes(T), 0, -1);
    expect(sizes.reduce((sum, rec) => sum + Number(rec.split(' ')[1]), 0)).toBe(bytes);
  });

  it('in entries: MAXLEN ~ 100 000, and the size records of trimmed entries are dropped too', async () => {
    for (let base = 0; base < 110_000; base += 10_000) {
      const pipeline = c.pipeline();
      for (let i = base; i < base + 10_000; i++) pipeline.call('sumavlib.suma_message_publish', 'tiny', `{"n":${i}}`);
      await pipeline.exec();
    }
    const length = await direct.xlen(keys.events(T));
    expect(length).toBeGreaterThanOrEqual(100_000);
    expect(length).toBeLessThan(101_000);
    expect(await direct.llen(keys.eventSizes(T))).toBeLessThanOrEqual(100_000 + 1024 + 1);
    const bytes = Number(await direct.get(keys.eventBytes(T)));
    expect(bytes).toBeLessThan(100_000 * 60);
    // events_since still works from an entry in the log.
    const [[oldest]] = (await direct.xrange(keys.events(T), '-', '+', 'COUNT', 1)) as [string, string[]][];
    expect(await call('sumavlib.suma_events_since', oldest!, 'COUNT', 3)).toHaveLength(3);
  }, 120_000);
});

describe('after the log was trimmed', () => {
  it('seqs before its first entry answer -RESYNC <oldest>, seqs inside it work', async () => {
    await direct.xtrim(keys.events(T), 'MAXLEN', 5);
    const entries = await direct.xrange(keys.events(T), '-', '+');
    expect(entries).toHaveLength(5);
    const oldest = entries[0]![0];
    expect(await errorOf(call('sumavlib.suma_events_since', 0))).toBe(`RESYNC ${oldest}`);
    expect(await errorOf(call('sumavlib.suma_events_since', '1-0'))).toBe(`RESYNC ${oldest}`);
    expect(await call('sumavlib.suma_events_since', oldest)).toHaveLength(4);
  });
});

function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}
