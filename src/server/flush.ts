// One socket write per socket per event-loop turn: writes are corked as they happen and
// uncorked together once the turn's I/O callbacks are done (setImmediate runs right after them).
// This is what lets many clients' commands reach Redis as one writev, and Redis read them in one go.

export interface Flushable {
  flush(): void;
}

let queue: Flushable[] = [];
let scheduled = false;

function flushAll(): void {
  scheduled = false;
  const batch = queue;
  queue = [];
  for (let i = 0; i < batch.length; i++) batch[i]!.flush();
}

/** Calls target.flush() once at the end of this turn; the caller keeps its own "already queued" flag. */
export function flushAtTurnEnd(target: Flushable): void {
  queue.push(target);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flushAll);
  }
}
