// The tenants a process serves, at run time: who binds to which tenant at AUTH, how many
// connections each has (maxClients), its access rules, its namespace (shared tenants) and its
// upstream (dedicated tenants: opened on first use, shared by all its clients, closed when idle).
// A reload keeps the object of every tenant that did not change, so its clients never notice.

import { tenant as makeTenant, type Tenant } from '../state/keys.js';
import { AccessRules, accessKey } from './access.js';
import { UserDirectory } from './auth.js';
import { Namespace } from './namespace.js';
import { diffTenants, type TenantSpec, type TenantsConfig, type TenantsDiff } from './tenants-file.js';

/** How a dedicated tenant's upstream is opened and closed (the data path's Upstream, in practice). */
export interface UpstreamHooks<U> {
  open(spec: TenantSpec): U;
  close(upstream: U): void;
}

export interface RegistryOptions<U> {
  hooks: UpstreamHooks<U>;
  /** A dedicated tenant's upstream closes after this long without clients; 0 keeps it open. */
  idleCloseMs?: number;
  /** Other key prefixes of a shared tenant that FLUSHDB/FLUSHALL also empty (its sumavlib state). */
  alsoFlush?: (t: Tenant) => string[];
}

export class TenantHandle<U> {
  /** Connections bound to the tenant now. */
  clients = 0;
  /** No longer served (removed, or replaced by a reload that changed its isolation): bind nothing new. */
  retired = false;
  upstream: U | null = null;
  idleTimer: NodeJS.Timeout | null = null;
  private ns: Namespace | null = null;

  constructor(
    public spec: TenantSpec,
    readonly tenant: Tenant,
    public access: AccessRules,
    private readonly alsoFlush: ((t: Tenant) => string[]) | undefined,
  ) {}

  get id(): string {
    return this.spec.id;
  }

  get shared(): boolean {
    return this.spec.isolation === 'shared';
  }

  /** The key and channel namespace of a shared tenant (built on first use); null when dedicated. */
  get namespace(): Namespace | null {
    if (!this.shared) return null;
    return (this.ns ??= Namespace.of(this.tenant, this.alsoFlush?.(this.tenant) ?? []));
  }

  /** The tenant's label on /metrics, or null when it is counted with the unlabelled ones. */
  get metricsLabel(): string | null {
    return this.spec.metrics ? this.spec.id : null;
  }
}

export interface ReloadResult<U> {
  readonly diff: TenantsDiff;
  /** Users whose connections must end: deleted, or moved to another tenant. */
  readonly closeUsers: readonly string[];
  /** Tenants whose every connection must end: removed, or changed isolation or upstream group. */
  readonly closeTenants: readonly TenantHandle<U>[];
}

export class TenantRegistry<U> {
  private handles = new Map<string, TenantHandle<U>>();
  private directory: UserDirectory;
  private config: TenantsConfig;
  private accessRules = new Map<string, AccessRules>();

  constructor(
    config: TenantsConfig,
    private readonly options: RegistryOptions<U>,
  ) {
    this.config = config;
    this.directory = new UserDirectory(config.tenants);
    for (const spec of config.tenants) this.handles.set(spec.id, this.handleFor(spec));
  }

  get size(): number {
    return this.handles.size;
  }

  get(id: string): TenantHandle<U> | undefined {
    return this.handles.get(id);
  }

  all(): IterableIterator<TenantHandle<U>> {
    return this.handles.values();
  }

  /** Every tenant, for the sumavlib sweeper. */
  tenants(): Tenant[] {
    return [...this.handles.values()].map((h) => h.tenant);
  }

  /** AUTH user password: the tenant the connection binds to, or null (WRONGPASS). */
  authenticate(user: Buffer | string, password: Buffer | string): { handle: TenantHandle<U>; user: string } | null {
    const principal = this.directory.authenticate(user, password);
    if (principal === null) return null;
    const handle = this.handles.get(principal.tenant.id);
    return handle === undefined ? null : { handle, user: principal.user };
  }

