// Connections of one ctl run: one per node or sentinel, opened on first use, each query bounded, so
// a stopped peer costs one timeout and is then reported, never waited on forever.

import type { Socket } from 'node:net';
import { Redis } from 'ioredis';
import type { HostPort } from '../config.js';
import { formatAddress } from '../upstream/sentinel.js';
import type { Credentials } from './options.js';

export class Link {
  private readonly client: Redis;
  private connecting: Promise<void> | null = null;
  /** The socket's own error (ECONNREFUSED, WRONGPASS): ioredis fails the query with a vaguer one. */
  private lastError: Error | null = null;

  constructor(
    readonly addr: HostPort,
    auth: Credentials,
    private readonly timeoutMs: number,
  ) {
    this.client = new Redis({
      host: addr.host,
      port: addr.port,
      username: auth.username,
      password: auth.password,
      connectionName: 'suma-redis:ctl',
      lazyConnect: true,
      enableReadyCheck: false,
      enableOfflineQueue: false,
      disableClientInfo: true,
      maxRetriesPerRequest: 0,
      // An administrative command must run once or be reported as failed, never re-sent.
      autoResendUnfulfilledCommands: false,
      retryStrategy: () => null,
      connectTimeout: timeoutMs,
    });
    this.client.on('error', (err: Error) => {
      this.lastError = err;
    });
  }

  get label(): string {
    return formatAddress(this.addr);
  }

  async call(command: string, ...args: (string | number)[]): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no reply within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    this.lastError = null;
    try {
      return await Promise.race([this.ready().then(() => this.client.call(command, ...args.map(String))), deadline]);
    } catch (err) {
      if (!(err instanceof Error) || err.name !== 'ReplyError') this.close();
      throw this.lastError ?? err;
    } finally {
      clearTimeout(timer);
    }
  }

  private ready(): Promise<void> {
    if (this.client.status === 'ready') return Promise.resolve();
    this.connecting ??= this.client.connect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  close(): void {
    this.client.disconnect();
    const stream = this.client.stream as Socket | undefined;
    if (stream && !stream.destroyed) stream.destroy();
  }
}

/** One Link per address and role, closed together at the end of the run. */
export class Links {
  private readonly links = new Map<string, Link>();

  constructor(
    private readonly timeoutMs: number,
    private readonly nodeAuth: Credentials,
    private readonly sentinelAuth: Credentials,
  ) {}

  node(addr: HostPort): Link {
    return this.get('node', addr, this.nodeAuth);
  }

  sentinel(addr: HostPort): Link {
    return this.get('sentinel', addr, this.sentinelAuth);
  }

  /** A link that is not kept: for a proxy, whose credentials are its own. */
  other(addr: HostPort, auth: Credentials): Link {
    return this.get('other', addr, auth);
  }

  /** Drops a link so the next query opens a fresh connection (a node that restarted). */
  forget(link: Link): void {
    link.close();
    for (const [key, l] of this.links) if (l === link) this.links.delete(key);
  }

  closeAll(): void {
    for (const link of this.links.values()) link.close();
    this.links.clear();
  }

  private get(kind: string, addr: HostPort, auth: Credentials): Link {
    const key = `${kind} ${formatAddress(addr)}`;
    let link = this.links.get(key);
    if (!link) {
      link = new Link(addr, auth, this.timeoutMs);
      this.links.set(key, link);
    }
    return link;
  }
}

/** The message of a failed query, one line. */
export function reason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!;
}
