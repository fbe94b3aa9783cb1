/**
 * One event reaches every subscriber at once, and each then wants the same rows. This shares one
 * load among the callers that ask for the same key while it is in flight, so a fan-out to
 * thousands of subscribers costs one query per event rather than one per subscriber.
 */
export function createCoalescer() {
  const inFlight = new Map<string, Promise<unknown>>();
  return function coalesce<T>(key: string, load: () => Promise<T>): Promise<T> {
    const pending = inFlight.get(key);
    if (pending) return pending as Promise<T>;
    const started = load().finally(() => inFlight.delete(key));
    inFlight.set(key, started);
    return started;
  };
}

export type Coalesce = ReturnType<typeof createCoalescer>;
