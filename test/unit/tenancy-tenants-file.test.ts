// The tenants file: defaults, one line per mistake with its path, uniqueness rules, reload diffs.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { sha256 } from '../../src/tenancy/auth.js';
import {
  TenantsError,
  commandNameProblem,
  diffTenants,
  loadTenantsFile,
  parseTenants,
  parseTenantsText,
  type ParseOptions,
  type TenantsConfig,
} from '../../src/tenancy/tenants-file.js';

const HASH = sha256('secret').toString('hex');

const EXAMPLE = {
  tenants: [
    { owner: 'acme', business: 'shop', users: [{ name: 'shop', password: 'pw1' }], isolation: 'shared' },
    {
      owner: 'acme',
      business: 'ads',
      users: [{ name: 'ads', passwordSha256: HASH }],
      isolation: 'dedicated',
      masterName: 'ads',
      deny: ['FLUSHALL', 'CONFIG'],
      maxClients: 500,
    },
  ],
};

/** The problem lines of a document that must not validate. */
function problems(doc: unknown, options: ParseOptions = {}): string[] {
  try {
    parseTenants(doc, options);
  } catch (err) {
    expect(err).toBeInstanceOf(TenantsError);
    return [...(err as TenantsError).problems];
  }
  throw new Error('the document validated');
}

const tenant = (extra: Record<string, unknown> = {}, users: unknown = [{ name: 'u', password: 'p' }]): Record<string, unknown> => ({
  owner: 'o',
  business: 'b',
  users,
  ...extra,
});

