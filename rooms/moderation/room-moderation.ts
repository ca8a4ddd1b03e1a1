import {
  CodedError,
  type DecisionRecord,
  type HeldMessage,
  type Sanction,
  type SanctionKind,
} from '../../client-sdk/src/protocol/index.js';
import type { RoomScope } from '../core/scope.js';
import { assertRole, isStaff, roleIn, type Identity } from '../model/identity.js';
import { GLOBAL_SCOPE, type HeldEntry, type Standing } from '../ports/moderation.js';
import type { UserNotice } from '../ports/broker.js';
import type { ModerationHooks, Trust } from './hooks.js';
import { trustOf } from './hooks.js';
import { banned, sanctionError } from './refusal.js';
import { RoomReports } from './reports.js';
import { contextOf, recordOf, verdictRecord } from './records.js';
import type { CompiledPolicy, GroupVerdict, MessageLanguage } from './screen.js';
import { outcomeOf, type Outcome, type Stamp } from './stamp.js';

/** What a screened message turns into, with the statements of reasons to keep. */
export interface Screened {
  outcome: Outcome;
  records: DecisionRecord[];
}

/**
 * A room's moderation: screens messages against the policy (each audience's verdict, decided once
 * here and stored with the event), enforces sanctions, keeps the review queue and records a
 * statement of reasons for every restriction and every moderator action.
 */
export class RoomModeration {
  /** Viewers' reports and the moderators' list of them. */
  readonly reports: RoomReports;

  constructor(
    private readonly room: RoomScope,
    private readonly hooks: ModerationHooks | undefined,
  ) {
    this.reports = new RoomReports(room, hooks, (records) => this.keep(records));
  }

  /** Tells one user's connections in the room, on every node (through the room's channel). */
  private notify(userId: string, notice: UserNotice): void {
    this.room.engine.broker
      .publish(this.room.id, { kind: 'user', userId, notice })
      .catch((error: unknown) => this.room.failed(error));
  }

  /** The audience partition of a viewer under the policy in force. */
  partitionOf(identity: Pick<Identity, 'region' | 'language'>): string {
    return this.hooks?.policy()?.groupOf(identity) ?? DEFAULT_PARTITION;
  }

  /** The sanctions in force on a user here (none for anonymous viewers, who cannot write). */
  standingOf(identity: Identity): Promise<Standing> {
    if (identity.anonymous) return Promise.resolve({ sanctions: [], reports: 0 });
    return this.room.engine.moderation.standing(this.room.id, identity.id, this.room.now());
  }

  /** Refuses a banned user (on join). */
  async assertMayJoin(identity: Identity): Promise<void> {
    if (identity.anonymous) return;
    const { sanctions } = await this.standingOf(identity);
    const ban = sanctions.find((s) => s.kind === 'ban');
    if (ban) throw banned(ban);
  }

  /** Refuses a banned or timed-out user (bids: a sanction stops more than chat). */
  async assertMayAct(identity: Identity): Promise<void> {
    const refused = sanctionError((await this.standingOf(identity)).sanctions, this.room.now());
    if (refused) throw refused;
  }

  /**
   * Decides what a message becomes: refused for a sanction (BANNED, TIMED_OUT), or an outcome
   * from the policy's verdicts (terms, links, mentions, account age, then classifiers). Staff
   * (hosts and moderators) are not screened.
   */
  async screen(
    identity: Identity,
    messageId: string,
    text: string,
    standing: Standing,
  ): Promise<Screened> {
    const { room } = this;
    const now = room.now();
    const { sanctions } = standing;
    const refused = sanctionError(sanctions, now);
    if (refused) throw refused;
    const shadowBanned = sanctions.some((s) => s.kind === 'shadow');
    const policy = this.hooks?.policy() ?? null;
    if (isStaff(roleIn(identity, room)) || (!policy && !shadowBanned))
      return { outcome: { kind: 'publish', stamp: undefined }, records: [] };
    const base = {
      roomId: room.id,
      messageId,
      userId: identity.id,
      userRegion: identity.region,
    };
    if (!policy) {
      const stamp: Stamp = { policy: 'none', authorOnly: true };
      return {
        outcome: { kind: 'publish', stamp },
        records: [recordOf(this.room, base, 'shadow', 'sanction', { reason: 'shadow ban' })],
      };
    }
    // detected only when needed: a list for one language matched, or a record to write
    let known: MessageLanguage | undefined;
    const language = () => (known ??= this.languageOf(policy, identity, text));
    const sender = {
      region: identity.region,
      language: identity.language,
      accountAgeMs:
        identity.accountCreatedAt == null ? null : Math.max(0, now - identity.accountCreatedAt),
    };
    const verdicts = policy.screen(text, sender, language);
    const senderGroup = policy.groupOf(identity);
    if (policy.classifiedGroups.length > 0)
      await this.classify(policy, verdicts, senderGroup, text, trustOf(identity, now, standing));
    const outcome = outcomeOf(verdicts, senderGroup, policy.version, shadowBanned);
    // one context for the message's records (its language detected only when there are some)
    const context = verdicts.length > 0 ? contextOf(base, policy, language()) : null;
    const records = context
      ? verdicts.map((v) => verdictRecord(this.room, policy, context, v, senderGroup))
      : [];
    if (shadowBanned)
      records.push(recordOf(this.room, base, 'shadow', 'sanction', { reason: 'shadow ban' }));
    return { outcome, records };
  }

