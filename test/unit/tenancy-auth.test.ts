// The user directory: plain and SHA-256 passwords, one answer for a wrong user or password.

import { describe, expect, test } from 'vitest';
import { UserDirectory, passwordDigest, sha256 } from '../../src/tenancy/auth.js';
import { parseTenants } from '../../src/tenancy/tenants-file.js';

const { tenants } = parseTenants({
  tenants: [
    { owner: 'acme', business: 'shop', users: [{ name: 'shop', password: 'pw-shop' }, { name: 'shop-ro', password: 'pw-ro' }] },
    { owner: 'acme', business: 'ads', users: [{ name: 'ads', passwordSha256: sha256('pw-ads').toString('hex') }], isolation: 'dedicated', masterName: 'ads' },
    { owner: 'acme', business: 'bin', users: [{ name: 'bin', password: 'pässwörd' }] },
  ],
});
const directory = new UserDirectory(tenants);

describe('UserDirectory', () => {
  test('a right pair binds to its tenant', () => {
    expect(directory.size).toBe(4);
    expect(directory.authenticate('shop', 'pw-shop')?.tenant.id).toBe('acme:shop');
    expect(directory.authenticate(Buffer.from('shop-ro'), Buffer.from('pw-ro'))).toMatchObject({ user: 'shop-ro', tenant: { id: 'acme:shop' } });
    expect(directory.authenticate('ads', 'pw-ads')?.tenant.id).toBe('acme:ads');
  });

  test('a hashed password is checked against what the client sends in clear', () => {
    expect(directory.authenticate('ads', sha256('pw-ads').toString('hex'))).toBeNull();
  });

  test('passwords are compared as UTF-8 bytes', () => {
    expect(directory.authenticate('bin', Buffer.from('pässwörd', 'utf8'))?.tenant.id).toBe('acme:bin');
    expect(directory.authenticate('bin', Buffer.from('pässwörd', 'latin1'))).toBeNull();
  });

  test('wrong password, wrong user, another user’s password: the same null', () => {
    expect(directory.authenticate('shop', 'pw-ro')).toBeNull();
    expect(directory.authenticate('shop', '')).toBeNull();
    expect(directory.authenticate('nobody', 'pw-shop')).toBeNull();
    expect(directory.authenticate('SHOP', 'pw-shop')).toBeNull();
    expect(directory.authenticate('', '')).toBeNull();
  });

  test('only digests are kept', () => {
    expect(passwordDigest('pw-shop').equals(sha256(Buffer.from('pw-shop')))).toBe(true);
    const entries = [...(directory as unknown as { users: Map<string, { digest: Buffer }> }).users.values()];
    for (const entry of entries) expect(entry.digest).toHaveLength(32);
    expect(JSON.stringify(entries)).not.toContain('pw-shop');
  });

  test('tenantOf', () => {
    expect(directory.tenantOf('ads')?.id).toBe('acme:ads');
    expect(directory.tenantOf('nobody')).toBeUndefined();
  });

  test('a user defined twice is a programming error', () => {
    expect(() => new UserDirectory([tenants[0]!, tenants[0]!])).toThrow("user 'shop' is defined twice");
  });
});
