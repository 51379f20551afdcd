// `ctl failover`: asks Sentinel to promote a replica, waits until the sentinels name a new master
// that answers ROLE master, then until each given proxy (INFO proxy) has followed it.

import { ConfigError, type HostPort } from '../config.js';
import { Links, reason } from './link.js';
import {
  ACCESS_OPTIONS,
  HELP_OPTION,
  groupAccess,
  helpText,
  intOption,
  listOption,
  parseOptions,
  stringOption,
  type GroupAccess,
  type OptionSpec,
} from './options.js';
import { AddressBook, formatAddress, parseInfo, readNode, readSentinel, sentinelsMaster } from './survey.js';
import { seconds, waitUntil } from './wait.js';

const OPTIONS = {
  ...ACCESS_OPTIONS,
  proxy: { kind: 'list', value: 'HOST:PORT', help: 'a suma-redis RESP address to watch follow the new master; repeat for each' },
  'proxy-user': { kind: 'string', env: ['SUMA_CLIENT_USER'], value: 'USER', help: 'user name for AUTH on the proxy' },
  'proxy-password': { kind: 'string', env: ['SUMA_REQUIREPASS'], value: 'PASS', help: 'password for AUTH on the proxy (or SUMA_REQUIREPASS_FILE)' },
  timeout: { kind: 'string', value: 'MS', help: 'how long to wait for the new master and the proxies (default 60000)' },
  help: HELP_OPTION,
} satisfies Record<string, OptionSpec>;

const USAGE = 'Usage: suma-redis ctl failover --sentinel HOST:PORT... [--proxy HOST:PORT...] [options]';
const SUMMARY = `Sends SENTINEL FAILOVER to the first sentinel that accepts it, waits until the sentinels name a
new master and it answers ROLE master, then until every --proxy reports that master in INFO proxy.
Exit status: 0 once all of that happened, 1 if it did not within --timeout, 2 for a usage error.`;

class FailoverError extends Error {}

export async function runFailover(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseOptions(args, OPTIONS, env);
  if (parsed.values['help'] === true) {
    process.stdout.write(helpText(USAGE, SUMMARY, OPTIONS) + '\n');
    return 0;
  }
  const access = groupAccess(parsed, OPTIONS);
  if (access.sentinels.length === 0) throw new ConfigError('--sentinel: give the sentinels of the group');
  // The proxy's own client credentials, which `serve` reads from the same variables.
  const proxyPassword = stringOption(parsed, 'proxy-password', OPTIONS);
  const proxyUser = stringOption(parsed, 'proxy-user', OPTIONS);
  const options = {
    proxies: listOption(parsed, 'proxy', OPTIONS),
    proxyAuth: { username: proxyPassword === undefined ? undefined : proxyUser, password: proxyPassword },
    timeoutMs: intOption(parsed, 'timeout', OPTIONS, 60_000, 1000, 3_600_000),
  };
  const links = new Links(access.connectTimeoutMs, access.nodeAuth, access.sentinelAuth);
  try {
    await failover(access, links, options);
    return 0;
  } catch (err) {
    // A refused command (NOPERM, READONLY ...) ends the run like a failed step: one line, status 1.
    if (!(err instanceof Error) || err instanceof ConfigError) throw err;
    process.stderr.write(`suma-redis ctl failover: ${err instanceof FailoverError ? err.message : reason(err)}\n`);
    return 1;
  } finally {
    links.closeAll();
  }
}

interface FailoverOptions {
  proxies: HostPort[];
  proxyAuth: { username: string | undefined; password: string | undefined };
  timeoutMs: number;
}

