// Standard commands through the proxy against a real standalone redis-server, compared byte for
// byte with the same exchange sent to Redis directly where the reply is deterministic.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisProcess } from '../helpers/redis.js';
import { startProxyProcess, type ProxyProcess } from '../helpers/proxy.js';
import { rawExchange } from '../helpers/resp.js';
import { waitFor } from '../helpers/poll.js';

const run = promisify(execFile);

let redis: RedisProcess;
let proxy: ProxyProcess;
const clients: Redis[] = [];

function client(options: Record<string, unknown> = {}): Redis {
  const c = new Redis({ port: proxy.port, lazyConnect: false, maxRetriesPerRequest: 1, ...options });
  clients.push(c);
  return c;
}

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(proxy.port), ...args]);
  return stdout.trim();
}

/** The same raw bytes to Redis and to the proxy; both replies must be identical. */
async function sameAsRedis(request: string, replies: number): Promise<string> {
  const direct = await rawExchange(redis.port, request, replies);
  const proxied = await rawExchange(proxy.port, request, replies);
  expect(proxied.reply).toBe(direct.reply);
  return proxied.reply;
}

beforeAll(async () => {
  redis = await startRedis();
  proxy = await startProxyProcess(['--upstream', `127.0.0.1:${redis.port}`, '--log-level', 'warn']);
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await proxy?.stop();
  await redis?.stop();
});

