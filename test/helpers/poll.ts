// Tests wait for states by polling with a deadline, never by sleeping a fixed time.

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  message: string;
}

/**
 * Resolves with the first truthy value of fn(); throws with the last failure at the deadline.
 * An attempt still pending at the deadline counts as a failure, so a hung check cannot outlast it.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, { timeoutMs, intervalMs = 50, message }: WaitOptions): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = 'no attempt finished';
  for (;;) {
    try {
      const value = await beforeDeadline(fn, deadline);
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : String(last);
      throw new Error(`${message} (after ${timeoutMs} ms; last: ${detail})`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

async function beforeDeadline<T>(fn: () => T | Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('still pending at the deadline')), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([Promise.resolve().then(fn), late]);
  } finally {
    clearTimeout(timer);
  }
}
