import type { TargetName } from './targets.js';

type Values = Record<string, string>;

/** One benchmark scenario as `npm run bench` runs it. */
export interface BenchSpec<R extends { target: TargetName }> {
  /** CLI options and their defaults. */
  options: Values;
  targets: TargetName[];
  /** Key of its BENCHMARKS.md section (one per distinct configuration). */
  key(o: Values): string;
  title(o: Values): string;
  method(o: Values): string;
  run(target: TargetName, o: Values, cpus: { serverCpu?: number; loadCpu?: number }): Promise<R>;
  /** One line per run, for the console and the per-run table. */
  line(r: R): string;
  /** Summary columns, computed over the runs of one target. */
  columns: [string, (runs: R[], all: R[]) => string][];
  /** The targets, each checked against the medians. */
  verdicts(all: R[]): string[];
  /** Another spec the options call for (same options: another comparison); none: this one. */
  variant?(o: Values): BenchSpec<R> | undefined;
}
