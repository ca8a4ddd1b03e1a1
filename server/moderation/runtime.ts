import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Trust } from '../../client-sdk/src/protocol/index.js';
import type { GroupVerdict, ModerationHooks } from '../../rooms/index.js';
import { CompiledPolicy, type LoadedPolicy } from '../../rooms/index.js';
import type { Metrics } from '../metrics.js';
import { Classifier } from './classifier.js';

/** eld's detector (the small model: see BENCHMARKS.md, "Language detection on short chat"). */
type Eld = (typeof import('eld/small'))['eld'];

/** Scripts that name their language outright (Han does not: Chinese and Japanese share it). */
const SCRIPT_LANGS: readonly [RegExp, string][] = [
  [/[\p{Script=Hiragana}\p{Script=Katakana}]/u, 'ja'],
  [/\p{Script=Hangul}/u, 'ko'],
  [/\p{Script=Thai}/u, 'th'],
];

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * This node's moderation: the policy in force compiled for screening, its groups' classifiers,
 * and language detection (eld, loaded the first time a policy needs it). Rooms reach it through
 * {@link ModerationHooks}; the policy source sets what is in force.
 */
export class ModerationRuntime implements ModerationHooks {
  private compiled: CompiledPolicy | null = null;
  private classifiers = new Map<string, Classifier>();
  private eld: Eld | undefined;
  private loadingEld: Promise<void> | undefined;
  /** Detectors restricted to a set of languages, by that set. */
  private readonly subsets = new Map<string, Eld>();
  private readonly listeners = new Set<(policy: CompiledPolicy | null) => void>();

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly metrics?: Pick<Metrics, 'moderationDecisions' | 'classifierCalls'>,
    private readonly fetcher: typeof fetch = fetch,
  ) {}

  noted(outcome: 'published' | 'restricted' | 'held' | 'blocked'): void {
    this.metrics?.moderationDecisions.inc({ outcome });
  }

  policy(): CompiledPolicy | null {
    return this.compiled;
  }

  /**
   * Puts a checked policy in force (null: none). Its classifiers are built anew (a classifier
   * naming a key variable that is not set is a problem: thrown, and the old policy kept).
   */
  async set(loaded: LoadedPolicy | null): Promise<void> {
    if (!loaded) {
      this.compiled = null;
      this.classifiers = new Map();
    } else {
      const classifiers = new Map<string, Classifier>();
      for (const group of loaded.policy.groups)
        if (group.classifier)
          classifiers.set(
            group.id,
            new Classifier(group.classifier, { now: this.now, sha256, fetch: this.fetcher }),
          );
      const compiled = new CompiledPolicy(loaded);
      if (compiled.detectLanguages.length > 0) await this.loadEld();
      this.compiled = compiled;
      this.classifiers = classifiers;
    }
    for (const listener of this.listeners) listener(this.compiled);
  }

  /** Called after each change of the policy in force. */
  onChange(listener: (policy: CompiledPolicy | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  detect(text: string, langs: readonly string[]): string | null {
    if (langs.length === 0) return null;
    // a script only one language writes settles it: kana is Japanese, hangul Korean
    for (const [script, lang] of SCRIPT_LANGS)
      if (langs.includes(lang) && script.test(text)) return lang;
    const eld = this.eld;
    if (!eld) return null;
    const key = langs.join(',');
    let subset = this.subsets.get(key);
    if (!subset) {
      subset = eld.newInstance();
      subset.setLanguageSubset([...langs]);
      this.subsets.set(key, subset);
    }
    const found = subset.detect(text);
    return found.language && langs.includes(found.language) ? found.language : null;
  }

  async classify(
    policy: CompiledPolicy,
    group: string,
    text: string,
    trust: Trust,
  ): Promise<GroupVerdict | null> {
    // a verdict for a policy no longer in force is not asked for
    const classifier = policy === this.compiled ? this.classifiers.get(group) : undefined;
    if (!classifier) return null;
    const verdict = await classifier.classify(text, trust);
    this.metrics?.classifierCalls.inc({
      group,
      outcome: verdict.outcome === 'failed' ? (verdict.failure ?? 'error') : verdict.outcome,
    });
    if (verdict.action === 'allow') return null;
    const found =
      verdict.outcome === 'failed'
        ? `the classifier unavailable (${verdict.failure ?? 'error'}) for a sender trusted "${trust}"`
        : `${verdict.category ?? 'a category'} scored ${verdict.score ?? '?'}`;
    return {
      group,
      action: verdict.action,
      rule:
        verdict.outcome === 'failed'
          ? 'classifier-unavailable'
          : `classifier:${verdict.category ?? ''}`,
      detector: 'classifier',
      found,
    };
  }

  private loadEld(): Promise<void> {
    this.loadingEld ??= import('eld/small').then(
      ({ eld }) => {
        this.eld = eld;
      },
      (error: unknown) => {
        this.loadingEld = undefined;
        this.logger.error({ err: error }, 'moderation: language detection did not load');
      },
    );
    return this.loadingEld;
  }
}
