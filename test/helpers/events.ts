/** The `on`/`off` every event source here has (socket.io sockets, the SDK client). */
interface Loose {
  on(event: string, listener: (payload: unknown) => void): unknown;
  off(event: string, listener: (payload: unknown) => void): unknown;
}

/** Any socket.io socket or SDK client; typed per event by each helper's `T`. */
type Source = object;
const loose = (source: Source) => source as Loose;

/** Resolves with the first `event` whose payload passes `accept`; rejects after `timeoutMs`. */
export function nextEvent<T = unknown>(
  source: Source,
  event: string,
  accept: (payload: T) => boolean = () => true,
  timeoutMs = 5000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      loose(source).off(event, listener);
      reject(new Error(`no "${event}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: unknown) => {
      if (!accept(payload as T)) return;
      clearTimeout(timer);
      loose(source).off(event, listener);
      resolve(payload as T);
    };
    loose(source).on(event, listener);
  });
}

/** Collects every `event` payload from now on. */
export function collect<T = unknown>(source: Source, event: string): T[] {
  const items: T[] = [];
  loose(source).on(event, (payload) => items.push(payload as T));
  return items;
}

/** Resolves once `condition()` holds, re-checking whenever `event` fires on `source`. */
export function until(
  source: Source,
  event: string,
  condition: () => boolean,
  timeoutMs = 5000,
): Promise<void> {
  if (condition()) return Promise.resolve();
  return nextEvent(source, event, () => condition(), timeoutMs).then(() => undefined);
}

/** How often {@link eventually} and {@link eventuallyAsync} look again: short, yet idle between looks. */
const POLL_MS = 10;

/**
 * Resolves once `condition()` holds, for state that changes without an event a client can see;
 * it looks again every few milliseconds on a timer (spinning on `setImmediate` would take the CPU
 * from the server under test). Rejects after `timeoutMs`, a deadline only there to fail clearly.
 */
export function eventually(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (condition()) resolve();
      else if (Date.now() > deadline) reject(new Error(`condition not met within ${timeoutMs} ms`));
      else setTimeout(check, POLL_MS);
    };
    check();
  });
}

/** As {@link eventually}, for a condition that needs a round trip (a Redis read, an HTTP call). */
export async function eventuallyAsync(
  condition: () => Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
