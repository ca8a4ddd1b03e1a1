import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { PolicyEntry, PolicyStore } from '../../rooms/index.js';
import { loadPolicy, type LoadedPolicy, type PolicyLoad } from '../../rooms/moderation/policy.js';

/** Where a policy came from: this node's file, the HTTP API, or another node (via the store). */
export type PolicyOrigin = 'file' | 'api' | 'store';

export type PolicyListener = (loaded: LoadedPolicy, origin: PolicyOrigin) => void;

export interface PolicySourceOptions {
  /** The cluster's policy, shared by every node. */
  store: PolicyStore;
  /** The policy file to load at start and watch (an absolute path); null: none. */
  file: string | null;
  logger: Logger;
  /** How long file events are gathered before the file is read again. */
  debounceMs?: number;
}

/** The policy file cannot be used at start: unreadable, or not a valid policy (every problem). */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';

  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`Invalid moderation policy ${file}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * This node's moderation policy: null until one is set (no moderation), then the last good one.
 * A policy is set from the file (`MODERATION_POLICY`, at start and whenever it changes), the API
 * (`PUT /v1/moderation/policy`) or another node; a good one from this node is put in the store so
 * every node applies it, a bad one is refused with every problem and the current one kept.
 *
 * When the file and the API both set one, the latest change wins: an API put replaces the file's
 * policy on every node, and a later change of the file's content re-applies the file (to every
 * node). At start the store's policy, when there is one, wins over the file (the cluster keeps
 * what it was last given; the file only seeds an empty store), but the file is still checked: a
 * bad file stops the start. A file saved unchanged re-applies nothing; {@link reloadFile} (on
 * SIGHUP) re-applies it anyway.
 */
export class PolicySource {
  private active: { loaded: LoadedPolicy; text: string; origin: PolicyOrigin } | null = null;
  private readonly listeners = new Set<PolicyListener>();
  /** Puts of this node under way: their echo from the store is applied as their own origin. */
  private readonly puts = new Set<{ text: string; origin: PolicyOrigin; heard: boolean }>();
  private fileText: string | null = null;
  private watcher: FSWatcher | undefined;
  private debounce: ReturnType<typeof setTimeout> | undefined;
  private reloading: Promise<unknown> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  private started = false;
  private closed = false;
  private readonly logger: Logger;

  constructor(private readonly options: PolicySourceOptions) {
    this.logger = options.logger;
  }

  /** The policy in force on this node; null: none (no moderation). */
  current(): LoadedPolicy | null {
    return this.active?.loaded ?? null;
  }

  /** The current policy's text (as it was given) and version, and where it came from. */
  entry(): (PolicyEntry & { origin: PolicyOrigin }) | null {
    const { active } = this;
    return active && { text: active.text, version: active.loaded.version, origin: active.origin };
  }

  /** Calls `listener` with each new policy in force on this node; returns its removal. */
  onChange(listener: PolicyListener): () => void {
    const own: PolicyListener = (loaded, origin) => listener(loaded, origin);
    this.listeners.add(own);
    return () => {
      this.listeners.delete(own);
    };
  }

  /**
   * Checks a policy and, when it is good, applies it here at once and (unless it came from the
   * store) puts it in the store for every node. A bad one is refused with every problem, logged
   * as a warning, and the current one stays. An API put the store cannot take is refused (its
   * retryable error is thrown); a file's is applied here anyway, with a warning.
   */
  async apply(text: string, origin: PolicyOrigin): Promise<PolicyLoad> {
    const load = loadPolicy(text, sha256);
    if (!load.ok) {
      this.logger.warn(
        { origin, problems: load.problems, ...this.fileField(origin) },
        'moderation policy refused; the current one stays',
      );
      return load;
    }
    if (origin === 'store') {
      this.use(load.loaded, text, origin);
      return load;
    }
    const put = { text, origin, heard: false };
    this.puts.add(put);
    try {
      await this.options.store.put(text, load.loaded.version);
    } catch (err) {
      if (origin === 'api') throw err;
      this.logger.warn(
        { err, version: load.loaded.version },
        'moderation policy: the store is unreachable; applied on this node only',
      );
    } finally {
      this.puts.delete(put);
    }
    // once its echo came back, the store's order (that of its deliveries) is what holds here
    if (!put.heard) this.use(load.loaded, text, origin);
    return load;
  }

  /**
   * Loads the policy: the store's when it holds one, else the file's (put in the store); then
   * follows the store and watches the file. Rejects with a {@link PolicyError} for a bad file.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { file } = this.options;
    if (file !== null) {
      this.fileText = await readFile(file, 'utf8').catch((error: unknown) => {
        throw new PolicyError(file, [`cannot be read: ${(error as Error).message}`]);
      });
      const load = loadPolicy(this.fileText, sha256);
      if (!load.ok) throw new PolicyError(file, load.problems);
    }
    // subscribed before reading, so a put in between is not missed
    this.unsubscribe = await this.options.store.subscribe(this.fromStore);
    let stored: PolicyEntry | null = null;
    try {
      stored = await this.options.store.get();
    } catch (err) {
      this.logger.warn({ err }, 'moderation policy: the store is unreachable; using the file');
    }
    const fromStore = stored !== null && this.fromStore(stored);
    if (fromStore && this.fileText !== null && stored?.text !== this.fileText)
      this.logger.info(
        { file, version: stored?.version },
        "moderation policy: the cluster's policy is in force, not the file's (change the file to apply it)",
      );
    if (!fromStore && this.fileText !== null) await this.apply(this.fileText, 'file');
    if (file !== null && !this.closed) this.watch(file);
    if (!this.active) this.logger.info('moderation: no policy (messages are not moderated)');
  }

  /** Reads the file and applies it, even unchanged (null: no file, or it cannot be read). */
  reloadFile(): Promise<PolicyLoad | null> {
    return this.readFile(true);
  }

  /** Stops watching and following. Safe to call twice. */
  close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.debounce);
    this.watcher?.close();
    this.watcher = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.listeners.clear();
    return Promise.resolve();
  }

  /** A policy from the store: applied when it loads here. */
  private readonly fromStore = (entry: PolicyEntry): boolean => {
    if (this.closed) return false;
    const own = [...this.puts].find((p) => !p.heard && p.text === entry.text);
    if (own) own.heard = true;
    const load = loadPolicy(entry.text, sha256);
    if (!load.ok) {
      // another node took it: a server of another version, or a store written by hand
      this.logger.error(
        { version: entry.version, problems: load.problems },
        "moderation policy: the cluster's policy does not load on this node; the current one stays",
      );
      return false;
    }
    this.use(load.loaded, entry.text, own?.origin ?? 'store');
    return true;
  };

  private use(loaded: LoadedPolicy, text: string, origin: PolicyOrigin): void {
    if (this.closed || this.active?.text === text) return;
    this.active = { loaded, text, origin };
    this.logger.info(
      { version: loaded.version, origin, ...this.fileField(origin) },
      'moderation policy in force',
    );
    for (const listener of [...this.listeners]) {
      try {
        listener(loaded, origin);
      } catch (err) {
        this.logger.error({ err }, 'moderation policy: a listener failed');
      }
    }
  }

  /**
   * Watches the file's folder, not the file: editors that save by replacing the file, and
   * Kubernetes' ConfigMaps (a symlink swapped in the folder), change the folder's entries.
   */
  private watch(file: string): void {
    const reread = () => {
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => void this.readFile(false), this.options.debounceMs ?? 100);
    };
    try {
      this.watcher = watch(dirname(file), { persistent: false }, reread);
      this.watcher.on('error', (err) =>
        this.logger.warn({ err, file }, 'moderation policy: the file is no longer watched'),
      );
    } catch (err) {
      this.logger.warn({ err, file }, 'moderation policy: the file cannot be watched');
    }
  }

  /** Reads the file and applies it when its content changed (or `force`); one read at a time. */
  private readFile(force: boolean): Promise<PolicyLoad | null> {
    const { file } = this.options;
    if (file === null) return Promise.resolve(null);
    const reading = this.reloading.then(async () => {
      if (this.closed) return null;
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        // between an editor's removal and its new file, or removed: the current policy stays
        this.logger.warn({ err, file }, 'moderation policy: the file cannot be read');
        return null;
      }
      if (!force && text === this.fileText) return null;
      this.fileText = text;
      return this.apply(text, 'file');
    });
    this.reloading = reading.catch(() => undefined);
    return reading;
  }

  private fileField(origin: PolicyOrigin): { file?: string } {
    return origin === 'file' && this.options.file !== null ? { file: this.options.file } : {};
  }
}
