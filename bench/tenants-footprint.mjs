#!/usr/bin/env node
// Memory of tenants: what one more configured tenant costs the process when it is idle (its
// parsed spec, password digests, user directory entries, registry object), and what it adds once
// active (shared: its namespace and one client connection; dedicated: also its own upstream
// connection). Measured as the growth of V8 heap + external memory after full GCs.
//
//   node bench/tenants-footprint.mjs [--tenants 1000] [--active 100]
//
// The tenancy modules are bundled from src/ with esbuild, so no build of the whole project is
// needed. Sockets are real TCP connections on loopback to an in-process server standing in for
// clients and for Redis; their kernel buffers are not process memory and are not counted.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';

if (typeof globalThis.gc !== 'function') {
  // Full collections between measurements need --expose-gc: run again with it.
  const again = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(again.status ?? 1);
}

const { values } = parseArgs({ options: { tenants: { type: 'string', default: '1000' }, active: { type: 'string', default: '100' } } });
const TENANTS = Number(values.tenants);
const ACTIVE = Number(values.active);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const { build } = await import('esbuild');
const dir = mkdtempSync(join(os.tmpdir(), 'suma-footprint-'));
let tenancy;
try {
  await build({
    stdin: {
      contents: ["export * from './src/tenancy/registry.ts';", "export * from './src/tenancy/tenants-file.ts';", "export * from './src/tenancy/access.ts';"].join('\n'),
      resolveDir: ROOT,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: join(dir, 'tenancy.mjs'),
    logLevel: 'error',
  });
  tenancy = await import(pathToFileURL(join(dir, 'tenancy.mjs')).href);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const { TenantRegistry, parseTenantsText } = tenancy;

// ---------------------------------------------------------------- measuring

function measure() {
  for (let i = 0; i < 4; i++) globalThis.gc();
  const m = process.memoryUsage();
  return { total: m.heapUsed + m.external, heap: m.heapUsed, external: m.external, rss: m.rss };
}

const kb = (bytes) => `${(bytes / 1024).toFixed(2)} KB`;
const hold = []; // keeps measured objects alive until the end

/**
 * A tenants file of `n` tenants from `from` on: nine in ten shared, one in ten dedicated with a
 * master of its own; two users each (one plain password, one SHA-256); a deny list on a third.
 */
function tenantsFile(from, n) {
  const tenants = [];
  for (let i = from; i < from + n; i++) {
    const owner = `owner${String(Math.floor(i / 10)).padStart(4, '0')}`;
    const business = `business-${String(i).padStart(5, '0')}`;
    const tenant = {
      owner,
      business,
      users: [
        { name: `app-${i}`, password: `password-of-app-${i}-${'x'.repeat(16)}` },
        { name: `ops-${i}`, passwordSha256: createHash('sha256').update(`ops-${i}`).digest('hex') },
      ],
    };
    if (i % 10 === 9) Object.assign(tenant, { isolation: 'dedicated', masterName: `group-${i}` });
    if (i % 3 === 0) Object.assign(tenant, { deny: ['FLUSHALL', 'CONFIG', 'KEYS'], maxClients: 500 });
    tenants.push(tenant);
  }
  return tenants;
}

const text = (tenants) => JSON.stringify({ tenants });
const hooks = { open: (spec) => ({ masterName: spec.masterName, socket: null }), close: () => {} };
const commandNames = Array.from({ length: 260 }, (_, i) => (i === 0 ? 'other' : `command${i}`)).concat(['flushall', 'config', 'keys']);

// ---------------------------------------------------------------- idle tenants

const base = measure();
const first = tenantsFile(0, TENANTS);
const registry = new TenantRegistry(parseTenantsText(text(first)), { hooks, idleCloseMs: 60_000 });
for (const handle of registry.all()) handle.access.verdicts(commandNames);
const atN = measure();

// One more batch of the same size: its growth per tenant is the marginal cost at this size.
const second = tenantsFile(TENANTS, TENANTS);
registry.reload(parseTenantsText(text([...first, ...second])));
for (const handle of registry.all()) handle.access.verdicts(commandNames);
const at2N = measure();
const idleMarginal = (at2N.total - atN.total) / TENANTS;
const idleAverage = (atN.total - base.total) / TENANTS;

// ---------------------------------------------------------------- active tenants

// Stands in for clients' peers and for Redis: every command frame it receives gets +OK.
const server = net.createServer((socket) => {
  hold.push(socket);
  socket.on('data', (chunk) => {
    const frames = chunk.toString('latin1').match(/(^|\n)\*\d/g)?.length ?? 0;
    if (frames > 0) socket.write('+OK\r\n'.repeat(frames));
  });
  socket.on('error', () => {});
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = server.address().port;

async function connect() {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.setNoDelay(true);
  socket.on('data', () => {});
  return socket;
}

// A loopback connection here has both its ends in this process; the proxy holds one end of each.
// A first round warms up what sockets allocate once (the server's accept path, lazy V8 code).
for (let i = 0; i < ACTIVE; i++) hold.push(await connect());
await new Promise((r) => setTimeout(r, 50));
const beforePairs = measure();
for (let i = 0; i < ACTIVE; i++) hold.push(await connect());
await new Promise((r) => setTimeout(r, 50));
const afterPairs = measure();
const perConnection = (afterPairs.total - beforePairs.total) / ACTIVE / 2;

const handles = [...registry.all()];
const sharedHandles = handles.filter((h) => h.shared).slice(0, ACTIVE);
const dedicatedHandles = handles.filter((h) => !h.shared).slice(0, ACTIVE);

// Shared: namespace built on first use, one client admitted (its connection counted above).
const beforeShared = measure();
for (const handle of sharedHandles) {
  registry.admit(handle);
  hold.push(handle.namespace);
}
const afterShared = measure();
const sharedTenantPart = (afterShared.total - beforeShared.total) / sharedHandles.length;

// Dedicated: its upstream opened on first use; the stand-in holds one real upstream socket.
const beforeDedicated = measure();
for (const handle of dedicatedHandles) {
  registry.admit(handle);
  const upstream = registry.upstreamOf(handle);
  upstream.socket = await connect();
}
await new Promise((r) => setTimeout(r, 50));
const afterDedicated = measure();
// Each pair has its stand-in-Redis end in this process too: take one connection off.
const dedicatedTenantPart = (afterDedicated.total - beforeDedicated.total) / dedicatedHandles.length - perConnection;

// A dedicated group found through Sentinel also needs its master watched. Watching it with
// ioredis clients of its own (one per sentinel) would cost this much per sentinel and tenant.
const { Redis } = await import('ioredis');
const beforeIoredis = measure();
const watchers = [];
for (let i = 0; i < ACTIVE; i++) {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  await client.connect();
  watchers.push(client);
}
await new Promise((r) => setTimeout(r, 50));
const afterIoredis = measure();
const perIoredis = (afterIoredis.total - beforeIoredis.total) / ACTIVE - perConnection;
for (const client of watchers) client.disconnect();

server.close();
for (const s of hold) if (s instanceof net.Socket) s.destroy();

const lines = [
  `tenants configured: ${TENANTS}, then ${2 * TENANTS} (90% shared, 10% dedicated, 2 users each, a deny list on a third)`,
  `idle tenant, marginal at ${TENANTS}: ${kb(idleMarginal)} (heap + external)   goal: at most 64 KB`,
  `idle tenant, average over the first ${TENANTS}: ${kb(idleAverage)}   (total ${kb(atN.total - base.total)})`,
  `one connection held by the proxy (one end of a loopback socket): ${kb(perConnection)}`,
  `active shared tenant: +${kb(sharedTenantPart)} for the tenant (namespace, count) + ${kb(perConnection)} per client connection`,
  `active dedicated tenant: +${kb(dedicatedTenantPart)} for the tenant (its upstream connection) + ${kb(perConnection)} per client connection`,
  `  and, if its master were watched by ioredis clients of its own: +${kb(perIoredis)} per sentinel (share one watcher per sentinel set instead)`,
  `process: rss ${kb(afterDedicated.rss)}, heap ${kb(afterDedicated.heap)}, external ${kb(afterDedicated.external)}`,
];
console.log(lines.join('\n'));
hold.length = 0;
