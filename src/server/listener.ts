// The RESP listener: accepts clients, tracks them, and closes the ones that stop reading.

import net from 'node:net';
import type { ProxyContext } from './context.js';
import { ClientConnection } from './client.js';

export class Listener {
  private readonly server: net.Server;
  private readonly clients = new Set<ClientConnection>();
  private readonly stallTimer: NodeJS.Timeout;

  constructor(private readonly ctx: ProxyContext) {
    this.server = net.createServer({ noDelay: true }, (socket) => {
      ctx.stats.connectionsReceived++;
      this.clients.add(new ClientConnection(socket, ctx));
    });
    this.server.on('error', (err) => ctx.logger.error({ err }, 'listener error'));
    this.stallTimer = setInterval(() => this.checkStalls(), 1000);
    this.stallTimer.unref();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  forget(client: ClientConnection): void {
    this.clients.delete(client);
  }

  listen(port: number, host: string): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as net.AddressInfo);
      });
    });
  }

  /**
   * Stops accepting, lets every client get the replies it is owed (see ClientConnection.drain),
   * and closes whatever is left when `graceMs` runs out.
   */
  async close(graceMs: number): Promise<void> {
    clearInterval(this.stallTimer);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const client of this.clients) client.drain();
    const deadline = setTimeout(() => {
      for (const client of this.clients) client.close();
    }, graceMs);
    await closed;
    clearTimeout(deadline);
  }

  private checkStalls(): void {
    const now = Date.now();
    const timeout = this.ctx.config.clientStallTimeoutMs;
    for (const client of this.clients) client.checkStall(now, timeout);
  }
}
