// INFO: a `# Proxy` section about suma-redis, followed by the master's own sections, so tools
// that read INFO keep working and can also see what the proxy is doing.

import { encodeCommand } from '../resp/encode.js';
import type { Upstream } from '../upstream/upstream.js';
import type { LocalCommand } from './policy.js';

export interface ProxyFigures {
  version: string;
  startedAt: number;
  clients(): number;
  commandsProcessed(): number;
  tenants(): number;
}

/** Sections Redis prints for INFO without arguments, and the words that mean "every section". */
const DEFAULT_WORDS = new Set(['default', 'all', 'everything']);

export function infoCommand(upstream: Upstream, figures: ProxyFigures): LocalCommand {
  return {
    name: 'info',
    standard: true,
    check: () => null,
    async run(_caller, args) {
      const sections = args.slice(1).map((a) => a.toString('latin1').toLowerCase());
      const wantsProxy = sections.length === 0 || sections.some((s) => s === 'proxy' || DEFAULT_WORDS.has(s));
      const others = sections.filter((s) => s !== 'proxy');
      const proxy = wantsProxy ? proxySection(upstream, figures) : '';
      if (sections.length > 0 && others.length === 0) return proxy;
      const reply = await upstream.query(encodeCommand(['INFO', ...others]));
      if (reply[0] !== 36 /* $ */) return { raw: reply };
      const body = reply.subarray(reply.indexOf(10) + 1, reply.length - 2).toString('utf8');
      return proxy === '' ? body : `${proxy}\r\n${body}`;
    },
  };
}

function proxySection(upstream: Upstream, figures: ProxyFigures): string {
  const master = upstream.current();
  const lines = [
    '# Proxy',
    `suma_redis_version:${figures.version}`,
    `uptime_in_seconds:${Math.floor((Date.now() - figures.startedAt) / 1000)}`,
    `connected_clients:${figures.clients()}`,
    `total_commands_processed:${figures.commandsProcessed()}`,
    `master_host:${master?.host ?? ''}`,
    `master_port:${master?.port ?? ''}`,
    `master_link_status:${master ? 'up' : 'down'}`,
    `master_config_epoch:${master?.configEpoch ?? 0}`,
    `failovers:${upstream.failovers}`,
    `upstream_connections:${upstream.connectionCount}`,
    `tenants:${figures.tenants()}`,
  ];
  return lines.join('\r\n') + '\r\n';
}