  /** Counts an outcome (metrics). */
  noted(outcome: Outcome): void {
    if (!this.hooks?.noted) return;
    if (outcome.kind === 'block') this.hooks.noted('blocked');
    else if (outcome.kind === 'hold') this.hooks.noted('held');
    else this.hooks.noted(outcome.stamp ? 'restricted' : 'published');
  }

  /** Keeps statements of reasons; a published message's carry its seq. */
  keep(records: readonly DecisionRecord[], seq?: number): void {
    if (records.length === 0) return;
    const kept = seq === undefined ? records : records.map((r) => ({ ...r, seq }));
    this.room.engine.moderation.record(kept).catch((error: unknown) => this.room.failed(error));
  }

  /** Holds a message for review (its author is told by the answer to their send). */
  async hold(entry: HeldEntry, screened: Screened): Promise<void> {
    await this.room.engine.moderation.hold(entry);
    this.keep(screened.records);
  }

  async held(identity: Identity): Promise<HeldMessage[]> {
    assertRole(identity, this.room, 'moderator', 'review held messages');
    const entries = await this.room.engine.moderation.held(this.room.id);
    return entries.map(({ stamp: _, ...held }) => held);
  }

  /**
   * Approves (publishes now, with a new seq, as its stamp says) or denies a held message. Exactly
   * one of two moderators deciding at once gets it; the other gets REVIEW_NOT_FOUND.
   */
  async review(
    identity: Identity,
    messageId: string,
    approve: boolean,
    reason: string | undefined,
    publish: (entry: HeldEntry) => Promise<number>,
  ): Promise<{ seq: number | null }> {
    assertRole(identity, this.room, 'moderator', 'review held messages');
    const entry = await this.room.engine.moderation.take(this.room.id, messageId);
    if (!entry)
      throw new CodedError('REVIEW_NOT_FOUND', `No held message ${messageId} waits for review`);
    const seq = approve ? await publish(entry) : null;
    this.keep([
      recordOf(
        this.room,
        { roomId: this.room.id, messageId, userId: entry.author.id, userRegion: null },
        approve ? 'approve' : 'deny',
        'moderator',
        { by: identity.id, rule: entry.rule, ...(reason ? { reason } : {}) },
        seq ?? undefined,
      ),
    ]);
    this.notify(entry.author.id, {
      type: 'chat:reviewed',
      payload: {
        roomId: this.room.id,
        messageId,
        outcome: approve ? 'approved' : 'denied',
        ...(seq === null ? {} : { seq }),
        ...(reason ? { reason } : {}),
      },
    });
    return { seq };
  }

  /** Times out, bans or shadow-bans a user, here or (`global`) everywhere. */
  async sanction(
    identity: Identity,
    req: {
      userId: string;
      kind: SanctionKind;
      seconds?: number | undefined;
      global?: boolean | undefined;
      reason?: string | undefined;
    },
  ): Promise<Sanction> {
    this.assertMaySanction(identity, req.global === true, req.userId);
    if (req.kind === 'timeout' && req.seconds === undefined)
      throw new CodedError('BAD_REQUEST', 'A timeout needs `seconds` (10 s to 2 weeks)');
    const now = this.room.now();
    const sanction: Sanction = {
      userId: req.userId,
      kind: req.kind,
      scope: req.global ? GLOBAL_SCOPE : this.room.id,
      at: now,
      until: req.seconds === undefined ? null : now + req.seconds * 1000,
      by: identity.id,
      reason: req.reason ?? '',
    };
    await this.room.engine.moderation.sanction(sanction);
    const action = req.kind === 'shadow' ? 'shadow-ban' : req.kind;
    this.keep([
      recordOf(
        this.room,
        { roomId: this.room.id, userId: req.userId, userRegion: null },
        action,
        'moderator',
        { by: identity.id, until: sanction.until, ...(req.reason ? { reason: req.reason } : {}) },
      ),
    ]);
    if (req.kind === 'ban')
      this.notify(req.userId, {
        type: 'room:removed',
        payload: {
          roomId: this.room.id,
          code: 'BANNED',
          message: `A moderator banned you from this room${req.reason ? `: ${req.reason}` : ''}`,
        },
      });
    return sanction;
  }