  /** Counts a connection in; false when the tenant is at maxClients (or retired). */
  admit(handle: TenantHandle<U>): boolean {
    if (handle.retired) return false;
    const max = handle.spec.maxClients;
    if (max !== null && handle.clients >= max) return false;
    handle.clients++;
    if (handle.idleTimer !== null) {
      clearTimeout(handle.idleTimer);
      handle.idleTimer = null;
    }
    return true;
  }

  /** Counts a connection out; the last one out starts the idle timer of a dedicated upstream. */
  release(handle: TenantHandle<U>): void {
    if (handle.clients > 0) handle.clients--;
    const idle = this.options.idleCloseMs ?? 0;
    if (handle.clients === 0 && handle.upstream !== null && idle > 0 && handle.idleTimer === null) {
      handle.idleTimer = setTimeout(() => {
        handle.idleTimer = null;
        if (handle.clients === 0) this.closeUpstream(handle);
      }, idle);
      handle.idleTimer.unref();
    }
  }

  /** A dedicated tenant's upstream, opened on first use; null for a shared tenant (it uses the proxy's). */
  upstreamOf(handle: TenantHandle<U>): U | null {
    if (handle.shared || handle.retired) return null;
    return (handle.upstream ??= this.options.hooks.open(handle.spec));
  }

  /**
   * Applies a new tenants file. Unchanged tenants keep their object; a change that keeps the
   * isolation and the group (users, deny list, limits) is applied in place; anything else
   * retires the tenant's object, and the caller closes the connections listed.
   */
  reload(next: TenantsConfig): ReloadResult<U> {
    const diff = diffTenants(this.config, next);
    const closeUsers: string[] = [];
    const closeTenants: TenantHandle<U>[] = [];
    const handles = new Map<string, TenantHandle<U>>();
    this.accessRules = new Map();
    for (const spec of diff.unchanged) {
      const handle = this.handles.get(spec.id)!;
      handle.spec = spec;
      handle.access = this.accessFor(spec);
      handles.set(spec.id, handle);
    }
    for (const change of diff.changed) {
      const old = this.handles.get(change.before.id)!;
      closeUsers.push(...change.removedUsers);
      if (change.reconnect) {
        this.retire(old);
        closeTenants.push(old);
        handles.set(change.after.id, this.handleFor(change.after));
      } else {
        old.spec = change.after;
        old.access = this.accessFor(change.after);
        handles.set(old.id, old);
      }
    }
    for (const spec of diff.added) handles.set(spec.id, this.handleFor(spec));
    for (const spec of diff.removed) {
      const old = this.handles.get(spec.id)!;
      this.retire(old);
      closeTenants.push(old);
      closeUsers.push(...spec.users.map((u) => u.name));
    }
    this.handles = handles;
    this.directory = new UserDirectory(next.tenants);
    this.config = next;
    return { diff, closeUsers, closeTenants };
  }

  /** Closes every upstream (shutdown). */
  close(): void {
    for (const handle of this.handles.values()) this.retire(handle);
  }

  private handleFor(spec: TenantSpec): TenantHandle<U> {
    return new TenantHandle<U>(spec, makeTenant(spec.owner, spec.business), this.accessFor(spec), this.options.alsoFlush);
  }

  private accessFor(spec: TenantSpec): AccessRules {
    const key = accessKey(spec.deny, spec.scripts);
    let rules = this.accessRules.get(key);
    if (rules === undefined) {
      rules = new AccessRules(spec.deny, spec.scripts);
      this.accessRules.set(key, rules);
    }
    return rules;
  }

  private retire(handle: TenantHandle<U>): void {
    handle.retired = true;
    this.closeUpstream(handle);
  }

  private closeUpstream(handle: TenantHandle<U>): void {
    if (handle.idleTimer !== null) clearTimeout(handle.idleTimer);
    handle.idleTimer = null;
    const upstream = handle.upstream;
    handle.upstream = null;
    if (upstream !== null) this.options.hooks.close(upstream);
  }
}
