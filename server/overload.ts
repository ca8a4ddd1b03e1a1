import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { takeTokens, type BucketState } from '../rooms/index.js';

/**
 * What overload gives up, cheapest to lose first (DESIGN.md, "Overload"). Control and commerce
 * events, and the acks of claims and checkouts, are never on this list.
 */
export const SHED_ORDER = ['reactions', 'viewer_counts', 'chat', 'replays', 'joins'] as const;
export type ShedStep = (typeof SHED_ORDER)[number];

/** When the node counts as overloaded, and what it does then. */
export interface OverloadLimits {
  /** False: never shed (the signals are still measured and exported). */
  enabled: boolean;
  sampleMs: number;
  /** Event-loop delay (the p99 of a sample) at which the node is overloaded. */
  lagMs: number;
  /** Share of one core this process uses (the event loop is one thread) at which it is overloaded. */
  cpu: number;
  /** Share of sockets over their send-buffer limit (their feed paused) at which it is overloaded. */
  slowSockets: number;
  /** Calm (every signal under {@link RELEASE_AT} of its limit) needed before a step is released. */
  releaseMs: number;
  /** Chat messages a room sends per tick while chat is shed. */
  chatBudgetPerTick: number;
  /** Most events a resume replays while replays are shed (beyond: a fresh snapshot). */
  replayLimit: number;
  /**
   * New connections, and as many new joins, a second still let in while joins are shed (0: none),
   * so a node that stays overloaded does not shut newcomers out for as long as it lasts.
   */
  admitPerSecond: number;
}

/** One look at the node. */
export interface LoadSample {
  lagMs: number;
  cpu: number;
  slowSockets: number;
}

/** Under this share of every limit the node is calm; between it and the limit, steps are held. */
export const RELEASE_AT = 0.7;

/** Told of every step engaged or released, with the sample that decided it. */
export type ShedListener = (step: ShedStep, engaged: boolean, sample: LoadSample) => void;

/**
 * The shedding level, with hysteresis: each overloaded sample engages the next step (one per
 * sample, cheapest first), a calm spell of `releaseMs` releases the last one engaged (one per
 * spell, in reverse), and anything in between holds the level where it is.
 */
export class Overload {
  private level = 0;
  private calmSince: number | null = null;
  private last: LoadSample = { lagMs: 0, cpu: 0, slowSockets: 0 };

  constructor(
    private readonly limits: OverloadLimits,
    private readonly changed: ShedListener,
  ) {}

  /** Steps engaged now (0 to 5). */
  get engaged(): number {
    return this.level;
  }

  /** The last sample observed. */
  get sample(): LoadSample {
    return this.last;
  }

  sheds(step: ShedStep): boolean {
    return SHED_ORDER.indexOf(step) < this.level;
  }

  /**
   * How far over (≥ 1) or under its limits the sample is: the worst of its signals. A busy core
   * alone is not overload (a node serving well at full CPU must not shed): CPU counts once the
   * event loop lags by half its limit.
   */
  pressure(sample: LoadSample): number {
    const { lagMs, cpu, slowSockets } = this.limits;
    const lag = sample.lagMs / lagMs;
    return Math.max(lag, lag >= 0.5 ? sample.cpu / cpu : 0, sample.slowSockets / slowSockets);
  }

  observe(sample: LoadSample, now: number): void {
    this.last = sample;
    if (!this.limits.enabled) return;
    const pressure = this.pressure(sample);
    if (pressure >= 1) {
      this.calmSince = null;
      if (this.level < SHED_ORDER.length) this.change(this.level, true, sample);
      return;
    }
    if (pressure >= RELEASE_AT || this.level === 0) {
      this.calmSince = null;
      return;
    }
    this.calmSince ??= now;
    if (now - this.calmSince < this.limits.releaseMs) return;
    this.calmSince = now;
    this.change(this.level - 1, false, sample);
  }

  private change(index: number, engaged: boolean, sample: LoadSample): void {
    const step = SHED_ORDER[index];
    if (!step) return;
    this.level = engaged ? index + 1 : index;
    this.changed(step, engaged, sample);
  }
}

/** Measures the node every `sampleMs` and feeds the samples to an {@link Overload}. */
export class OverloadMonitor {
  private timer: NodeJS.Timeout | undefined;
  private histogram: IntervalHistogram | undefined;
  private cpuAt = process.cpuUsage();
  private at = performance.now();

  constructor(
    readonly overload: Overload,
    private readonly sampleMs: number,
    /** Share of sockets whose feed is paused for backpressure. */
    private readonly slowSockets: () => number,
    private readonly now: () => number,
    private readonly sampled: (sample: LoadSample) => void = () => {},
  ) {}

  start(): void {
    if (this.timer) return;
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
    this.cpuAt = process.cpuUsage();
    this.at = performance.now();
    this.timer = setInterval(() => {
      const sample = this.measure();
      this.sampled(sample);
      this.overload.observe(sample, this.now());
    }, this.sampleMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.histogram?.disable();
    this.histogram = undefined;
  }

  private measure(): LoadSample {
    const histogram = this.histogram;
    // nanoseconds; the timer's own resolution (10 ms) is taken off, so an idle loop reads ~0
    const lagMs = histogram ? Math.max(0, histogram.percentile(99) / 1e6 - 10) : 0;
    histogram?.reset();
    const cpu = process.cpuUsage(this.cpuAt);
    const at = performance.now();
    const share = (cpu.user + cpu.system) / 1000 / Math.max(1, at - this.at);
    this.cpuAt = process.cpuUsage();
    this.at = at;
    return { lagMs, cpu: share, slowSockets: this.slowSockets() };
  }
}

/** The window over which a trickle's refusals are counted to spread their waits. */
const SPREAD_WINDOW_MS = 1000;

/**
 * What is still let in while joins are shed: a token bucket of `perSecond` (one second's worth of
 * burst). The refused are told to come back spread over as long as the trickle needs to let in
 * everyone refused in the last second (and at least the release spell), so they do not return
 * together.
 */
export class Trickle {
  private bucket: BucketState | undefined;
  private window = { since: 0, refused: 0 };

  constructor(
    private readonly perSecond: number,
    /** The least wait (a sample: shedding cannot end sooner), and the spread beyond it. */
    private readonly baseMs: number,
    private readonly spreadMs: number,
    private readonly now: () => number,
    private readonly random: () => number = Math.random,
  ) {}

  /** True: one more is let in (its token taken). */
  take(): boolean {
    if (this.perSecond <= 0) return false;
    const rule = {
      capacity: Math.max(1, Math.ceil(this.perSecond)),
      refillPerSecond: this.perSecond,
    };
    const taken = takeTokens(this.bucket, rule, 1, this.now());
    if (!taken.decision.allowed) return false;
    this.bucket = taken.state;
    return true;
  }

  /** The wait for one refused now. */
  retryAfterMs(): number {
    const now = this.now();
    if (now - this.window.since >= SPREAD_WINDOW_MS) this.window = { since: now, refused: 0 };
    this.window.refused += 1;
    const needed = this.perSecond > 0 ? (this.window.refused * 1000) / this.perSecond : 0;
    return Math.ceil(this.baseMs + this.random() * Math.max(this.spreadMs, needed));
  }
}
