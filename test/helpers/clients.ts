// The ioredis clients a test file opens, closed together when it ends.

import Redis from 'ioredis';

export interface ClientPool {
  /** A client of `port` (errors are the test's to observe through replies, not events). */
  connect(port: number): Redis;
  /** Adds clients made elsewhere, so they are closed too. */
  track(...clients: Redis[]): void;
  closeAll(): void;
}

export function clientPool(): ClientPool {
  const clients: Redis[] = [];
  return {
    connect(port) {
      const client = new Redis({ port, maxRetriesPerRequest: 1 });
      client.on('error', () => {});
      clients.push(client);
      return client;
    },
    track: (...more) => void clients.push(...more),
    closeAll: () => clients.splice(0).forEach((c) => c.disconnect()),
  };
}