async function failover(access: GroupAccess, links: Links, o: FailoverOptions): Promise<void> {
  const name = access.masterName;
  const sentinels = await Promise.all(access.sentinels.map((addr) => readSentinel(links, addr, name, false)));
  const old = sentinelsMaster(sentinels);
  if (!old) {
    const why = sentinels.map((s) => `${formatAddress(s.addr)}: ${s.error ?? `does not monitor ${name}`}`).join('; ');
    throw new FailoverError(`no sentinel names a master for ${name} (${why})`);
  }
  const book = new AddressBook();
  await book.learn([old]);
  // Every proxy must answer before anything moves, so the wait at the end can only fail on the proxy's behalf.
  for (const proxy of o.proxies) {
    const follows = await proxyMaster(links, proxy, o);
    process.stdout.write(`proxy ${formatAddress(proxy)} follows ${follows ? formatAddress(follows) : 'no master'}\n`);
  }

  const started = Date.now();
  let asked: string | null = null;
  const refusals: string[] = [];
  for (const s of sentinels.filter((x) => x.master !== null)) {
    try {
      await links.sentinel(s.addr).call('SENTINEL', 'FAILOVER', name);
      asked = `failover of ${name} (master ${formatAddress(old)}) started by sentinel ${formatAddress(s.addr)}`;
      break;
    } catch (err) {
      const message = reason(err);
      if (/^INPROG/.test(message)) {
        asked = `a failover of ${name} was already in progress (sentinel ${formatAddress(s.addr)}); waiting for it`;
        break;
      }
      if (/^NOGOODSLAVE/.test(message)) throw new FailoverError(`sentinel ${formatAddress(s.addr)}: ${message}`);
      refusals.push(`${formatAddress(s.addr)}: ${message}`);
    }
  }
  if (asked === null) throw new FailoverError(`no sentinel accepted SENTINEL FAILOVER (${refusals.join('; ')})`);
  process.stdout.write(asked + '\n');

  let promoted: (HostPort & { configEpoch: number }) | null = null;
  const promotion = await waitUntil(o.timeoutMs, 100, async () => {
    const views = await Promise.all(access.sentinels.map((addr) => readSentinel(links, addr, name, false)));
    const named = sentinelsMaster(views);
    if (!named) return 'no sentinel names a master';
    await book.learn([named]);
    if (book.same(named, old)) return `the sentinels still name ${formatAddress(old)}`;
    const role = (await links.node(named).call('ROLE')) as unknown[];
    if (role[0] !== 'master') return `${formatAddress(named)} says ROLE ${String(role[0])}`;
    promoted = named;
    return null;
  });
  if (promotion !== null || promoted === null) throw new FailoverError(`no new master within ${seconds(o.timeoutMs)}: ${promotion}`);
  const master: HostPort & { configEpoch: number } = promoted;
  process.stdout.write(`new master ${formatAddress(master)} (config epoch ${master.configEpoch}) after ${seconds(Date.now() - started)}\n`);

  for (const proxy of o.proxies) {
    const left = Math.max(0, o.timeoutMs - (Date.now() - started));
    let seen: HostPort | null = null;
    const followed = await waitUntil(left, 100, async () => {
      seen = await proxyMaster(links, proxy, o);
      if (seen) await book.learn([seen]);
      return book.same(seen, master) ? null : `it follows ${seen ? formatAddress(seen) : 'no master'}`;
    });
    if (followed !== null) throw new FailoverError(`proxy ${formatAddress(proxy)} did not follow ${formatAddress(master)} within ${seconds(o.timeoutMs)}: ${followed}`);
    process.stdout.write(`proxy ${formatAddress(proxy)} follows ${formatAddress(master)} after ${seconds(Date.now() - started)}\n`);
  }

  // The leader ends its failover once the replicas follow the new master; until then it may still name the old one.
  const agreed = await waitUntil(Math.max(0, o.timeoutMs - (Date.now() - started)), 250, async () => {
    const views = await Promise.all(access.sentinels.map((addr) => readSentinel(links, addr, name, false)));
    for (const v of views) {
      if (v.error !== null || !v.master) continue;
      if (!book.same(v.master.addr, master)) return `sentinel ${formatAddress(v.addr)} still names ${formatAddress(v.master.addr)}`;
      if (v.master.flags.some((f) => f.startsWith('failover_'))) return `sentinel ${formatAddress(v.addr)} is still in its failover`;
    }
    return null;
  });
  if (agreed !== null) throw new FailoverError(`the failover did not finish within ${seconds(o.timeoutMs)}: ${agreed}`);
  process.stdout.write(`failover finished after ${seconds(Date.now() - started)}: every sentinel names ${formatAddress(master)}\n`);

  // Sentinel turns a demoted master that is still running into a replica a few seconds later.
  let oldRole = '';
  const demoted = await waitUntil(Math.max(0, o.timeoutMs - (Date.now() - started)), 250, async () => {
    const now = await readNode(links, old);
    if (now.error !== null) {
      oldRole = 'down';
      return null;
    }
    await book.learn(now.masterAddr ? [now.masterAddr] : []);
    if (now.role === 'replica' && book.same(now.masterAddr, master)) {
      oldRole = 'replica';
      return null;
    }
    return `the old master ${formatAddress(old)} is still a ${now.role}`;
  });
  if (demoted !== null) throw new FailoverError(`${demoted} after ${seconds(o.timeoutMs)}`);
  process.stdout.write(
    oldRole === 'down'
      ? `old master ${formatAddress(old)} does not answer; Sentinel makes it a replica when it is back\n`
      : `old master ${formatAddress(old)} replicates from ${formatAddress(master)} after ${seconds(Date.now() - started)}\n`,
  );
}

/** The master a proxy uses, from the master_host and master_port of its INFO proxy section. */
async function proxyMaster(links: Links, proxy: HostPort, o: FailoverOptions): Promise<HostPort | null> {
  let info: Map<string, string>;
  try {
    info = parseInfo(String(await links.other(proxy, o.proxyAuth).call('INFO', 'proxy')));
  } catch (err) {
    throw new FailoverError(`proxy ${formatAddress(proxy)}: ${reason(err)}`);
  }
  if (!info.has('suma_redis_version')) throw new FailoverError(`${formatAddress(proxy)} is not a suma-redis proxy (no # Proxy section in INFO)`);
  const host = info.get('master_host') ?? '';
  const port = Number(info.get('master_port'));
  return host === '' || !Number.isInteger(port) ? null : { host, port };
}
