// `ctl probe`: a health check for a container whose image has no shell or curl. It asks the
// proxy's RESP port for INFO proxy, which the proxy answers itself, so a group in the middle of a
// failover does not make a healthy proxy look dead (and get it restarted).

import { ConfigError, parseHostPort, type HostPort } from '../config.js';
import { Link, reason } from './link.js';
import { helpText, intOption, parseOptions, stringOption, type OptionSpec } from './options.js';

const OPTIONS = {
  address: { kind: 'string', value: 'HOST:PORT', help: 'the proxy to probe (default: the local end of SUMA_BIND and SUMA_PORT, else 127.0.0.1:6380)' },
  url: { kind: 'string', value: 'URL', help: 'probe this HTTP address instead (2xx is healthy), such as the admin /livez' },
  timeout: { kind: 'string', value: 'MS', help: 'how long the answer may take (default 2000)' },
  quiet: { kind: 'boolean', help: 'print nothing' },
  help: { kind: 'boolean', help: 'print this help and exit' },
} satisfies Record<string, OptionSpec>;

const USAGE = 'Usage: suma-redis ctl probe [--address HOST:PORT | --url URL] [--timeout MS]';
const SUMMARY = `Exit status 0 when the proxy answers (any reply, an authentication error included, proves it
serves), 1 when it does not. Meant for a container HEALTHCHECK.`;

export async function runProbe(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseOptions(args, OPTIONS, env);
  if (parsed.values['help'] === true) {
    process.stdout.write(helpText(USAGE, SUMMARY, OPTIONS) + '\n');
    return 0;
  }
  const timeoutMs = intOption(parsed, 'timeout', OPTIONS, 2000, 50, 600_000);
  const url = stringOption(parsed, 'url', OPTIONS);
  const quiet = parsed.values['quiet'] === true;
  const say = (line: string): void => {
    if (!quiet) process.stdout.write(line + '\n');
  };
  if (url !== undefined) {
    if (!/^https?:\/\//.test(url)) throw new ConfigError(`--url: expected http://HOST:PORT/PATH, got '${url.slice(0, 64)}'`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer();
      say(`${url}: ${res.status}`);
      return res.ok ? 0 : 1;
    } catch (err) {
      say(`${url}: ${reason(err)}`);
      return 1;
    }
  }
  const address = stringOption(parsed, 'address', OPTIONS);
  const target = address === undefined ? localEnd(env) : parseHostPort('address', address);
  const link = new Link(target, { username: undefined, password: undefined }, timeoutMs);
  try {
    await link.call('INFO', 'proxy');
    say(`${target.host}:${target.port}: ok`);
    return 0;
  } catch (err) {
    const answered = err instanceof Error && err.name === 'ReplyError';
    say(`${target.host}:${target.port}: ${answered ? 'ok' : reason(err)}`);
    return answered ? 0 : 1;
  } finally {
    link.close();
  }
}

/** Where the proxy of this container listens, as seen from inside it. */
function localEnd(env: NodeJS.ProcessEnv): HostPort {
  const port = Number(env['SUMA_PORT'] ?? 6380);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(`SUMA_PORT: not a port: '${String(env['SUMA_PORT']).slice(0, 16)}'`);
  const bind = env['SUMA_BIND'] ?? '127.0.0.1';
  const host = bind === '' || bind === '0.0.0.0' ? '127.0.0.1' : bind === '::' ? '::1' : bind;
  return { host, port };
}
