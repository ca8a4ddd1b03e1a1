/**
 * Preloaded into a benchmarked server (`node --import`) when LAG_PROBE_FILE is set: every second
 * it appends the event loop's delay over that second to the file (`epoch-ms p99-ms max-ms`), the
 * same measure for our server and for the baselines, taken inside the process.
 */
import { openSync, writeSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.LAG_PROBE_FILE;
if (file) {
  // opened once: a server at its open-file limit must still be able to write here
  const fd = openSync(file, 'a');
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  setInterval(() => {
    const ms = (ns: number) => (ns / 1e6).toFixed(1);
    writeSync(fd, `${Date.now()} ${ms(delay.percentile(99))} ${ms(delay.max)}\n`);
    delay.reset();
  }, 1000).unref();
}
