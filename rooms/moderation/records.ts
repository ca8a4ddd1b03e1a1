import type { DecisionAction, DecisionRecord } from '../../client-sdk/src/protocol/index.js';
import type { CompiledPolicy, GroupVerdict, MessageLanguage } from './screen.js';

/** Where a record's id and time come from (the room). */
interface Ids {
  newId(): string;
  now(): number;
}

/**
 * The statement of reasons of one audience's verdict on a message. Another audience's hold,
 * shadow or block withholds the message from that audience only: it is recorded as `hide` there,
 * with the rule's own action in the reason.
 */
export function verdictRecord(
  ids: Ids,
  policy: CompiledPolicy,
  context: Omit<DecisionRecord, 'id' | 'at' | 'action' | 'detector'>,
  v: GroupVerdict,
  senderGroup: string,
): DecisionRecord {
  const regions = policy.regionsOf(v.group);
  const own = v.group === senderGroup;
  // another audience's hold, shadow or block withholds the message from that audience only
  const action = own || v.action === 'mask' ? v.action : 'hide';
  const reason =
    `rule "${v.rule}" (${v.action}) of group "${v.group}" found ${v.found}` +
    (own || action === v.action ? '' : `: withheld from "${v.group}"`);
  return {
    ...context,
    id: ids.newId(),
    at: ids.now(),
    group: v.group,
    groupRegions: regions,
    action,
    detector: v.detector,
    rule: v.rule,
    reason,
  };
}

/** A statement of reasons from its parts, with a new id and the time. */
export function recordOf(
  ids: Ids,
  base: Pick<DecisionRecord, 'roomId' | 'userId' | 'userRegion'> & { messageId?: string },
  action: DecisionAction,
  detector: DecisionRecord['detector'],
  extra: Partial<DecisionRecord>,
  seq?: number,
): DecisionRecord {
  return {
    ...base,
    ...extra,
    ...(seq === undefined ? {} : { seq }),
    id: ids.newId(),
    at: ids.now(),
    action,
    detector,
  };
}

/** What every statement of reasons about one screened message says. */
export const contextOf = (
  base: Pick<DecisionRecord, 'roomId' | 'messageId' | 'userId' | 'userRegion'>,
  policy: CompiledPolicy,
  language: MessageLanguage,
) => ({ ...base, policy: policy.version, lang: language.lang, langSource: language.source });
