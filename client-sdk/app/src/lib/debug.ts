/**
 * What a page tells its tests (and a curious developer) through `window.liveshop`: where it
 * stands, the last error's code, and the SDK objects it holds.
 */
export interface PageDebug {
  status: string;
  error: string | null;
  [key: string]: unknown;
}

export function debugState(): PageDebug {
  const w = window as unknown as { liveshop?: PageDebug };
  w.liveshop ??= { status: 'loading', error: null };
  return w.liveshop;
}