describe('standard commands through the proxy', () => {
  it('SET and GET with redis-cli and ioredis', async () => {
    expect(await cli('SET', 'greeting', 'hello')).toBe('OK');
    expect(await cli('GET', 'greeting')).toBe('hello');
    const c = client();
    await c.set('bin', Buffer.from([0, 13, 10, 255]));
    expect(await c.getBuffer('bin')).toEqual(Buffer.from([0, 13, 10, 255]));
  });

  it('MULTI/EXEC, and DISCARD', async () => {
    const c = client();
    expect(await c.multi().set('tx', '1').incr('tx').get('tx').exec()).toEqual([
      [null, 'OK'],
      [null, 2],
      [null, '2'],
    ]);
    await sameAsRedis('MULTI\r\nSET d 1\r\nDISCARD\r\nEXEC\r\n', 4);
  });

  it('WATCH aborts EXEC when another client changes the key', async () => {
    const a = client();
    const b = client();
    await a.set('watched', '1');
    await a.watch('watched');
    await b.set('watched', '2');
    expect(await a.multi().set('watched', '3').exec()).toBeNull();
    expect(await b.get('watched')).toBe('2');
  });

  it('a BLPOP is released by an LPUSH from another client', async () => {
    const waiter = client();
    const pusher = client();
    const popped = waiter.blpop('queue', 5);
    await waitFor(async () => (await pusher.client('LIST')).toString().includes('cmd=blpop'), { timeoutMs: 5000, intervalMs: 20, message: 'BLPOP never blocked' });
    await pusher.lpush('queue', 'job');
    expect(await popped).toEqual(['queue', 'job']);
  });

  it('blocking stream reads and BLMOVE, BZPOPMIN', async () => {
    const a = client();
    const b = client();
    const read = a.xread('BLOCK', 5000, 'STREAMS', 'events', '$');
    await waitFor(async () => (await b.client('LIST')).toString().includes('cmd=xread'), { timeoutMs: 5000, intervalMs: 20, message: 'XREAD never blocked' });
    await b.xadd('events', '*', 'k', 'v');
    const result = (await read) as [string, [string, string[]][]][];
    expect(result[0]![0]).toBe('events');
    await b.zadd('z', 1, 'one');
    expect(await a.bzpopmin('z', 1)).toEqual(['z', 'one', '1']);
    await b.rpush('src', 'x');
    expect(await a.blmove('src', 'dst', 'RIGHT', 'LEFT', 1)).toBe('x');
  });

  it('SUBSCRIBE receives a PUBLISH; PSUBSCRIBE too', async () => {
    const sub = client();
    const pub = client();
    const got: string[] = [];
    sub.on('message', (channel: string, message: string) => got.push(`${channel}:${message}`));
    sub.on('pmessage', (_p: string, channel: string, message: string) => got.push(`p:${channel}:${message}`));
    await sub.subscribe('news');
    await sub.psubscribe('n*');
    expect(await pub.publish('news', 'hi')).toBe(2);
    await waitFor(() => got.length === 2, { timeoutMs: 5000, intervalMs: 10, message: 'messages not delivered' });
    expect(got.sort()).toEqual(['news:hi', 'p:news:hi']);
    // ioredis hangs on a bare UNSUBSCRIBE while patterns remain (against Redis too): name them.
    await sub.unsubscribe('news');
    await sub.punsubscribe('n*');
    expect(await sub.set('after-unsubscribe', '1')).toBe('OK');
  });

  it('EVAL, EVALSHA and SCRIPT', async () => {
    const c = client();
    expect(await c.eval("return redis.call('SET', KEYS[1], ARGV[1])", 1, 'lua', 'v')).toBe('OK');
    const sha = (await c.script('LOAD', "return redis.call('GET', KEYS[1])")) as string;
    expect(await c.evalsha(sha, 1, 'lua')).toBe('v');
    await sameAsRedis('EVALSHA 0000000000000000000000000000000000000000 0\r\n', 1);
  });

  it('FUNCTION LOAD and FCALL', async () => {
    const c = client();
    const library = "#!lua name=proxytest\nredis.register_function('echo_key', function(keys, args) return redis.call('GET', keys[1]) end)";
    expect(await c.function('LOAD', 'REPLACE', library)).toBe('proxytest');
    await c.set('fkey', 'fval');
    expect(await c.fcall('echo_key', 1, 'fkey')).toBe('fval');
  });

  it('SELECT isolates databases per client', async () => {
    const one = client();
    const zero = client();
    await one.select(1);
    await one.set('db-key', 'in-db-1');
    expect(await zero.get('db-key')).toBeNull();
    expect(await one.get('db-key')).toBe('in-db-1');
    await sameAsRedis('SELECT 99999\r\nSELECT x\r\n', 2);
  });

  it('CONFIG GET and CLIENT SETNAME/GETNAME/ID', async () => {
    expect(await cli('CONFIG', 'GET', 'maxmemory-policy')).toContain('maxmemory-policy');
    const c = client();
    await c.client('SETNAME', 'worker-7');
    expect(await c.client('GETNAME')).toBe('worker-7');
    const id = await c.client('ID');
    expect(await c.client('ID')).toBe(id);
    expect(await c.client('INFO')).toContain('name=worker-7');
  });

  it('an unknown command gets the upstream error and the connection stays usable', async () => {
    const reply = await sameAsRedis('NOSUCHCOMMAND a b\r\nPING\r\n', 2);
    expect(reply).toMatch(/^-ERR unknown command 'NOSUCHCOMMAND'.*\r\n\+PONG\r\n$/);
  });

  it('inline PING as typed into telnet, and inline commands with quotes', async () => {
    expect((await rawExchange(proxy.port, 'PING\r\n', 1)).reply).toBe('+PONG\r\n');
    await sameAsRedis('SET "inline key" \'v a l\'\r\nGET "inline key"\r\n', 2);
  });

  it('replies leave in request order: a slow command and PING in one packet', async () => {
    const { reply } = await rawExchange(proxy.port, 'DEBUG SLEEP 0.2\r\nPING\r\nBLPOP nothing 0.1\r\nPING\r\n', 4);
    expect(reply).toBe('+OK\r\n+PONG\r\n*-1\r\n+PONG\r\n');
  });

  it('many pipelined commands from many clients come back byte for byte', async () => {
    // Replies never name keys here, so Redis's reply to one prefix is the expected reply for every prefix.
    const request = (prefix: string): string =>
      Array.from({ length: 300 }, (_, i) => `SET ${prefix}p${i} ${'x'.repeat(i * 7)}\r\nGET ${prefix}p${i}\r\nINCR ${prefix}n${i}\r\nLRANGE ${prefix}l 0 -1\r\n`).join('');
    const expected = await rawExchange(redis.port, request('direct:'), 1200);
    const proxied = await Promise.all(Array.from({ length: 8 }, (_, k) => rawExchange(proxy.port, request(`c${k}:`), 1200)));
    for (const r of proxied) expect(r.reply).toBe(expected.reply);
  });

  it("the proxy's own commands inside MULTI abort it at EXEC; while subscribed they get Redis's context error", async () => {
    const { reply } = await rawExchange(
      proxy.port,
      'MULTI\r\nSET aborted 1\r\nsumavlib.suma_leader e\r\nEXEC\r\nEXISTS aborted\r\nSUBSCRIBE x\r\nsumavlib.suma_leader e\r\nPING\r\n',
      8,
    );
    expect(reply).toBe(
      '+OK\r\n+QUEUED\r\n' +
        "-ERR 'sumavlib.suma_leader' cannot be queued in MULTI: the proxy runs it itself\r\n" +
        '-EXECABORT Transaction discarded because of previous errors.\r\n:0\r\n' +
        '*3\r\n$9\r\nsubscribe\r\n$1\r\nx\r\n:1\r\n' +
        "-ERR Can't execute 'sumavlib.suma_leader': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n" +
        '*2\r\n$4\r\npong\r\n$0\r\n\r\n',
    );
  });

  it('INFO starts with a # Proxy section and goes on with the master\'s own sections', async () => {
    const c = client();
    const all = await c.info();
    expect(all).toMatch(/^# Proxy\r\nsuma_redis_version:\S+\r\n/);
    expect(all).toContain(`master_port:${redis.port}\r\n`);
    expect(all).toContain('# Server\r\nredis_version:');
    expect(await c.info('proxy')).not.toContain('# Server');
    expect(await c.info('replication')).toMatch(/^# Replication\r\nrole:master/);
  });

  it('clients may subscribe to the __suma.* system channels but not publish there', async () => {
    const { reply } = await rawExchange(proxy.port, 'PUBLISH __suma.leader x\r\nSPUBLISH __suma.vip x\r\nPUBLISH __sumaother x\r\n', 3);
    expect(reply).toBe('-NOPERM the __suma.* channels are reserved for system events\r\n'.repeat(2) + ':0\r\n');
    const sub = await rawExchange(proxy.port, 'SUBSCRIBE __suma.leader\r\n', 1);
    expect(sub.reply).toBe('*3\r\n$9\r\nsubscribe\r\n$13\r\n__suma.leader\r\n:1\r\n');
  });

  it('HELLO answers protocol 2 and refuses 3', async () => {
    expect((await rawExchange(proxy.port, 'HELLO 3\r\n', 1)).reply).toBe('-NOPROTO unsupported protocol version\r\n');
    const { reply } = await rawExchange(proxy.port, 'HELLO 2\r\n', 1);
    expect(reply).toMatch(/^\*14\r\n\$6\r\nserver\r\n\$5\r\nredis\r\n/);
    expect(reply).toContain('$5\r\nproto\r\n:2\r\n');
    const named = await rawExchange(proxy.port, 'HELLO 2 SETNAME svc-a\r\nCLIENT GETNAME\r\n', 2);
    expect(named.reply).toMatch(/\*0\r\n\$5\r\nsvc-a\r\n$/);
    await sameAsRedis('HELLO 2 SETNAME "bad name"\r\nHELLO x\r\nHELLO 2 Foo\r\nHELLO 4\r\n', 4);
  });

  it('QUIT replies +OK and closes; RESET replies +RESET and drops the session', async () => {
    const quit = await rawExchange(proxy.port, 'PING\r\nQUIT\r\nPING\r\n', 3, 3000);
    expect(quit.reply).toBe('+PONG\r\n+OK\r\n');
    expect(quit.closed).toBe(true);
    const reset = await rawExchange(proxy.port, 'SELECT 3\r\nSET r 1\r\nRESET\r\nGET r\r\n', 4);
    expect(reset.reply).toBe('+OK\r\n+OK\r\n+RESET\r\n$-1\r\n');
  });
});

describe('malformed input', () => {
  it.each([
    ['a negative bulk length', '*2\r\n$-5\r\n', '-ERR Protocol error: invalid bulk length\r\n'],
    ['a bulk length of 10^12', '*1\r\n$1000000000000\r\n', '-ERR Protocol error: invalid bulk length\r\n'],
    ['a bad multibulk count', '*x\r\n', '-ERR Protocol error: invalid multibulk length\r\n'],
    ['a missing $', '*1\r\n:1\r\n', "-ERR Protocol error: expected '$', got ':'\r\n"],
    ['unbalanced quotes', 'SET a "b\r\n', '-ERR Protocol error: unbalanced quotes in request\r\n'],
  ])('%s gets Redis\'s error and the connection is closed', async (_name, request, error) => {
    // Ask for one reply more than comes, so the exchange ends when the server closes.
    const direct = await rawExchange(redis.port, request, 2, 3000);
    const proxied = await rawExchange(proxy.port, request, 2, 3000);
    expect(proxied.reply).toBe(direct.reply);
    expect(proxied.reply).toBe(error);
    expect(proxied.closed).toBe(true);
  });

  it('replies owed before a protocol error are sent first', async () => {
    const { reply, closed } = await rawExchange(proxy.port, 'PING\r\nDEBUG SLEEP 0.1\r\n*1\r\n$x\r\n', 4, 3000);
    expect(reply).toBe('+PONG\r\n+OK\r\n-ERR Protocol error: invalid bulk length\r\n');
    expect(closed).toBe(true);
  });

  it('a megabyte of random bytes, many times over, leaves memory flat and the process alive', async () => {
    const before = proxy.rss();
    for (let i = 0; i < 40; i++) {
      const { reply } = await rawExchange(proxy.port, randomBytes(1024 * 1024), 1, 5000);
      expect(reply).not.toMatch(/\r[^\n]|[^\r]\n.+\r\n/);
    }
    const after = proxy.rss();
    expect(after - before).toBeLessThan(64 * 1024 * 1024);
    expect(await cli('PING')).toBe('PONG');
  });

  it('a huge declared argument that never arrives costs no memory', async () => {
    const before = proxy.rss();
    const pending = await Promise.all(Array.from({ length: 20 }, () => rawExchange(proxy.port, '*2\r\n$3\r\nSET\r\n$400000000\r\nabc', 0, 200)));
    expect(pending.every((p) => p.reply === '')).toBe(true);
    expect(proxy.rss() - before).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('a client that does not read its replies', () => {
  it('costs bounded memory, is closed after the stall timeout, and does not stop the others', async () => {
    const gated = await startProxyProcess(['--upstream', `127.0.0.1:${redis.port}`, '--output-high-water', '8388608', '--client-stall-timeout', '1500', '--log-level', 'warn']);
    try {
      const filler = new Redis({ port: gated.port });
      await filler.del('big-list');
      await filler.rpush('big-list', ...Array.from({ length: 1000 }, () => 'v'.repeat(1024)));
      const before = gated.rss();
      const sleeper = net.connect(gated.port, '127.0.0.1');
      sleeper.pause();
      let sleeperClosed = false;
      sleeper.on('close', () => (sleeperClosed = true));
      sleeper.on('error', () => {});
      sleeper.write('LRANGE big-list 0 -1\r\n'.repeat(400));
      let peak = 0;
      let served = 0;
      await waitFor(
        async () => {
          peak = Math.max(peak, gated.rss() - before);
          if ((await filler.get('nothing')) === null) served++;
          return gated.stderr().includes('client does not read its replies');
        },
        { timeoutMs: 20_000, intervalMs: 50, message: 'the stalled client was not closed' },
      );
      // A paused socket reports its close only once it reads again.
      sleeper.resume();
      await waitFor(() => sleeperClosed, { timeoutMs: 10_000, message: 'the stalled client saw no close' });
      expect(peak).toBeLessThan(96 * 1024 * 1024);
      expect(served).toBeGreaterThan(0);
      expect(await filler.ping()).toBe('PONG');
      filler.disconnect();
    } finally {
      await gated.stop();
    }
  }, 30_000);
});

describe('auth', () => {
  it('requires the client password, with Redis wording', async () => {
    const guarded = await startProxyProcess(['--upstream', `127.0.0.1:${redis.port}`, '--log-level', 'warn'], { SUMA_REQUIREPASS: 's3cret' });
    try {
      const steps = await rawExchange(guarded.port, 'GET a\r\nAUTH wrong\r\nAUTH default wrong\r\nAUTH s3cret\r\nPING\r\nAUTH default s3cret\r\n', 6);
      expect(steps.reply).toBe(
        '-NOAUTH Authentication required.\r\n' +
          '-WRONGPASS invalid username-password pair or user is disabled.\r\n' +
          '-WRONGPASS invalid username-password pair or user is disabled.\r\n' +
          '+OK\r\n+PONG\r\n+OK\r\n',
      );
      const c = new Redis({ port: guarded.port, password: 's3cret' });
      expect(await c.ping()).toBe('PONG');
      c.disconnect();
      expect(guarded.stderr()).not.toContain('s3cret');
    } finally {
      await guarded.stop();
    }
  });
});

describe('no master reachable', () => {
  it('commands wait for the failover window, then get -TRYAGAIN; after recovery they run', async () => {
    const own = await startRedis();
    const windowed = await startProxyProcess(['--upstream', `127.0.0.1:${own.port}`, '--failover-window', '1500', '--log-level', 'warn']);
    try {
      const c = new Redis({ port: windowed.port, maxRetriesPerRequest: 0 });
      expect(await c.set('w', '1')).toBe('OK');
      await own.kill();
      const first = await c.set('w', '2').catch((e: Error) => e.message);
      expect(first).toMatch(/^(UNCERTAIN|TRYAGAIN)/);
      const started = Date.now();
      const second = await c.set('w', '3').catch((e: Error) => e.message);
      expect(second).toMatch(/^TRYAGAIN/);
      expect(Date.now() - started).toBeLessThan(10_000);
      await own.restart();
      await waitFor(async () => (await c.set('w', '4').catch(() => null)) === 'OK', { timeoutMs: 10_000, intervalMs: 100, message: 'proxy did not recover' });
      c.disconnect();
    } finally {
      await windowed.stop();
      await own.stop();
    }
  });
});
