// Stand-in for `suma-redis serve` while the CLI does not exist yet: the same flags, the built
// proxy, its own process (so the bench can read its CPU and RSS from /proc).
//   node bench/lib/serve-proxy.mjs --sentinel HOST:PORT ... --master-name NAME --port PORT

import { loadServeConfig, requireUpstream } from '../../dist/src/config.js';
import { startProxy } from '../../dist/src/main.js';

const config = loadServeConfig(process.argv.slice(2));
requireUpstream(config);
const proxy = await startProxy(config);

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    proxy.close().finally(() => process.exit(0));
  });
}
