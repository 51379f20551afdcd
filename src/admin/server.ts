// The admin HTTP listener, on its own port (loopback by default): /metrics for Prometheus,
// /livez while the process runs, /readyz only while a master is reachable.

import http from 'node:http';
import type net from 'node:net';
import type { Logger } from 'pino';

export interface AdminRoutes {
  /** The Prometheus text and its content type. */
  metrics(): Promise<{ contentType: string; body: string }>;
  /** Why the proxy cannot serve now, or null when it can. */
  unready(): string | null;
}

export class AdminServer {
  private readonly server: http.Server;

  constructor(
    private readonly routes: AdminRoutes,
    private readonly log: Logger,
  ) {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    // A scraper keeps its connection; an idle one should not hold the process at shutdown.
    this.server.keepAliveTimeout = 30_000;
    this.server.on('clientError', (_err, socket) => socket.destroy());
  }

  listen(port: number, host: string): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        this.server.on('error', (err) => this.log.error({ err }, 'admin listener error'));
        resolve(this.server.address() as net.AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return this.text(res, 405, 'method not allowed\n');
    }
    switch (path) {
      case '/metrics': {
        try {
          const { contentType, body } = await this.routes.metrics();
          res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
          res.end(req.method === 'HEAD' ? undefined : body);
        } catch (err) {
          this.log.error({ err }, 'metrics collection failed');
          this.text(res, 500, 'metrics collection failed\n');
        }
        return;
      }
      case '/livez':
        return this.text(res, 200, 'ok\n');
      case '/readyz': {
        const why = this.routes.unready();
        return why === null ? this.text(res, 200, 'ready\n') : this.text(res, 503, `not ready: ${why}\n`);
      }
      default:
        return this.text(res, 404, 'not found: try /metrics, /livez or /readyz\n');
    }
  }

  private text(res: http.ServerResponse, status: number, body: string): void {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  }
}
