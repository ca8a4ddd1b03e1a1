import {
  ModerationPolicy,
  type ModerationPolicyInput,
  type PolicyGroup,
} from '../../client-sdk/src/protocol/index.js';

/** A policy that passed every check, with the version its decisions record. */
export interface LoadedPolicy {
  readonly policy: ModerationPolicy;
  readonly version: string;
  /** Groups by id. */
  readonly groups: ReadonlyMap<string, PolicyGroup>;
}

export type PolicyLoad = { ok: true; loaded: LoadedPolicy } | { ok: false; problems: string[] };

/**
 * Checks a policy (parsed JSON, or its text) and returns it ready to use, or every problem found:
 * schema problems by path, then what the schema cannot say (unknown default group, ids used
 * twice, a `mask` on a rule that matches no terms). `hash` names a version the file did not.
 */
export function loadPolicy(input: unknown, hash: (text: string) => string): PolicyLoad {
  let data = input;
  if (typeof input === 'string') {
    try {
      data = JSON.parse(input);
    } catch (error) {
      return { ok: false, problems: [`not valid JSON: ${(error as Error).message}`] };
    }
  }
  const parsed = ModerationPolicy.safeParse(data);
  if (!parsed.success)
    return {
      ok: false,
      problems: parsed.error.issues.map((i) =>
        i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message,
      ),
    };
  const policy = parsed.data;
  const problems: string[] = [];
  const groups = new Map<string, PolicyGroup>();
  for (const [g, group] of policy.groups.entries()) {
    if (groups.has(group.id)) problems.push(`groups.${g}.id: "${group.id}" is used twice`);
    groups.set(group.id, group);
    const rules = new Set<string>();
    for (const [r, rule] of group.rules.entries()) {
      if (rules.has(rule.id))
        problems.push(
          `groups.${g}.rules.${r}.id: "${rule.id}" is used twice in group "${group.id}"`,
        );
      rules.add(rule.id);
      if (rule.action === 'mask' && rule.kind !== 'terms')
        problems.push(`groups.${g}.rules.${r}.action: only a terms rule can mask`);
    }
  }
  if (!groups.has(policy.defaultGroup))
    problems.push(`defaultGroup: no group "${policy.defaultGroup}"`);
  if (problems.length > 0) return { ok: false, problems };
  const version = policy.version ?? `sha256:${hash(canonical(policy)).slice(0, 16)}`;
  return { ok: true, loaded: { policy, version, groups } };
}

/** The policy group of a viewer: the first group whose match fits, else the default group. */
export function groupOf(
  loaded: LoadedPolicy,
  viewer: { region: string | null; language: string | null },
): PolicyGroup {
  const region = viewer.region?.toUpperCase() ?? null;
  const language = viewer.language?.toLowerCase().slice(0, 2) ?? null;
  for (const group of loaded.policy.groups) {
    const { regions, langs } = group.match;
    if (regions && (region === null || !regions.includes(region))) continue;
    if (langs && (language === null || !langs.includes(language))) continue;
    return group;
  }
  const fallback = loaded.groups.get(loaded.policy.defaultGroup);
  if (!fallback) throw new Error('a loaded policy always has its default group');
  return fallback;
}

/** The languages the detector may answer: those the policy names, unless it lists them. */
export function detectLanguages(loaded: LoadedPolicy): string[] {
  const { policy } = loaded;
  if (policy.detectLanguages) return [...policy.detectLanguages];
  const named = new Set<string>();
  for (const group of policy.groups) {
    for (const lang of group.match.langs ?? []) named.add(lang);
    for (const rule of group.rules) if (rule.kind === 'terms' && rule.lang) named.add(rule.lang);
  }
  return [...named].sort();
}

/** JSON with sorted keys: the same policy hashes the same however its file is laid out. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

export type { ModerationPolicyInput };
