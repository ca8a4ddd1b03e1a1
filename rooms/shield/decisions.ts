import {
  CodedError,
  type RoomEventInput,
  type ShieldSettings,
  type ShieldState,
} from '../../client-sdk/src/protocol/index.js';
import { linkHosts, type GroupVerdict } from '../moderation/screen.js';
import type { ControlState } from '../model/control.js';

/**
 * Shield mode on, or its settings changed while on: the room's slow mode becomes the preset's
 * (a longer one already set stays), and what it replaced is kept to be put back. A shield already
 * on keeps its start and what it replaced; one the automatic shield put on becomes the switcher's
 * (so it is no longer released by itself). Null: already so.
 */
export function shieldOn(
  s: ControlState,
  roomId: string,
  on: { by: string; reason: string; settings: ShieldSettings; now: number },
): RoomEventInput | null {
  const current = s.shield;
  if (current && (on.by === 'auto' || sameShield(current, on))) return null;
  const previous = current?.previous ?? { slowModeSeconds: s.slowModeSeconds };
  const shield: ShieldState = {
    since: current?.since ?? on.now,
    by: on.by,
    reason: on.reason,
    settings: on.settings,
    previous,
  };
  return {
    type: 'room:shield',
    roomId,
    shield,
    slowModeSeconds: Math.max(previous.slowModeSeconds, on.settings.slowModeSeconds),
    reason: on.reason,
  };
}

const sameShield = (current: ShieldState, on: { by: string; settings: ShieldSettings }) =>
  current.by === on.by && JSON.stringify(current.settings) === JSON.stringify(on.settings);

/**
 * Shield mode off: the settings it replaced come back exactly (slow mode as it was before it went
 * on). `onlyAuto`: the automatic shield releases only a shield it put on. Null: nothing to do.
 */
export function shieldOff(
  s: ControlState,
  roomId: string,
  reason: string,
  onlyAuto = false,
): RoomEventInput | null {
  const { shield } = s;
  if (!shield || (onlyAuto && shield.by !== 'auto')) return null;
  return {
    type: 'room:shield',
    roomId,
    shield: null,
    slowModeSeconds: shield.previous.slowModeSeconds,
    reason,
  };
}

/** Who is writing, as the shield judges them. */
export interface ShieldSender {
  /** The account's age (null: the token does not say). */
  accountAgeMs: number | null;
  /** When the user first came to the room (undefined: not known here). */
  arrivedAt: number | undefined;
}

/** What the shield makes of a message before the policy screens it. */
export type ShieldGate =
  | { kind: 'pass'; strict: boolean }
  | { kind: 'block' | 'hold'; verdict: GroupVerdict; strict: boolean };

/**
 * The shield's rules for one message of a non-staff sender: a newcomer (a young account, or one
 * that first came after the shield went on) is refused (`read-only`, SHIELDED) or held; a link
 * is refused. `strict` asks the caller to hold what the policy would restrict.
 */
export function shieldGate(
  shield: ShieldState,
  sender: ShieldSender,
  text: string,
  group: string,
): ShieldGate {
  const { settings } = shield;
  const young =
    sender.accountAgeMs !== null && sender.accountAgeMs < settings.newAccountMinutes * 60_000;
  const late = sender.arrivedAt === undefined || sender.arrivedAt > shield.since;
  const strict = settings.strict;
  if ((young || late) && settings.newcomers === 'read-only') {
    const wait =
      young && !late && sender.accountAgeMs !== null
        ? settings.newAccountMinutes * 60_000 - sender.accountAgeMs
        : undefined;
    throw new CodedError(
      'SHIELDED',
      late
        ? 'Shield mode is on: people who arrived after it went on can watch and buy, not chat, until it is off'
        : `Shield mode is on: accounts younger than ${settings.newAccountMinutes} minutes can watch and buy, not chat`,
      wait,
    );
  }
  if (settings.blockLinks) {
    const hosts = linkHosts(text);
    if (hosts.length > 0)
      return {
        kind: 'block',
        strict,
        verdict: verdict(group, 'block', 'shield-links', hosts.join(', ')),
      };
  }
  if (young || late)
    return {
      kind: 'hold',
      strict,
      verdict: verdict(
        group,
        'hold',
        'shield-newcomer',
        young
          ? `an account ${Math.floor((sender.accountAgeMs ?? 0) / 60_000)} min old`
          : 'a newcomer',
      ),
    };
  return { kind: 'pass', strict };
}

/** The verdict a strict shield gives a message the policy restricted for some audience. */
export const strictVerdict = (group: string): GroupVerdict =>
  verdict(group, 'hold', 'shield-strict', 'a message the policy restricts');

const verdict = (
  group: string,
  action: 'block' | 'hold',
  rule: string,
  found: string,
): GroupVerdict => ({ group, action, rule, detector: 'shield', found });
