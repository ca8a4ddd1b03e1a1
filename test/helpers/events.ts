/** Anything with socket.io-style or SDK-style `on`/`off`. */
interface Source {
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
}

/** Resolves with the first `event` whose payload passes `accept`; rejects after `timeoutMs`. */
export function nextEvent<T = unknown>(
  source: Source,
  event: string,
  accept: (payload: T) => boolean = () => true,
  timeoutMs = 5000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      source.off(event, listener);
      reject(new Error(`no "${event}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: T) => {
      if (!accept(payload)) return;
      clearTimeout(timer);
      source.off(event, listener);
      resolve(payload);
    };
    source.on(event, listener as (...args: never[]) => void);
  });
}

/** Collects every `event` payload from now on. */
export function collect<T = unknown>(source: Source, event: string): T[] {
  const items: T[] = [];
  source.on(event, ((payload: T) => items.push(payload)) as (...args: never[]) => void);
  return items;
}

/** Resolves once `condition()` holds, re-checking whenever `event` fires on `source`. */
export function until<T = unknown>(source: Source, event: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  if (condition()) return Promise.resolve();
  return nextEvent<T>(source, event, () => condition(), timeoutMs).then(() => undefined);
}

/**
 * Resolves once `condition()` holds, checking on every turn of the event loop (never on a timer),
 * for state that changes without an event a client can see; rejects after `timeoutMs`.
 */
export function eventually(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (condition()) resolve();
      else if (Date.now() > deadline) reject(new Error(`condition not met within ${timeoutMs} ms`));
      else setImmediate(check);
    };
    check();
  });
}
