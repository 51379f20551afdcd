// Who a client is: user name -> tenant, checked against SHA-256 digests only. A check costs the
// same whether the user exists or not, and the comparison is constant-time, so neither timing
// nor the reply tells which of the two was wrong (Redis answers one WRONGPASS for both).

import { createHash, timingSafeEqual } from 'node:crypto';
import type { TenantSpec } from './tenants-file.js';

export function sha256(data: Buffer | string): Buffer {
  return createHash('sha256').update(data).digest();
}

/** The digest stored for a password given in clear (UTF-8, as a client would send it). */
export function passwordDigest(password: string | Buffer): Buffer {
  return sha256(typeof password === 'string' ? Buffer.from(password, 'utf8') : password);
}

/** A successful AUTH: the user and the tenant it binds the connection to. */
export interface Principal {
  readonly user: string;
  readonly tenant: TenantSpec;
}

interface Entry {
  readonly digest: Buffer;
  readonly principal: Principal;
}

/** Compared against when the user does not exist, so that path does the same work. */
const NO_USER = sha256('suma-redis: no such user');

export class UserDirectory {
  private readonly users = new Map<string, Entry>();

  /** User names are unique across tenants (the tenants file checks it); a repeat is a bug. */
  constructor(tenants: readonly TenantSpec[]) {
    for (const tenant of tenants) {
      for (const user of tenant.users) {
        if (this.users.has(user.name)) throw new Error(`user '${user.name}' is defined twice`);
        this.users.set(user.name, { digest: user.digest, principal: { user: user.name, tenant } });
      }
    }
  }

  get size(): number {
    return this.users.size;
  }

  /** The user's principal if the password matches, else null. Names compare byte for byte. */
  authenticate(user: Buffer | string, password: Buffer | string): Principal | null {
    const name = typeof user === 'string' ? user : user.toString('latin1');
    const entry = this.users.get(name);
    const given = passwordDigest(password);
    const ok = timingSafeEqual(given, entry?.digest ?? NO_USER);
    return ok && entry !== undefined ? entry.principal : null;
  }

  /** The tenant a user belongs to, without checking a password (reloads, CLIENT KILL USER). */
  tenantOf(user: string): TenantSpec | undefined {
    return this.users.get(user)?.principal.tenant;
  }
}
