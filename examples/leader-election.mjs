// Leader election from a microservice, through suma-redis.
//
//   SUMA_PORT=6380 ELECTION=orders_master MY_VIP=10.0.0.5 node examples/leader-election.mjs
//
// Every instance runs the same loop: try_leader every TTL/3. The one that holds the lease does the
// leader's work, and only until its deadline (send time of its last successful renewal + TTL), so
// it stops on its own when it cannot reach suma-redis, before anyone else can be granted the lease.
// The work carries the fencing epoch, and whatever it writes to refuses an older epoch than the
// newest it has seen. __suma.leader events make changes take effect at once; the loop stays the
// source of truth, since pub/sub can lose messages. Ctrl-C (or SIGTERM) resigns and exits.

import os from 'node:os';
import { Redis } from 'ioredis';

const host = process.env.SUMA_HOST ?? '127.0.0.1';
const port = Number(process.env.SUMA_PORT ?? 6380);
const election = process.env.ELECTION ?? 'example_master';
const myVip = process.env.MY_VIP ?? os.hostname();
const ttl = Number(process.env.LEASE_TTL_MS ?? 15000);
const workEveryMs = Number(process.env.WORK_EVERY_MS ?? 1000);

const say = (line) => console.log(`${new Date().toISOString()} ${myVip} ${line}`);

// One connection for commands, one for events (a subscribed connection takes no other command).
// No offline queue: a renewal that cannot be sent should fail now, not be sent late.
const options = { host, port, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false };
const redis = new Redis({ ...options, commandTimeout: Math.floor(ttl / 3) });
const events = new Redis({ ...options, enableOfflineQueue: true });
for (const c of [redis, events]) c.on('error', (err) => say(`connection: ${err.message}`));
await Promise.all([redis.connect(), events.connect()]);

// The leader's work, stand-in for the real thing: a write to a shared record that takes the epoch
// as its fencing token. The record keeps the highest epoch it accepted and refuses lower ones, so
// a paused former leader that wakes up late cannot overwrite its successor. Epochs are decimal
// strings that can exceed 2^53: compare them by length, then digit by digit.
const FENCED_WRITE = `
local current = redis.call('HGET', KEYS[1], 'epoch') or ''
local epoch = ARGV[1]
if #epoch < #current or (#epoch == #current and epoch < current) then return 0 end
redis.call('HSET', KEYS[1], 'epoch', epoch, 'by', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'ticks', 1)
return 1
`;
const workRecord = `example:${election}:work`;

async function leaderWork(epoch) {
  const accepted = await redis.eval(FENCED_WRITE, 1, workRecord, epoch, myVip);
  if (accepted !== 1) throw new Error(`fenced out: a newer epoch than ${epoch} has written`);
}

/** The lease we hold: its epoch, our local deadline, and the work running under it. */
let lease = null;
let renewing = false;
let stopping = false;

function startLeading(epoch) {
  const controller = new AbortController();
  lease = { epoch, deadline: 0, deadlineTimer: null, controller };
  say(`leader epoch=${epoch}`);
  void (async () => {
    while (!controller.signal.aborted) {
      try {
        await leaderWork(epoch);
        say(`working epoch=${epoch}`);
      } catch (err) {
        say(`work failed: ${err.message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, workEveryMs));
    }
  })();
}

function stopLeading(why) {
  if (lease === null) return;
  clearTimeout(lease.deadlineTimer);
  lease.controller.abort();
  say(`stopped leader work epoch=${lease.epoch}: ${why}`);
  lease = null;
}

async function renew() {
  if (renewing || stopping) return;
  renewing = true;
  // The lease is counted from before the request left, so our deadline is never later than the
  // master's expiry of the same lease.
  const sentAt = Date.now();
  try {
    const [isLeader, holder, epoch] = await redis.call('sumavlib.suma_try_leader', election, myVip, 'TTL', ttl, 'WITHEPOCH');
    if (stopping) return;
    if (isLeader === 1) {
      if (lease !== null && lease.epoch !== epoch) stopLeading(`epoch changed to ${epoch}`);
      if (lease === null) startLeading(epoch);
      lease.deadline = sentAt + ttl;
      clearTimeout(lease.deadlineTimer);
      lease.deadlineTimer = setTimeout(() => stopLeading('lease deadline passed without a renewal'), lease.deadline - Date.now());
    } else if (lease !== null) {
      // Held by someone else, or ours but not yet replicated: either way, not ours to act on.
      stopLeading(holder === myVip ? 'renewal not acknowledged by replicas' : `held by ${holder ?? 'nobody'}`);
    } else if (holder !== null) {
      say(`follower leader=${holder}`);
    }
  } catch (err) {
    // Keep working until the deadline; the next tick tries again.
    say(`renewal failed: ${err.message}`);
  } finally {
    renewing = false;
  }
}

events.on('message', (_channel, message) => {
  const { type, data } = JSON.parse(message);
  if (type !== 'leader_changed' || data.election !== election) return;
  if (data.leader !== myVip && lease !== null) stopLeading(`${data.cause}: leader is now ${data.leader ?? 'nobody'}`);
  // A vacated election: try at once instead of at the next tick.
  if (data.leader === null) void renew();
});
await events.subscribe('__suma.leader');

const ticker = setInterval(renew, Math.floor(ttl / 3));
void renew();

async function shutdown() {
  if (stopping) return;
  stopping = true;
  clearInterval(ticker);
  const wasLeader = lease !== null;
  stopLeading('shutting down');
  if (wasLeader) {
    // Hand over now instead of making the others wait for the lease to run out.
    await redis.call('sumavlib.suma_resign', election, myVip).catch((err) => say(`resign failed: ${err.message}`));
  }
  await Promise.allSettled([redis.quit(), events.quit()]);
  say('stopped');
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
