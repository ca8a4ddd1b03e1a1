import type {
  Detector,
  ModerationAction,
  ModerationRule,
  PolicyGroup,
} from '../../client-sdk/src/protocol/index.js';
import { normalize } from './normalize.js';
import { detectLanguages, groupOf, type LoadedPolicy } from './policy.js';
import { mask, TermMatcher, type TermMatch } from './terms.js';

/** Actions from mildest to strictest: a group's strictest matching rule decides for it. */
export const ACTION_RANK: Readonly<Record<ModerationAction, number>> = {
  allow: 0,
  mask: 1,
  hide: 2,
  hold: 3,
  shadow: 4,
  block: 5,
};

/** One group's decision on a message: the rule that decided and why. */
export interface GroupVerdict {
  group: string;
  action: ModerationAction;
  rule: string;
  detector: Detector;
  /** What it found, for the statement of reasons (terms, a link's host, a count). */
  found: string;
  /** `mask`: the text as this group sees it. */
  masked?: string;
}

/** Who wrote a message, as moderation needs to know them. */
export interface Sender {
  region: string | null;
  language: string | null;
  /** How old the account is (null: the token does not say). */
  accountAgeMs: number | null;
}

/** What a message's language is, and where that came from. */
export interface MessageLanguage {
  lang: string | null;
  source: 'token' | 'detected' | 'unknown';
}

/** A policy ready to screen messages: every group's terms in one automaton. */
export class CompiledPolicy {
  readonly version: string;
  private readonly matcher: TermMatcher;
  /** Each term's rules: where a match counts. */
  private readonly termRules = new Map<string, { group: PolicyGroup; rule: TermsRule }[]>();
  private readonly groups = new Map<string, string>();
  /** By identity object too: a connection's identity is asked about with every message. */
  private readonly byViewer = new WeakMap<object, string>();

  constructor(readonly loaded: LoadedPolicy) {
    this.version = loaded.version;
    for (const group of loaded.policy.groups)
      for (const rule of group.rules)
        if (rule.kind === 'terms')
          for (const term of rule.terms)
            this.termRules.set(term, [...(this.termRules.get(term) ?? []), { group, rule }]);
    this.matcher = new TermMatcher([...this.termRules.keys()]);
    this.detectLanguages = detectLanguages(loaded);
    this.classifiedGroups = loaded.policy.groups
      .filter((g) => g.classifier !== undefined)
      .map((g) => g.id);
  }

  /** The policy group (audience partition) of a viewer (remembered per region and language). */
  groupOf(viewer: { region: string | null; language: string | null }): string {
    const known = this.byViewer.get(viewer);
    if (known !== undefined) return known;
    const key = `${viewer.region ?? ''}|${viewer.language ?? ''}`;
    let group = this.groups.get(key);
    if (group === undefined) {
      group = groupOf(this.loaded, viewer).id;
      // tokens carry few distinct pairs; a flood of made-up ones cannot grow this forever
      if (this.groups.size >= 10_000) this.groups.clear();
      this.groups.set(key, group);
    }
    this.byViewer.set(viewer, group);
    return group;
  }

  get groupIds(): string[] {
    return this.loaded.policy.groups.map((g) => g.id);
  }

  /** The languages detection may answer for a message whose token has no `lang`. */
  readonly detectLanguages: readonly string[];
  /** The groups with a classifier. */
  readonly classifiedGroups: readonly string[];

  /** Distinct reports that remove a message. */
  get reportsToHide(): number | undefined {
    return this.loaded.policy.reports?.hideAt;
  }

  /** The regions a group is for (empty: any). */
  regionsOf(group: string): string[] {
    return [...(this.loaded.groups.get(group)?.match.regions ?? [])];
  }

  /**
   * Every group's verdict on a message (groups that allow it are left out). Pure and synchronous:
   * the terms, links, mentions and account-age rules; the classifier, when a group has one, runs
   * after this (see the room's chat).
   */
  screen(
    text: string,
    sender: Sender,
    language: MessageLanguage | (() => MessageLanguage),
  ): GroupVerdict[] {
    const termHits = this.termHits(
      text,
      typeof language === 'function' ? language : () => language,
    );
    const verdicts: GroupVerdict[] = [];
    const facts = factsOf(text);
    for (const group of this.loaded.policy.groups) {
      let best: GroupVerdict | undefined;
      const maskMatches: TermMatch[] = [];
      for (const rule of group.rules) {
        const hit = ruleHit(rule, facts, sender, termHits.get(rule));
        if (!hit) continue;
        if (rule.action === 'mask') maskMatches.push(...(termHits.get(rule) ?? []));
        if (!best || ACTION_RANK[rule.action] > ACTION_RANK[best.action])
          best = { group: group.id, action: rule.action, rule: rule.id, ...hit };
      }
      if (!best || best.action === 'allow') continue;
      if (best.action === 'mask')
        best.masked = mask(
          text,
          maskMatches.sort((a, b) => a.start - b.start || b.end - a.end),
        );
      verdicts.push(best);
    }
    return verdicts;
  }

