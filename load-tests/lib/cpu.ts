/**
 * Helpers for single-process measurements (language detectors, term matchers): work done per
 * CPU-second of this process, and V8's used heap after a full GC (run with `--expose-gc`).
 */

/** V8's used heap, after a full GC when the process has `--expose-gc`. */
export function heapAfterGc(): number {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}

/**
 * Items per CPU-second: calls `round` (which does some work and returns how many items it did)
 * until about `ms` of this process's CPU time has passed.
 */
export function perCpuSecond(round: () => number, ms = 1000): number {
  let done = 0;
  const start = process.cpuUsage();
  let used = 0;
  while (used < ms * 1000) {
    done += round();
    const { user, system } = process.cpuUsage(start);
    used = user + system;
  }
  return done / (used / 1e6);
}

/** {@link perCpuSecond} for work that awaits (each round resolves with how many items it did). */
export async function perCpuSecondAsync(round: () => Promise<number>, ms = 1000): Promise<number> {
  let done = 0;
  const start = process.cpuUsage();
  let used = 0;
  while (used < ms * 1000) {
    done += await round();
    const { user, system } = process.cpuUsage(start);
    used = user + system;
  }
  return done / (used / 1e6);
}
