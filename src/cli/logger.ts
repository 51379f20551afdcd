// The process logger: pino JSON lines on stderr, so stdout stays free for what a command prints.

import pino, { type Logger } from 'pino';

/** Field names that may hold a secret, wherever they appear in a log line. */
const SECRET_FIELDS = [
  'password',
  'pass',
  'passwd',
  'requirepass',
  'masterauth',
  'authPass',
  'secret',
  'token',
  'sentinelPassword',
  'upstreamPassword',
  'clientPassword',
];

/** pino's redaction needs explicit paths: each name at the top and in nested objects. */
const REDACT_PATHS = SECRET_FIELDS.flatMap((name) => [name, `*.${name}`, `*.*.${name}`]);

export function createLogger(level: string): Logger {
  return pino(
    { level, base: { name: 'suma-redis' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    // Synchronous, so the last lines are written even when the process exits right after.
    pino.destination({ fd: 2, sync: true }),
  );
}
