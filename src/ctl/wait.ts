// Waiting for a group to reach a state: poll with a deadline, report the last reason at the end.

/** Polls `check` until it returns null (done) or the deadline passes; a string is the reason it is not done yet. */
export async function waitUntil(timeoutMs: number, intervalMs: number, check: () => Promise<string | null>): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let pending: string | null;
    try {
      pending = await check();
    } catch (err) {
      pending = (err as Error).message;
    }
    if (pending === null) return null;
    if (Date.now() >= deadline) return pending;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
