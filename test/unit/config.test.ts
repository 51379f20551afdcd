// loadServeConfig: flags > environment > config file > defaults, the original APOLLO_* names,
// *_FILE secrets, and one-line ConfigErrors that name the option as it was given.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ConfigError, DEFAULTS, loadServeConfig, parseHostPort, requireUpstream, serveHelp, SERVE_OPTIONS } from '../../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'suma-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function secretFile(name: string, content: string): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

/** The ConfigError thrown for these flags and environment. */
function failure(argv: string[], env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    loadServeConfig(argv, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const error = err as ConfigError;
    expect(error.name).toBe('ConfigError');
    expect(error.message).not.toMatch(/[\r\n]/);
    expect(error.message.length).toBeGreaterThan(0);
    return error;
  }
  throw new Error(`no ConfigError for ${JSON.stringify(argv)} ${JSON.stringify(env)}`);
}

describe('defaults', () => {
  test('no flags, no environment', () => {
    const config = loadServeConfig([], {});
    expect(config).toMatchObject({
      help: false,
      bind: '127.0.0.1',
      port: 6380,
      sentinels: [],
      masterName: 'mymaster',
      upstream: undefined,
      clientUser: 'default',
      clientPassword: undefined,
      sentinelPassword: undefined,
      upstreamPassword: undefined,
      tenantOwner: 'default',
      tenantBusiness: 'default',
      logLevel: 'info',
    });
  });

  test("request limits are Redis's", () => {
    const config = loadServeConfig([], {});
    expect(config.maxBulkLength).toBe(512 * 1024 * 1024);
    expect(config.maxMultibulkLength).toBe(1024 * 1024);
    expect(config.maxInlineLength).toBe(64 * 1024);
    expect(DEFAULTS.maxInlineLength).toBe(64 * 1024);
  });

  test('the environment of the test process is not read when env is given', () => {
    expect(loadServeConfig([], {}).port).toBe(DEFAULTS.port);
  });
});

describe('precedence', () => {
  test('flags beat the environment', () => {
    const env = { SUMA_PORT: '7001', SUMA_BIND: '0.0.0.0', SUMA_MASTER_NAME: 'env-master', SUMA_LOG_LEVEL: 'warn', SUMA_OWNER: 'envowner' };
    const config = loadServeConfig(['--port', '7002', '--bind', '10.1.2.3', '--master-name', 'flag-master', '--log-level', 'debug', '--owner', 'flagowner'], env);
    expect(config).toMatchObject({ port: 7002, bind: '10.1.2.3', masterName: 'flag-master', logLevel: 'debug', tenantOwner: 'flagowner' });
  });

  test('the environment beats defaults', () => {
    const env = { SUMA_PORT: '7001', SUMA_BIND: '0.0.0.0', SUMA_FAILOVER_WINDOW_MS: '5000', SUMA_CLIENT_USER: 'app' };
    expect(loadServeConfig([], env)).toMatchObject({ port: 7001, bind: '0.0.0.0', failoverWindowMs: 5000, clientUser: 'app' });
  });

  test('an empty environment value counts as unset', () => {
    expect(loadServeConfig([], { SUMA_PORT: '', SUMA_OWNER: '' })).toMatchObject({ port: 6380, tenantOwner: 'default' });
  });

  test('--flag=value works like --flag value', () => {
    expect(loadServeConfig(['--port=7003'], {}).port).toBe(7003);
  });

  test('sentinels: repeated flags, or a comma-separated variable, never both', () => {
    expect(loadServeConfig(['--sentinel', 'a:26379', '--sentinel', '[::1]:26380'], {}).sentinels).toEqual([
      { host: 'a', port: 26379 },
      { host: '::1', port: 26380 },
    ]);
    expect(loadServeConfig([], { SUMA_SENTINELS: 'a:1, b:2,,' }).sentinels).toEqual([
      { host: 'a', port: 1 },
      { host: 'b', port: 2 },
    ]);
    expect(loadServeConfig(['--sentinel', 'x:9'], { SUMA_SENTINELS: 'a:1,b:2' }).sentinels).toEqual([{ host: 'x', port: 9 }]);
  });

  test('upstream', () => {
    expect(loadServeConfig(['--upstream', 'redis.local:6379'], {}).upstream).toEqual({ host: 'redis.local', port: 6379 });
    expect(loadServeConfig([], { SUMA_UPSTREAM: 'r:6000' }).upstream).toEqual({ host: 'r', port: 6000 });
  });
});