  async lift(
    identity: Identity,
    req: { userId: string; kind: SanctionKind; global?: boolean | undefined },
  ): Promise<boolean> {
    this.assertMaySanction(identity, req.global === true, req.userId);
    const scope = req.global ? GLOBAL_SCOPE : this.room.id;
    const lifted = await this.room.engine.moderation.lift(scope, req.userId, req.kind);
    if (lifted)
      this.keep([
        recordOf(
          this.room,
          { roomId: this.room.id, userId: req.userId, userRegion: null },
          'lift',
          'moderator',
          {
            by: identity.id,
            reason: `${req.kind} lifted`,
          },
        ),
      ]);
    return lifted;
  }

  /** Makes a user a moderator of the room, or takes it back. Hosts. */
  async setRole(
    identity: Identity,
    userId: string,
    role: 'moderator' | 'viewer',
  ): Promise<{ seq: number }> {
    assertRole(identity, this.room, 'host', 'appoint moderators');
    // whether the decision (maybe retried on a newer state) changed anything
    const decided = { changed: false };
    const done = await this.room.control((s) => {
      decided.changed = s.moderators.includes(userId) !== (role === 'moderator');
      return decided.changed ? { type: 'room:role', roomId: this.room.id, userId, role } : null;
    });
    if (decided.changed) {
      const base = { roomId: this.room.id, userId, userRegion: null };
      const action = role === 'moderator' ? 'appoint' : 'dismiss';
      this.keep([recordOf(this.room, base, action, 'moderator', { by: identity.id }, done.seq)]);
    }
    return done;
  }

  sanctions(identity: Identity): Promise<Sanction[]> {
    assertRole(identity, this.room, 'moderator', 'list sanctions');
    return this.room.engine.moderation.sanctions(this.room.id, this.room.now());
  }

  /** Records a moderator's delete (the statement of reasons of a removal). */
  deleted(identity: Identity, messageId: string, authorId: string): void {
    this.keep([
      recordOf(
        this.room,
        { roomId: this.room.id, messageId, userId: authorId, userRegion: null },
        'delete',
        'moderator',
        {
          by: identity.id,
        },
      ),
    ]);
  }

  private assertMaySanction(identity: Identity, global: boolean, userId: string): void {
    assertRole(identity, this.room, 'moderator', 'sanction users');
    if (global && identity.role !== 'admin' && identity.role !== 'moderator')
      throw new CodedError(
        'FORBIDDEN',
        'Only an admin or a global moderator can act in every room',
      );
    if (userId === identity.id) throw new CodedError('BAD_REQUEST', 'You cannot sanction yourself');
    if (userId === this.room.hostId)
      throw new CodedError('FORBIDDEN', "The room's host cannot be sanctioned in their room");
  }

  private languageOf(policy: CompiledPolicy, identity: Identity, text: string): MessageLanguage {
    const token = identity.language?.toLowerCase().slice(0, 2);
    if (token) return { lang: token, source: 'token' };
    const detected = this.hooks?.detect(text, policy.detectLanguages) ?? null;
    return detected ? { lang: detected, source: 'detected' } : { lang: null, source: 'unknown' };
  }

  /** Runs the classifiers of the groups that have one and are not decided strictly already. */
  private async classify(
    policy: CompiledPolicy,
    verdicts: GroupVerdict[],
    senderGroup: string,
    text: string,
    trust: Trust,
  ): Promise<void> {
    const classify = this.hooks?.classify?.bind(this.hooks);
    if (!classify) return;
    const own = verdicts.find((v) => v.group === senderGroup);
    // refused or held by the terms already: the classifier has nothing to add
    if (own?.action === 'block' || own?.action === 'hold') return;
    const groups = policy.classifiedGroups.filter((g) => {
      const v = verdicts.find((x) => x.group === g);
      return !v || v.action === 'mask' || v.action === 'allow';
    });
    const found = await Promise.all(groups.map((g) => classify(policy, g, text, trust)));
    for (const verdict of found) {
      if (!verdict || verdict.action === 'allow') continue;
      const at = verdicts.findIndex((v) => v.group === verdict.group);
      if (at < 0) verdicts.push(verdict);
      else verdicts[at] = verdict;
    }
  }
}

/** The partition of every viewer when no policy is in force. */
export const DEFAULT_PARTITION = '0';