  /**
   * The terms rules a message's terms trigger, with the matches: lists for its language (or any).
   * The language is asked for only when a list for one language matched (detection costs more
   * than matching, and most messages match nothing).
   */
  private termHits(
    text: string,
    language: () => MessageLanguage,
  ): Map<ModerationRule, TermMatch[]> {
    const hits = new Map<ModerationRule, TermMatch[]>();
    if (this.termRules.size === 0) return hits;
    for (const match of this.matcher.find(text, normalize(text)))
      for (const { rule } of this.termRules.get(match.term) ?? []) {
        // a list for one language applies to messages in it (unknown language: to be safe, all)
        if (rule.lang !== undefined) {
          const { lang } = language();
          if (lang !== null && rule.lang !== lang) continue;
        }
        const list = hits.get(rule);
        if (list) list.push(match);
        else hits.set(rule, [match]);
      }
    return hits;
  }
}

type TermsRule = Extract<ModerationRule, { kind: 'terms' }>;

/** What the links and mentions rules look at, found once per message (when a rule asks). */
interface Facts {
  readonly hosts: string[];
  readonly mentions: number;
}

function factsOf(text: string): Facts {
  let hosts: string[] | undefined;
  let mentions: number | undefined;
  return {
    get hosts() {
      return (hosts ??= linkHosts(text));
    },
    get mentions() {
      return (mentions ??= MAY_MENTION.test(text) ? (text.match(MENTION)?.length ?? 0) : 0);
    },
  };
}

/** Whether one rule matches, and what it found; null when it does not. */
function ruleHit(
  rule: ModerationRule,
  facts: Facts,
  sender: Sender,
  terms: TermMatch[] | undefined,
): { detector: Detector; found: string } | null {
  switch (rule.kind) {
    case 'terms':
      return terms
        ? { detector: 'terms', found: [...new Set(terms.map((t) => t.term))].join(', ') }
        : null;
    case 'links': {
      const off = facts.hosts.find((host) => !rule.allow.some((a) => withinHost(host, a)));
      return off === undefined ? null : { detector: 'links', found: off };
    }
    case 'mentions': {
      const count = facts.mentions;
      return count > rule.max ? { detector: 'mentions', found: `${count} mentions` } : null;
    }
    case 'account-age':
      // a token that does not say how old the account is is not taken for a new one
      return sender.accountAgeMs !== null && sender.accountAgeMs < rule.minSeconds * 1000
        ? {
            detector: 'account-age',
            found: `account ${Math.floor(sender.accountAgeMs / 1000)} s old`,
          }
        : null;
  }
}

const MENTION = /(?:^|[^\p{L}\p{N}_])@[\p{L}\p{N}_][\p{L}\p{N}_.-]*/gu;
/**
 * A link: a URL with a scheme, or a bare host ending in a common top-level domain (so "node.js"
 * or "e.g." are not links, "shop.example.com/x" and "bit.ly/x" are).
 */
const LINK =
  /\b(?:[a-z][a-z0-9+.-]*:\/\/([^\s/?#:@]+)|((?:[\p{L}\p{N}-]+\.)+(?:com|net|org|io|co|cn|shop|store|app|xyz|top|me|info|biz|ly|gg|tv|link|site|online|ru|uk|de|jp|es|fr|cc|vip|club|live))(?=$|[\s/?#:.,!)]))/giu;

/** What every link has: a dot (any width) or a scheme. Most chat has neither. */
const MAY_LINK = /[.。．｡]|:\/\//;
const MAY_MENTION = /[@＠]/;

/** The hosts a message links to, lower case (full-width dots and letters folded first). */
export function linkHosts(text: string): string[] {
  if (!MAY_LINK.test(text)) return [];
  const folded = text
    .normalize('NFKC')
    .replace(/[。．｡]/g, '.')
    .toLowerCase();
  const hosts: string[] = [];
  for (const m of folded.matchAll(LINK)) {
    const host = (m[1] ?? m[2] ?? '').replace(/\.$/, '');
    if (host) hosts.push(host);
  }
  return hosts;
}

/** True when `host` is `allowed` or one of its subdomains. */
const withinHost = (host: string, allowed: string): boolean =>
  host === allowed || host.endsWith(`.${allowed}`);