describe('parseTenants', () => {
  test('the issue example, with defaults filled in', () => {
    const { tenants } = parseTenants(EXAMPLE);
    expect(tenants).toHaveLength(2);
    const [shop, ads] = tenants;
    expect(shop).toMatchObject({
      owner: 'acme',
      business: 'shop',
      id: 'acme:shop',
      isolation: 'shared',
      masterName: null,
      sentinels: null,
      deny: [],
      maxClients: null,
      scripts: true,
      metrics: false,
    });
    expect(shop!.users[0]!.name).toBe('shop');
    expect(shop!.users[0]!.digest.equals(sha256('pw1'))).toBe(true);
    expect(ads).toMatchObject({ id: 'acme:ads', isolation: 'dedicated', masterName: 'ads', deny: ['flushall', 'config'], maxClients: 500 });
    expect(ads!.users[0]!.digest.equals(sha256('secret'))).toBe(true);
  });

  test('no password is kept in clear', () => {
    const { tenants } = parseTenants(EXAMPLE);
    expect(JSON.stringify(tenants)).not.toContain('pw1');
    for (const user of tenants.flatMap((t) => t.users)) expect(Object.keys(user).sort()).toEqual(['digest', 'name']);
  });

  test('isolation defaults to shared; every optional field', () => {
    const { tenants } = parseTenants({
      tenants: [
        tenant(),
        tenant({ business: 'x', isolation: 'dedicated', masterName: 'm', sentinels: ['10.0.0.1:26379', '[::1]:26380'], scripts: false, metrics: true, maxClients: null }, [{ name: 'v', password: 'p' }]),
      ],
    });
    expect(tenants[0]!.isolation).toBe('shared');
    expect(tenants[1]).toMatchObject({
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      scripts: false,
      metrics: true,
      maxClients: null,
    });
  });

  test('the top level', () => {
    expect(problems(null)).toEqual(['(top level): expected an object {"tenants": [...]}, got null']);
    expect(problems([])).toEqual(['(top level): expected an object {"tenants": [...]}, got an array']);
    expect(problems({})).toEqual(['tenants: missing: expected an array of tenants']);
    expect(problems({ tenants: {} })).toEqual(['tenants: expected an array of tenants, got an object']);
    expect(problems({ tenants: [] })).toEqual(['tenants: expected at least one tenant']);
    expect(problems({ tenants: [tenant()], tenant: 1 })).toEqual(["tenant: unknown key (did you mean 'tenants'?)"]);
    expect(problems({ tenants: ['x'] })).toEqual(["tenants[0]: expected an object, got 'x'"]);
  });

  test('one line per mistake, each with its path', () => {
    const lines = problems({
      tenants: [
        tenant({ owner: 'ac me', maxClient: 3 }),
        {
          owner: 'acme',
          business: 'ads',
          users: [{ name: 'ads', passwordSha256: 'abc' }, { name: 'two words', password: '' }, { name: 'x' }, 'y'],
          isolation: 'isolated',
          deny: ['FLUSHAL', 7, 'auth', 'config|set', 'a|b|c'],
          maxClients: 0,
          scripts: 'no',
        },
      ],
    });
    expect(lines).toEqual([
      "tenants[0].maxClient: unknown key (did you mean 'maxClients'?)",
      "tenants[0].owner: expected an id matching [A-Za-z0-9_.-]{1,64}, got 'ac me'",
      'tenants[1].users[0].passwordSha256: expected 64 hex digits, got a string of 3 characters',
      "tenants[1].users[1].name: expected 1 to 128 printable characters without spaces, got 'two words'",
      'tenants[1].users[1].password: expected a non-empty string, got a string of 0 characters',
      'tenants[1].users[2]: missing: give "password" or "passwordSha256"',
      `tenants[1].users[3]: expected an object {"name": ..., "password": ...}, got 'y'`,
      `tenants[1].isolation: expected "shared" or "dedicated", got 'isolated'`,
      "tenants[1].deny[0]: 'FLUSHAL' is not a command name (did you mean 'flushall'?)",
      'tenants[1].deny[1]: expected a command name, got 7',
      "tenants[1].deny[2]: 'auth' cannot be denied: every client needs it to connect",
      "tenants[1].deny[4]: expected COMMAND or COMMAND|SUBCOMMAND, got 'a|b|c'",
      'tenants[1].maxClients: expected a whole number from 1 to 1000000 (or null for no limit), got 0',
      "tenants[1].scripts: expected true or false, got 'no'",
    ]);
  });

  test('the source prefixes every line', () => {
    expect(problems({ tenants: [tenant({ owner: 1 })] }, { source: 'tenants.json' })).toEqual([
      'tenants.json: tenants[0].owner: expected an id matching [A-Za-z0-9_.-]{1,64}, got 1',
    ]);
  });

  test('ids: missing, too long, allowed characters', () => {
    expect(problems({ tenants: [{ users: [{ name: 'u', password: 'p' }] }] })).toEqual([
      'tenants[0].owner: missing: expected an id matching [A-Za-z0-9_.-]{1,64}',
      'tenants[0].business: missing: expected an id matching [A-Za-z0-9_.-]{1,64}',
    ]);
    expect(problems({ tenants: [tenant({ business: 'x'.repeat(65) })] })[0]).toMatch(/^tenants\[0\]\.business: expected an id/);
    expect(parseTenants({ tenants: [tenant({ owner: 'A-z_0.9', business: 'x'.repeat(64) })] }).tenants[0]!.id).toBe(`A-z_0.9:${'x'.repeat(64)}`);
  });

  test('users: required, both password kinds, listed twice', () => {
    expect(problems({ tenants: [{ owner: 'o', business: 'b' }] })).toEqual(['tenants[0].users: missing: expected an array of users']);
    expect(problems({ tenants: [tenant({}, [])] })).toEqual(['tenants[0].users: expected at least one user']);
    expect(problems({ tenants: [tenant({}, [{ name: 'u', password: 'p', passwordSha256: HASH }])] })).toEqual([
      'tenants[0].users[0]: give either "password" or "passwordSha256", not both',
    ]);
    expect(problems({ tenants: [tenant({}, [{ name: 'u', password: 'p', passwd: 'x' }])] })).toEqual([
      "tenants[0].users[0].passwd: unknown key (did you mean 'password'?)",
    ]);
    expect(problems({ tenants: [tenant({}, [{ name: 'u', password: 'p' }, { name: 'u', password: 'q' }])] })).toEqual([
      "tenants[0].users[1].name: user 'u' is listed twice",
    ]);
    // Upper-case hex is a digest too.
    const upper = parseTenants({ tenants: [tenant({}, [{ name: 'u', passwordSha256: HASH.toUpperCase() }])] });
    expect(upper.tenants[0]!.users[0]!.digest.equals(sha256('secret'))).toBe(true);
  });

  test('tenant ids and user names are unique across the file', () => {
    expect(
      problems({
        tenants: [tenant(), tenant({}, [{ name: 'w', password: 'p' }]), tenant({ business: 'c' }, [{ name: 'u', password: 'p' }])],
      }),
    ).toEqual(["tenants[1]: tenant o:b is already defined at tenants[0]", "tenants[2].users[0].name: user 'u' already belongs to tenants[0] (o:b)"]);
  });

  test('dedicated tenants: masterName required, their own group, sentinels', () => {
    expect(problems({ tenants: [tenant({ isolation: 'dedicated' })] })).toEqual([
      'tenants[0].masterName: missing: a dedicated tenant names the Sentinel master of its own group',
    ]);
    expect(problems({ tenants: [tenant({ masterName: 'm' })] })).toEqual([
      'tenants[0].masterName: only a dedicated tenant has a group of its own: set "isolation": "dedicated"',
    ]);
    expect(problems({ tenants: [tenant({ sentinels: ['h:1'] })] })).toEqual([
      'tenants[0].sentinels: only a dedicated tenant has sentinels of its own: set "isolation": "dedicated"',
    ]);
    expect(problems({ tenants: [tenant({ isolation: 'dedicated', masterName: 'm', sentinels: ['h', 'h:0', 5] })] })).toEqual([
      "tenants[0].sentinels[0]: expected \"HOST:PORT\", got 'h'",
      "tenants[0].sentinels[1]: expected \"HOST:PORT\", got 'h:0'",
      'tenants[0].sentinels[2]: expected "HOST:PORT", got 5',
    ]);
    expect(problems({ tenants: [tenant({ isolation: 'dedicated', masterName: 'm', sentinels: [] })] })).toEqual([
      'tenants[0].sentinels: expected a non-empty array of "HOST:PORT", got an array',
    ]);
    expect(problems({ tenants: [tenant({ isolation: 'dedicated', masterName: 'has space' })] })[0]).toMatch(/^tenants\[0\]\.masterName: expected a Sentinel master name/);
  });

  test('two dedicated tenants cannot share a group; another sentinel set is another group', () => {
    const a = tenant({ isolation: 'dedicated', masterName: 'm' });
    const b = tenant({ business: 'c', isolation: 'dedicated', masterName: 'm' }, [{ name: 'v', password: 'p' }]);
    expect(problems({ tenants: [a, b] })).toEqual(["tenants[1].masterName: 'm' is already the group of tenants[0] (o:b); dedicated tenants need a group each"]);
    const elsewhere = { ...b, sentinels: ['10.1.1.1:26379'] };
    expect(parseTenants({ tenants: [a, elsewhere] }).tenants).toHaveLength(2);
    // The same sentinels in another order are the same group.
    const c = tenant({ isolation: 'dedicated', masterName: 'n', sentinels: ['a:1', 'b:2'] });
    const d = tenant({ business: 'd', isolation: 'dedicated', masterName: 'n', sentinels: ['b:2', 'a:1'] }, [{ name: 'v', password: 'p' }]);
    expect(problems({ tenants: [c, d] })).toHaveLength(1);
  });

  test('a dedicated tenant may not name the shared group', () => {
    const sharedGroup = { masterName: 'mymaster', sentinels: [{ host: '127.0.0.1', port: 26379 }] };
    expect(problems({ tenants: [tenant({ isolation: 'dedicated', masterName: 'mymaster' })] }, { sharedGroup })).toEqual([
      "tenants[0].masterName: 'mymaster' is the group shared tenants use; a dedicated tenant needs a group of its own",
    ]);
    expect(problems({ tenants: [tenant({ isolation: 'dedicated', masterName: 'mymaster', sentinels: ['127.0.0.1:26379'] })] }, { sharedGroup })).toHaveLength(1);
    // Another sentinel set, or another name, is fine.
    expect(parseTenants({ tenants: [tenant({ isolation: 'dedicated', masterName: 'mymaster', sentinels: ['10.0.0.1:26379'] })] }, { sharedGroup }).tenants).toHaveLength(1);
    expect(parseTenants({ tenants: [tenant({ isolation: 'dedicated', masterName: 'other' })] }, { sharedGroup }).tenants).toHaveLength(1);
    // A standalone proxy has no sentinels to lend.
    expect(problems({ tenants: [tenant({ isolation: 'dedicated', masterName: 'other' })] }, { sharedGroup: { masterName: 'mymaster', sentinels: [] } })).toEqual([
      'tenants[0].sentinels: the proxy runs against a standalone --upstream: give this dedicated tenant its sentinels',
    ]);
  });

  test('deny lists: normalised, de-duplicated, subcommands and sumavlib commands', () => {
    const { tenants } = parseTenants({ tenants: [tenant({ deny: ['FLUSHALL', 'flushall', 'CONFIG|SET', 'sumavlib.suma_vip_kill', 'Keys'] })] });
    expect(tenants[0]!.deny).toEqual(['flushall', 'config|set', 'sumavlib.suma_vip_kill', 'keys']);
    expect(problems({ tenants: [tenant({ deny: 'FLUSHALL' })] })).toEqual(["tenants[0].deny: expected an array of command names, got 'FLUSHALL'"]);
    expect(problems({ tenants: [tenant({ deny: ['mymodule.cmd'] })] })).toEqual(["tenants[0].deny[0]: 'mymodule.cmd' is not a command name"]);
    expect(parseTenants({ tenants: [tenant({ deny: ['mymodule.cmd'] })] }, { extraCommands: ['MYMODULE.CMD'] }).tenants[0]!.deny).toEqual(['mymodule.cmd']);
  });

  test('commandNameProblem', () => {
    expect(commandNameProblem('GET')).toBeNull();
    expect(commandNameProblem('client|kill')).toBeNull();
    expect(commandNameProblem('sumavlib.suma_leader')).toBeNull();
    expect(commandNameProblem('sumavlib.x|y')).toBe("'sumavlib.x|y': sumavlib commands have no subcommands");
    expect(commandNameProblem('client|')).toBe("expected COMMAND or COMMAND|SUBCOMMAND, got 'client|'");
    expect(commandNameProblem('client|k ill')).toBe("'client|k ill': 'k ill' is not a subcommand name");
    expect(commandNameProblem('HELLO')).toBe("'HELLO' cannot be denied: every client needs it to connect");
    expect(commandNameProblem('xyzzy')).toBe("'xyzzy' is not a command name");
  });

  test('JSON text and files', () => {
    expect(parseTenantsText(JSON.stringify(EXAMPLE)).tenants).toHaveLength(2);
    expect(() => parseTenantsText('{', { source: 't.json' })).toThrow(/^t\.json: not valid JSON \(/);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'suma-tenants-'));
    try {
      const file = path.join(dir, 'tenants.json');
      writeFileSync(file, JSON.stringify({ tenants: [tenant({ owner: '' })] }));
      expect(() => loadTenantsFile(file)).toThrow(`${file}: tenants[0].owner: expected an id matching [A-Za-z0-9_.-]{1,64}, got ''`);
      writeFileSync(file, JSON.stringify(EXAMPLE));
      expect(loadTenantsFile(file).tenants.map((t) => t.id)).toEqual(['acme:shop', 'acme:ads']);
      expect(() => loadTenantsFile(path.join(dir, 'missing.json'), { source: 'missing.json' })).toThrow('missing.json: cannot read the file: ENOENT');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('diffTenants', () => {
  const load = (doc: unknown): TenantsConfig => parseTenants(doc);

  test('first load: everything is added', () => {
    const diff = diffTenants(null, load(EXAMPLE));
    expect(diff.added.map((t) => t.id)).toEqual(['acme:shop', 'acme:ads']);
    expect(diff.removed).toEqual([]);
    expect(diff.changed).toEqual([]);
    expect(diff.unchanged).toEqual([]);
  });

  test('the same file again changes nothing; order does not matter', () => {
    const reversed = { tenants: [...EXAMPLE.tenants].reverse() };
    const diff = diffTenants(load(EXAMPLE), load(reversed));
    expect(diff.unchanged.map((t) => t.id).sort()).toEqual(['acme:ads', 'acme:shop']);
    expect([...diff.added, ...diff.removed, ...diff.changed]).toEqual([]);
  });

  test('added, removed, changed with the fields that differ', () => {
    const before = load({
      tenants: [
        tenant({ business: 'a', deny: ['keys', 'config'] }, [{ name: 'a1', password: 'p' }, { name: 'a2', password: 'p' }]),
        tenant({ business: 'b' }, [{ name: 'b1', password: 'p' }]),
        tenant({ business: 'c', isolation: 'dedicated', masterName: 'c' }, [{ name: 'c1', password: 'p' }]),
        tenant({ business: 'd' }, [{ name: 'd1', password: 'p' }]),
      ],
    });
    const after = load({
      tenants: [
        // a: a2 moved to d, password of a1 changed, deny reordered (not a change), limit added
        tenant({ business: 'a', deny: ['config', 'keys'], maxClients: 10 }, [{ name: 'a1', password: 'new' }]),
        // c: now shared
        tenant({ business: 'c' }, [{ name: 'c1', password: 'p' }]),
        tenant({ business: 'd' }, [{ name: 'd1', password: 'p' }, { name: 'a2', password: 'p' }]),
        tenant({ business: 'e' }, [{ name: 'e1', password: 'p' }]),
      ],
    });
    const diff = diffTenants(before, after);
    expect(diff.added.map((t) => t.id)).toEqual(['o:e']);
    expect(diff.removed.map((t) => t.id)).toEqual(['o:b']);
    expect(diff.unchanged).toEqual([]);
    const changes = Object.fromEntries(diff.changed.map((c) => [c.after.id, { fields: c.fields, reconnect: c.reconnect, removedUsers: c.removedUsers }]));
    expect(changes).toEqual({
      'o:a': { fields: ['users', 'maxClients'], reconnect: false, removedUsers: ['a2'] },
      'o:c': { fields: ['isolation', 'masterName'], reconnect: true, removedUsers: [] },
      'o:d': { fields: ['users'], reconnect: false, removedUsers: [] },
    });
  });

  test('sentinels: same set in another order is unchanged; another set reconnects', () => {
    const at = (sentinels: string[]): TenantsConfig => load({ tenants: [tenant({ isolation: 'dedicated', masterName: 'm', sentinels })] });
    expect(diffTenants(at(['a:1', 'b:2']), at(['b:2', 'a:1'])).unchanged).toHaveLength(1);
    const changed = diffTenants(at(['a:1']), at(['a:2'])).changed;
    expect(changed.map((c) => [c.fields, c.reconnect])).toEqual([[['sentinels'], true]]);
  });
});
