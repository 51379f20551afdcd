// `ctl probe`: a health check for a container whose image has no shell or curl. It asks the proxy
// what the proxy answers itself (the admin /livez, else INFO proxy on the RESP port), so a group in
// the middle of a failover does not make a healthy proxy look dead and get it restarted. With no
// address given it reads the flags of the `serve` that is PID 1 of the container, then SUMA_*.

import { readFileSync } from 'node:fs';
import { ConfigError, loadServeConfig, parseHostPort, type HostPort } from '../config.js';
import { Link, reason } from './link.js';
import { HELP_OPTION, helpText, intOption, parseOptions, stringOption, type OptionSpec } from './options.js';

const OPTIONS = {
  address: { kind: 'string', value: 'HOST:PORT', help: 'probe this RESP address (INFO proxy; any reply is healthy)' },
  url: { kind: 'string', value: 'URL', help: 'probe this HTTP address (2xx is healthy), such as the admin /livez' },
  timeout: { kind: 'string', value: 'MS', help: 'how long the answer may take (default 2000)' },
  quiet: { kind: 'boolean', help: 'print nothing' },
  help: HELP_OPTION,
} satisfies Record<string, OptionSpec>;

const USAGE = 'Usage: suma-redis ctl probe [--address HOST:PORT | --url URL] [--timeout MS]';
const SUMMARY = `Exit status 0 when the proxy answers, 1 when it does not. Without --address or --url it probes
the proxy this container runs: the admin /livez when the admin listener is on, else the RESP port
(where any reply, an authentication error included, proves it serves). Meant for a HEALTHCHECK.`;

type Target = { kind: 'http'; url: string } | { kind: 'resp'; addr: HostPort };

export async function runProbe(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseOptions(args, OPTIONS, env);
  if (parsed.values['help'] === true) {
    process.stdout.write(helpText(USAGE, SUMMARY, OPTIONS) + '\n');
    return 0;
  }
  const timeoutMs = intOption(parsed, 'timeout', OPTIONS, 2000, 50, 600_000);
  const url = stringOption(parsed, 'url', OPTIONS);
  const address = stringOption(parsed, 'address', OPTIONS);
  if (url !== undefined && !/^https?:\/\//.test(url)) throw new ConfigError(`--url: expected http://HOST:PORT/PATH, got '${url.slice(0, 64)}'`);
  const target: Target =
    url !== undefined ? { kind: 'http', url } : address !== undefined ? { kind: 'resp', addr: parseHostPort('address', address) } : servedTarget(env);
  const { healthy, said } = target.kind === 'http' ? await probeHttp(target.url, timeoutMs) : await probeResp(target.addr, timeoutMs);
  if (parsed.values['quiet'] !== true) process.stdout.write(`${said}\n`);
  return healthy ? 0 : 1;
}

async function probeHttp(url: string, timeoutMs: number): Promise<{ healthy: boolean; said: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return { healthy: res.ok, said: `${url}: ${res.status}` };
  } catch (err) {
    return { healthy: false, said: `${url}: ${reason(err)}` };
  }
}

async function probeResp(addr: HostPort, timeoutMs: number): Promise<{ healthy: boolean; said: string }> {
  const link = new Link(addr, { username: undefined, password: undefined }, timeoutMs);
  const label = `${addr.host.includes(':') ? `[${addr.host}]` : addr.host}:${addr.port}`;
  try {
    await link.call('INFO', 'proxy');
    return { healthy: true, said: `${label}: ok` };
  } catch (err) {
    const answered = err instanceof Error && err.name === 'ReplyError';
    return { healthy: answered, said: `${label}: ${answered ? 'ok' : reason(err)}` };
  } finally {
    link.close();
  }
}

/** The proxy this container serves: PID 1's `serve` flags over SUMA_* variables, as `serve` read them. */
function servedTarget(env: NodeJS.ProcessEnv): Target {
  const config = loadServeConfig(pidOneServeArgs() ?? [], env);
  // Port 0 means a port the kernel chose, which only the proxy knows: probe the RESP port then.
  if (config.adminPort !== null && config.adminPort !== 0) {
    const host = localEnd(config.adminBind);
    return { kind: 'http', url: `http://${host.includes(':') ? `[${host}]` : host}:${config.adminPort}/livez` };
  }
  return { kind: 'resp', addr: { host: localEnd(config.bind), port: config.port } };
}

/** The arguments after `serve` on PID 1's command line, or null when PID 1 is not a serve. */
function pidOneServeArgs(): string[] | null {
  let argv: string[];
  try {
    argv = readFileSync('/proc/1/cmdline', 'utf8').split('\0').filter((a) => a !== '');
  } catch {
    return null;
  }
  const at = argv.indexOf('serve');
  return at > 0 && argv.slice(0, at).some((a) => a.includes('suma-redis')) ? argv.slice(at + 1) : null;
}

/** A wildcard listen address is reached on loopback. */
function localEnd(bind: string): string {
  return bind === '' || bind === '0.0.0.0' ? '127.0.0.1' : bind === '::' ? '::1' : bind;
}