describe('APOLLO_* names', () => {
  test('APOLLO_OWNER_ID and APOLLO_BUINESS_ID set the tenant', () => {
    const config = loadServeConfig([], { APOLLO_OWNER_ID: 'owner-1', APOLLO_BUINESS_ID: 'biz.2' });
    expect(config.tenantOwner).toBe('owner-1');
    expect(config.tenantBusiness).toBe('biz.2');
  });

  test('SUMA_* beats APOLLO_*, and flags beat both', () => {
    const env = { APOLLO_OWNER_ID: 'apollo', SUMA_OWNER: 'suma', APOLLO_BUINESS_ID: 'apollo-b', SUMA_BUSINESS: 'suma-b' };
    expect(loadServeConfig([], env)).toMatchObject({ tenantOwner: 'suma', tenantBusiness: 'suma-b' });
    expect(loadServeConfig(['--owner', 'flag', '--business', 'flag-b'], env)).toMatchObject({ tenantOwner: 'flag', tenantBusiness: 'flag-b' });
  });

  test('an APOLLO_* value is validated like the flag', () => {
    expect(failure([], { APOLLO_OWNER_ID: 'has space' }).message).toMatch(/^APOLLO_OWNER_ID: /);
    expect(failure([], { APOLLO_BUINESS_ID: 'x'.repeat(65) }).message).toMatch(/^APOLLO_BUINESS_ID: /);
  });
});

describe('*_FILE secrets', () => {
  test('passwords come from the files, trailing newline dropped', () => {
    const env = {
      SUMA_REQUIREPASS_FILE: secretFile('requirepass', 'client-secret\n'),
      SUMA_UPSTREAM_PASSWORD_FILE: secretFile('upstream', 'up-secret\r\n'),
      SUMA_SENTINEL_PASSWORD_FILE: secretFile('sentinel', 'sent-secret'),
    };
    expect(loadServeConfig([], env)).toMatchObject({
      clientPassword: 'client-secret',
      upstreamPassword: 'up-secret',
      sentinelPassword: 'sent-secret',
    });
  });

  test('only one trailing newline goes; inner spaces stay', () => {
    expect(loadServeConfig([], { SUMA_REQUIREPASS_FILE: secretFile('two-lines', ' pass word \n\n') }).clientPassword).toBe(' pass word \n');
  });

  test('the variable beats its _FILE, and the flag beats both', () => {
    const env = { SUMA_REQUIREPASS: 'from-env', SUMA_REQUIREPASS_FILE: secretFile('ignored', 'from-file\n') };
    expect(loadServeConfig([], env).clientPassword).toBe('from-env');
    expect(loadServeConfig(['--requirepass', 'from-flag'], env).clientPassword).toBe('from-flag');
  });

  test('an unreadable file is a ConfigError naming the variable', () => {
    const message = failure([], { SUMA_UPSTREAM_PASSWORD_FILE: join(dir, 'missing') }).message;
    expect(message).toMatch(/^SUMA_UPSTREAM_PASSWORD_FILE: /);
    expect(message).toMatch(/ENOENT/);
  });

  test('non-secret options have no _FILE form', () => {
    expect(loadServeConfig([], { SUMA_PORT_FILE: secretFile('port', '7777\n') }).port).toBe(6380);
  });
});

