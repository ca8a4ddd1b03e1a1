import type { DecisionRecord } from '../../client-sdk/src/protocol/index.js';
import type { Screened } from '../moderation/room-moderation.js';
import { recordOf } from '../moderation/records.js';
import type { GroupVerdict } from '../moderation/screen.js';
import { strictVerdict, type ShieldGate } from './decisions.js';

/** Where records get their ids and time (the room). */
interface Ids {
  newId(): string;
  now(): number;
}

/**
 * A screened message with the shield's rules on top: its refusal (links) or hold (newcomers)
 * comes before the policy's publish, and a strict shield holds what the policy would restrict for
 * some audience (a shadow ban stays a shadow ban). Each adds its statement of reasons.
 */
export function shielded(
  screened: Screened,
  gate: ShieldGate | null,
  ids: Ids,
  base: Pick<DecisionRecord, 'roomId' | 'userId' | 'userRegion'> & { messageId: string },
  senderGroup: string,
): Screened {
  const { outcome } = screened;
  if (!gate || outcome.kind === 'block') return screened;
  const withRecord = (v: GroupVerdict) => [
    ...screened.records,
    recordOf(ids, base, v.action, 'shield', {
      group: v.group,
      rule: v.rule,
      reason: `shield mode: rule "${v.rule}" found ${v.found}`,
    }),
  ];
  if (gate.kind === 'block')
    return { outcome: { kind: 'block', verdict: gate.verdict }, records: withRecord(gate.verdict) };
  if (outcome.kind === 'hold') return screened;
  const { stamp } = outcome;
  if (gate.kind === 'hold')
    return {
      outcome: { kind: 'hold', verdict: gate.verdict, stamp },
      records: withRecord(gate.verdict),
    };
  const restricted = stamp !== undefined && (stamp.withheld?.length || stamp.masked);
  if (!gate.strict || !restricted) return screened;
  const verdict = strictVerdict(senderGroup);
  return { outcome: { kind: 'hold', verdict, stamp }, records: withRecord(verdict) };
}
