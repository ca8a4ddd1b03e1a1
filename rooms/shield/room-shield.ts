import type { ShieldSettings, ShieldState } from '../../client-sdk/src/protocol/index.js';
import type { RoomScope } from '../core/scope.js';
import { assertRole, isStaff, roleIn, type Identity } from '../model/identity.js';
import { isRestricted } from '../moderation/stamp.js';
import { shieldGate, shieldOff, shieldOn, type ShieldGate } from './decisions.js';
import type { AutoShieldRule } from './rule.js';

/** Signals under this share of their thresholds count as calm. */
const CALM_AT = 0.5;
/** Fewer recent messages than this say nothing about the flagged share. */
const FLAGGED_MIN_MESSAGES = 20;

interface Signals {
  joinsPerSecond: number;
  chatPerSecond: number;
  flaggedShare: number;
  backlog: number;
}

/**
 * Shield mode: a host's or moderator's one switch that applies a preset (slow mode, newcomers
 * read-only or held, links refused, strict moderation) and puts the room's settings back as they
 * were when switched off; and the automatic shield, which switches it on when joins, chat, the
 * flagged share or the review backlog surge, and off again once calm. Every switch says why.
 */
export class RoomShield {
  private counts: { at: number; count: number }[] = [];
  private calmSince: number | null = null;
  private evaluating = false;

  constructor(
    private readonly room: RoomScope,
    private readonly auto: AutoShieldRule | null,
  ) {}

  get state(): ShieldState | null {
    return this.room.state.shield;
  }

  /** Switches shield mode on (with a preset) or off. Hosts and moderators. */
  async set(
    identity: Identity,
    on: boolean,
    settings: ShieldSettings,
    reason?: string,
  ): Promise<{ seq: number; shield: ShieldState | null }> {
    assertRole(identity, this.room, 'moderator', 'switch shield mode');
    const { room } = this;
    const why = reason ?? `switched ${on ? 'on' : 'off'} by ${identity.name}`;
    const { seq } = await room.control((s) =>
      on
        ? shieldOn(s, room.id, { by: identity.id, reason: why, settings, now: room.now() })
        : shieldOff(s, room.id, why),
    );
    return { seq, shield: room.state.shield };
  }

  /** What the shield makes of a message (null: no shield, or the sender is staff); may throw SHIELDED. */
  gate(identity: Identity, text: string, group: string): ShieldGate | null {
    const shield = this.state;
    if (!shield || isStaff(roleIn(identity, this.room))) return null;
    const now = this.room.now();
    const created = identity.accountCreatedAt;
    return shieldGate(
      shield,
      {
        accountAgeMs: created === null || created === undefined ? null : Math.max(0, now - created),
        arrivedAt: this.room.arrivedAt(identity.id),
      },
      text,
      group,
    );
  }

  /** The automatic shield's look at the room (every node with members runs it about once a second). */
  async evaluate(now: number): Promise<void> {
    const rule = this.auto;
    if (!rule || this.evaluating || this.room.state.stream.state === 'ended') return;
    this.evaluating = true;
    try {
      const signals = await this.signals(rule, now);
      const over = describe(signals, rule, 1);
      const { room } = this;
      if (over.length > 0) {
        this.calmSince = null;
        if (!this.state)
          await room.control((s) =>
            shieldOn(s, room.id, {
              by: 'auto',
              reason: `automatic: ${over.join('; ')}`,
              settings: rule.settings,
              now,
            }),
          );
        return;
      }
      if (this.state?.by !== 'auto' || describe(signals, rule, CALM_AT).length > 0) {
        this.calmSince = null;
        return;
      }
      this.calmSince ??= now;
      if (now - this.calmSince < rule.releaseMs) return;
      this.calmSince = null;
      const calm = `automatic: calm for ${Math.round(rule.releaseMs / 1000)} s (${summary(signals)})`;
      await room.control((s) => shieldOff(s, room.id, calm, true));
    } finally {
      this.evaluating = false;
    }
  }

  private async signals(rule: AutoShieldRule, now: number): Promise<Signals> {
    const { room } = this;
    const since = now - rule.windowMs;
    let messages = 0;
    let flagged = 0;
    for (const message of room.state.recent.values()) {
      if (message.ts < since) continue;
      messages += 1;
      if (isRestricted(message)) flagged += 1;
    }
    const [count, held] = await Promise.all([
      room.engine.presence.count(room.id),
      room.engine.moderation.held(room.id),
    ]);
    this.counts.push({ at: now, count });
    while (this.counts.length > 1 && (this.counts[1]?.at ?? now) <= since) this.counts.shift();
    const first = this.counts[0];
    const elapsedS = first ? (now - first.at) / 1000 : 0;
    return {
      joinsPerSecond: first && elapsedS > 0 ? Math.max(0, count - first.count) / elapsedS : 0,
      chatPerSecond: messages / (rule.windowMs / 1000),
      flaggedShare: messages >= FLAGGED_MIN_MESSAGES ? flagged / messages : 0,
      backlog: held.length,
    };
  }
}

/** The signals at or over `share` of their thresholds, in words. */
function describe(signals: Signals, rule: AutoShieldRule, share: number): string[] {
  const over: string[] = [];
  if (signals.joinsPerSecond >= rule.joinsPerSecond * share)
    over.push(
      `joins surging (${Math.round(signals.joinsPerSecond)}/s, limit ${rule.joinsPerSecond}/s)`,
    );
  if (signals.chatPerSecond >= rule.chatPerSecond * share)
    over.push(
      `chat surging (${Math.round(signals.chatPerSecond)} messages/s, limit ${rule.chatPerSecond}/s)`,
    );
  if (signals.flaggedShare >= rule.flaggedShare * share)
    over.push(
      `${Math.round(signals.flaggedShare * 100)}% of recent messages flagged (limit ${Math.round(rule.flaggedShare * 100)}%)`,
    );
  if (signals.backlog >= rule.backlog * share)
    over.push(`${signals.backlog} messages waiting for review (limit ${rule.backlog})`);
  return over;
}

const summary = (s: Signals) =>
  `joins ${Math.round(s.joinsPerSecond)}/s, chat ${Math.round(s.chatPerSecond)}/s, ` +
  `flagged ${Math.round(s.flaggedShare * 100)}%, ${s.backlog} waiting for review`;