describe('admin listener', () => {
  test('on 127.0.0.1:9380 by default; 0 picks a free port; off turns it off', () => {
    expect(loadServeConfig([], {})).toMatchObject({ adminBind: '127.0.0.1', adminPort: 9380 });
    expect(loadServeConfig(['--admin-port', '0'], {}).adminPort).toBe(0);
    expect(loadServeConfig(['--admin-port', 'off'], {}).adminPort).toBeNull();
    expect(loadServeConfig([], { SUMA_ADMIN_PORT: 'OFF' }).adminPort).toBeNull();
    expect(loadServeConfig([], { SUMA_ADMIN_PORT: '9500', SUMA_ADMIN_BIND: '0.0.0.0' })).toMatchObject({ adminPort: 9500, adminBind: '0.0.0.0' });
    expect(loadServeConfig(['--port', '0', '--admin-port', '0'], {})).toMatchObject({ port: 0, adminPort: 0 });
  });
});

describe('config file', () => {
  function configFile(name: string, doc: unknown): string {
    return secretFile(name, typeof doc === 'string' ? doc : JSON.stringify(doc));
  }

  test('every option by its flag name, in its JSON type', () => {
    const file = configFile('full.json', {
      port: 7100,
      bind: '0.0.0.0',
      'admin-port': 'off',
      sentinel: ['s1:26379', '[::1]:26380'],
      'master-name': 'from-file',
      'sentinel-password': 'sp',
      'upstream-username': 'app',
      requirepass: 'rp',
      owner: 'o1',
      business: 'b1',
      'failover-window': 5000,
      'log-level': 'warn',
    });
    expect(loadServeConfig(['--config', file], {})).toMatchObject({
      port: 7100,
      bind: '0.0.0.0',
      adminPort: null,
      sentinels: [
        { host: 's1', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      masterName: 'from-file',
      sentinelPassword: 'sp',
      upstreamUsername: 'app',
      clientPassword: 'rp',
      tenantOwner: 'o1',
      tenantBusiness: 'b1',
      failoverWindowMs: 5000,
      logLevel: 'warn',
    });
  });

  test('SUMA_CONFIG names the file too; a flag beats the variable', () => {
    const a = configFile('a.json', { port: 7201 });
    const b = configFile('b.json', { port: 7202 });
    expect(loadServeConfig([], { SUMA_CONFIG: a }).port).toBe(7201);
    expect(loadServeConfig(['--config', b], { SUMA_CONFIG: a }).port).toBe(7202);
  });

  test('flags beat the environment, which beats the file, which beats defaults', () => {
    const file = configFile('layers.json', { port: 7301, bind: '10.0.0.1', 'master-name': 'file', 'client-user': 'file-user', owner: 'file-owner' });
    const env = { SUMA_PORT: '7302', SUMA_BIND: '10.0.0.2', APOLLO_OWNER_ID: 'apollo-owner' };
    expect(loadServeConfig(['--config', file, '--port', '7303'], env)).toMatchObject({
      port: 7303,
      bind: '10.0.0.2',
      masterName: 'file',
      clientUser: 'file-user',
      tenantOwner: 'apollo-owner',
      tenantBusiness: 'default',
    });
  });

  test('sentinels: flags, else the variable, else the file; a comma-separated string works in the file', () => {
    const file = configFile('sentinels.json', { sentinel: 'f1:1, f2:2' });
    expect(loadServeConfig(['--config', file], {}).sentinels).toEqual([
      { host: 'f1', port: 1 },
      { host: 'f2', port: 2 },
    ]);
    expect(loadServeConfig(['--config', file], { SUMA_SENTINELS: 'e:3' }).sentinels).toEqual([{ host: 'e', port: 3 }]);
    expect(loadServeConfig(['--config', file, '--sentinel', 'x:4'], { SUMA_SENTINELS: 'e:3' }).sentinels).toEqual([{ host: 'x', port: 4 }]);
  });

  test('a secret variable and its _FILE beat the file', () => {
    const file = configFile('secret.json', { requirepass: 'from-config' });
    expect(loadServeConfig(['--config', file], { SUMA_REQUIREPASS_FILE: secretFile('rp', 'from-secret-file\n') }).clientPassword).toBe('from-secret-file');
  });

  test('null means unset', () => {
    expect(loadServeConfig(['--config', configFile('null.json', { port: null })], {}).port).toBe(6380);
  });

  test('--help works whatever the file holds', () => {
    expect(loadServeConfig(['--help', '--config', configFile('broken-for-help.json', '{')], {}).help).toBe(true);
  });

  const cases: [string, unknown, RegExp][] = [
    ['an unknown key', { prot: 6380 }, /: prot: unknown option$/],
    ['--help as a key', { help: true }, /: help: unknown option$/],
    ['--config as a key', { config: 'x.json' }, /: config: unknown option$/],
    ['a number as a string', { port: '6380' }, /: port: expected a whole number, got '6380'$/],
    ['a fraction', { 'failover-window': 1.5 }, /: failover-window: expected a whole number, got 1\.5$/],
    ['a negative number', { port: -1 }, /: port: expected a whole number, got -1$/],
    ['a number out of range', { port: 70000 }, /: port: 70000 is out of range/],
    ['a boolean for a string', { bind: true }, /: bind: expected a string, got true$/],
    ['an object for a list', { sentinel: { a: 1 } }, /: sentinel: expected an array of strings, got an object$/],
    ['a list of numbers', { sentinel: [1] }, /: sentinel: expected an array of strings, got an array$/],
    ['a bad address in a list', { sentinel: ['a:1', 'b'] }, /: sentinel: expected HOST:PORT, got 'b'$/],
    ['a bad word for the admin port', { 'admin-port': 'none' }, /: admin-port: expected a whole number or "off", got 'none'$/],
    ['a bad log level', { 'log-level': 'loud' }, /: log-level: unknown level 'loud'$/],
    ['a bad owner', { owner: 'a b' }, /: owner: must match/],
    ['not JSON', '{"port": 1,}', /: not valid JSON \(/],
    ['not an object', '[1, 2]', /: expected a JSON object of options/],
  ];
  for (const [name, doc, pattern] of cases) {
    test(`${name}: one line naming the file and the option`, () => {
      const file = configFile(`case-${name.replace(/\W+/g, '-')}.json`, doc);
      const message = failure(['--config', file], {}).message;
      expect(message.startsWith(`${file}: `)).toBe(true);
      expect(message).toMatch(pattern);
    });
  }

  test('an unreadable file names the option that gave it', () => {
    expect(failure(['--config', join(dir, 'missing.json')], {}).message).toMatch(/^--config: cannot read .*missing\.json: ENOENT$/);
    expect(failure([], { SUMA_CONFIG: join(dir, 'missing.json') }).message).toMatch(/^SUMA_CONFIG: cannot read .*ENOENT$/);
  });
});

describe('bad values: one line naming the option', () => {
  const cases: [string, string[], NodeJS.ProcessEnv, RegExp][] = [
    ['port not a number', ['--port', 'abc'], {}, /^--port: .*'abc'/],
    ['port out of range', ['--port', '70000'], {}, /^--port: 70000 is out of range/],
    ['negative port', ['--port=-1'], {}, /^--port: .*'-1'/],
    ['negative port as a separate argument', ['--port', '-1'], {}, /'--port'/],
    ['port from the environment', [], { SUMA_PORT: 'x1' }, /^SUMA_PORT: expected a whole number, got 'x1'$/],
    ['port with a newline in it', ['--port', '12\n34'], {}, /^--port: /],
    ['failover window not a number', ['--failover-window', '1.5'], {}, /^--failover-window: /],
    ['recheck interval too small', ['--recheck-interval', '10'], {}, /^--recheck-interval: 10 is out of range/],
    ['connect timeout too large', [], { SUMA_CONNECT_TIMEOUT_MS: '600001' }, /^SUMA_CONNECT_TIMEOUT_MS: 600001 is out of range/],
    ['bulk limit below 1 MiB', ['--proto-max-bulk-len', '1000'], {}, /^--proto-max-bulk-len: /],
    ['output high water not a number', ['--output-high-water', '1e9'], {}, /^--output-high-water: /],
    ['stall timeout too small', ['--client-stall-timeout', '99'], {}, /^--client-stall-timeout: /],
    ['sentinel without a port', ['--sentinel', 'host'], {}, /^--sentinel: expected HOST:PORT/],
    ['sentinel with port 0', ['--sentinel', 'host:0'], {}, /^--sentinel: /],
    ['sentinel list from the environment', [], { SUMA_SENTINELS: 'a:1,b' }, /^SUMA_SENTINELS: expected HOST:PORT, got 'b'/],
    ['sentinel with CRLF', ['--sentinel', 'a:1\r\n2'], {}, /^--sentinel: .*'a:1  2'/],
    ['upstream with a bad port', ['--upstream', 'r:99999'], {}, /^--upstream: /],
    ['sentinel and upstream together', ['--sentinel', 'a:1', '--upstream', 'r:2'], {}, /^--upstream: .*not both/],
    ['owner with a space', ['--owner', 'a b'], {}, /^--owner: /],
    ['owner with a newline', ['--owner', 'a\nb'], {}, /^--owner: /],
    ['business too long', ['--business', 'b'.repeat(65)], {}, /^--business: /],
    ['unknown log level', ['--log-level', 'loud'], {}, /^--log-level: .*'loud'/],
    ['unknown log level from the environment', [], { SUMA_LOG_LEVEL: 'loud' }, /^SUMA_LOG_LEVEL: .*'loud'/],
    ['bind with a space', ['--bind', 'a b'], {}, /^--bind: /],
    ['admin port not a number', ['--admin-port', 'none'], {}, /^--admin-port: .*'none'/],
    ['admin port out of range', [], { SUMA_ADMIN_PORT: '65536' }, /^SUMA_ADMIN_PORT: 65536 is out of range/],
    ['admin port equal to the RESP port', ['--port', '7000', '--admin-port', '7000'], {}, /^--admin-port: .*differ.*7000/],
    ['admin bind with a slash', [], { SUMA_ADMIN_BIND: '10.0.0.0/8' }, /^SUMA_ADMIN_BIND: /],
    ['log level with a newline', ['--log-level', 'info\nwarn'], {}, /^--log-level: /],
    ['unknown flag', ['--nope'], {}, /nope/],
    ['flag without its value', ['--port'], {}, /port/],
    ['positional argument', ['serve-extra'], {}, /serve-extra/],
  ];
  for (const [name, argv, env, pattern] of cases) {
    test(name, () => {
      expect(failure(argv, env).message).toMatch(pattern);
    });
  }
});

describe('the rest', () => {
  test('--help lists every option with its default and its environment names', () => {
    expect(loadServeConfig(['--help'], {}).help).toBe(true);
    const help = serveHelp();
    const lines = help.split('\n');
    for (const option of SERVE_OPTIONS) {
      const line = lines.find((l) => l.startsWith(`  --${option.flag} `) || l === `  --${option.flag}` || l.startsWith(`  --${option.flag}  `));
      expect(line, option.flag).toBeDefined();
      if (option.type !== 'switch') expect(line, option.flag).toContain(`(default ${option.default ?? 'none'})`);
      for (const name of option.env) expect(line, option.flag).toContain(name);
    }
    expect(help).toContain('APOLLO_OWNER_ID');
    expect(help).toContain('APOLLO_BUINESS_ID');
    expect(help).toContain('SUMA_REQUIREPASS_FILE');
    expect(help).toMatch(/--port PORT .*\(default 6380\)/);
    expect(help).toMatch(/--admin-port PORT\|off .*\(default 9380\)/);
    expect(help).toMatch(/--admin-bind ADDR .*\(default 127\.0\.0\.1\)/);
  });

  test('parseHostPort', () => {
    expect(parseHostPort('x', ' host:1 ')).toEqual({ host: 'host', port: 1 });
    expect(parseHostPort('x', '[fe80::1]:65535')).toEqual({ host: 'fe80::1', port: 65535 });
    expect(() => parseHostPort('x', 'host:65536')).toThrow(ConfigError);
    expect(() => parseHostPort('x', ':1')).toThrow(/^--x: /);
  });

  test('requireUpstream', () => {
    expect(() => requireUpstream(loadServeConfig([], {}))).toThrow(ConfigError);
    expect(() => requireUpstream(loadServeConfig(['--sentinel', 'a:1'], {}))).not.toThrow();
    expect(() => requireUpstream(loadServeConfig(['--upstream', 'a:1'], {}))).not.toThrow();
  });
});
