// Configuration push to a fleet, through suma-redis.
//
//   SUMA_PORT=6380 PREFIX=orders. node examples/config-push.mjs
//
// Every instance keeps a local copy of the tenant's config keys that begin with PREFIX. It loads
// them once, then each event on __suma.diamond wakes a catch-up that reads the tenant's event log
// from the last event it applied (suma_events_since). Changes are therefore applied once each, in
// revision order, and a disconnect loses nothing that is still in the log. When the log no longer
// has everything since then (-RESYNC), the copy is loaded again. Ctrl-C (or SIGTERM) stops it.

import { Redis } from 'ioredis';

const host = process.env.SUMA_HOST ?? '127.0.0.1';
const port = Number(process.env.SUMA_PORT ?? 6380);
const prefix = process.env.PREFIX ?? '';
// Pub/sub can drop a message while a master fails over; the log cannot. Look at it now and then.
const checkEveryMs = Number(process.env.CHECK_EVERY_MS ?? 5000);

const say = (line) => console.log(`${new Date().toISOString()} ${line}`);

// One connection for commands, one for events (a subscribed connection takes no other command).
// Commands wait in ioredis's offline queue while the connection is down.
const redis = new Redis({ host, port, lazyConnect: true, maxRetriesPerRequest: null });
// We subscribe ourselves on every (re)connection, so that we know when the subscription is back.
const events = new Redis({ host, port, lazyConnect: true, autoResubscribe: false });
for (const c of [redis, events]) c.on('error', (err) => say(`connection: ${err.message}`));

/** The local copy: key -> { value, rev, md5 }. */
const config = new Map();
/** The newest event of the log taken into account; null until the copy is loaded. */
let lastSeq = null;

// Where the application takes a change into use.
function applyValue(key, value, rev, md5) {
  config.set(key, { value, rev, md5 });
  say(`applied ${key} rev=${rev} md5=${md5}`);
}

function applyDelete(key, rev) {
  config.delete(key);
  say(`deleted ${key} rev=${rev}`);
}

/** A Redis glob that matches the keys beginning with text. */
const prefixPattern = (text) => `${text.replace(/[*?[\\]/g, '\\$&')}*`;

/** Loads every key, then brings the copy to it: new and changed keys applied, vanished ones deleted. */
async function loadAll() {
  // The log position first: every change after it is in what we read next, or replayed after it.
  const [newest] = await redis.call('sumavlib.suma_events_since', '$');
  const from = newest === undefined ? '0' : JSON.parse(newest).seq;
  const seen = new Set();
  let cursor = '0';
  do {
    const [next, keys] = await redis.call('sumavlib.suma_diamond_list', prefixPattern(prefix), 'CURSOR', cursor);
    for (const key of keys) {
      const [value, rev, md5] = await redis.call('sumavlib.suma_diamond_get', key, 'WITHREV');
      if (value === null) continue;
      seen.add(key);
      if (config.get(key)?.rev !== rev) applyValue(key, value, rev, md5);
    }
    cursor = next;
  } while (cursor !== '0');
  for (const [key, { rev }] of config) if (!seen.has(key)) applyDelete(key, rev);
  lastSeq = from;
  say(`loaded ${config.size} keys`);
}

/** One config event from the log, in log order (which is revision order). */
async function applyEvent({ key, op, rev, md5, value }) {
  if (!key.startsWith(prefix)) return;
  const known = config.get(key);
  if (known !== undefined && rev <= known.rev) return; // already in the copy
  if (op === 'delete') {
    if (known !== undefined) applyDelete(key, rev);
    return;
  }
  if (value !== undefined) return applyValue(key, value, rev, md5);
  // Values over 4 KiB do not travel in the event: read the key (it may have changed again since).
  const [current, currentRev, currentMd5] = await redis.call('sumavlib.suma_diamond_get', key, 'WITHREV');
  if (current !== null && currentRev >= rev) applyValue(key, current, currentRev, currentMd5);
}

let draining = null;
let again = false;

/** Reads the log from lastSeq until it has nothing newer; one catch-up at a time. */
function catchUp() {
  if (lastSeq === null) return Promise.resolve();
  if (draining !== null) {
    again = true;
    return draining;
  }
  draining = (async () => {
    do {
      again = false;
      for (;;) {
        let page;
        try {
          page = await redis.call('sumavlib.suma_events_since', lastSeq, 'COUNT', 500);
        } catch (err) {
          if (!err.message.startsWith('RESYNC')) throw err;
          say(`the log no longer holds every change since ${lastSeq}: loading again`);
          await loadAll();
          continue;
        }
        if (page.length === 0) break;
        for (const text of page) {
          const event = JSON.parse(text);
          if (event.type === 'diamond') await applyEvent(event.data);
          lastSeq = event.seq;
        }
      }
    } while (again);
  })()
    .catch((err) => say(`catch-up failed: ${err.message}`))
    .finally(() => {
      draining = null;
    });
  return draining;
}

// A message is only a wake-up call: the log says what changed, in order, once.
events.on('message', () => void catchUp());
events.on('ready', async () => {
  try {
    // Subscribed before we read anything, so no change can fall between the two.
    await events.subscribe('__suma.diamond');
    if (lastSeq === null) await loadAll();
    else say(`reconnected: catching up from ${lastSeq}`);
    await catchUp();
  } catch (err) {
    say(`start failed: ${err.message}`);
  }
});

await Promise.all([redis.connect(), events.connect()]);
const ticker = setInterval(() => void catchUp(), checkEveryMs);

async function shutdown() {
  clearInterval(ticker);
  await Promise.allSettled([redis.quit(), events.quit()]);
  say('stopped');
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
