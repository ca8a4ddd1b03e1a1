import {
  CodedError,
  type DecisionRecord,
  type ReportedMessage,
} from '../../client-sdk/src/protocol/index.js';
import type { RoomScope } from '../core/scope.js';
import { assertCanWrite, assertRole, type Identity } from '../model/identity.js';
import { REPORT_TTL_MS } from '../ports/moderation.js';
import type { ModerationHooks } from './hooks.js';
import { recordOf } from './records.js';

/** Distinct reports that remove a message, unless the policy says otherwise. */
export const REPORTS_TO_HIDE = 3;
/** The most reported messages a moderator's list shows. */
export const MAX_LISTED_REPORTS = 100;

/**
 * A room's reports: viewers report messages (each once), enough of them remove a message for
 * everyone, and the room's moderators work through the list (delete the message, sanction its
 * author, or dismiss the reports). Every report and dismissal is a statement of reasons.
 */
export class RoomReports {
  constructor(
    private readonly room: RoomScope,
    private readonly hooks: ModerationHooks | undefined,
    private readonly keep: (records: readonly DecisionRecord[]) => void,
  ) {}

  private get threshold(): number {
    return this.hooks?.policy()?.reportsToHide ?? REPORTS_TO_HIDE;
  }

  /**
   * A viewer reports a message (each reporter once); returns its distinct reporters and whether
   * that reached the policy's auto-hide threshold just now (the caller then removes it).
   */
  async report(
    identity: Identity,
    messageId: string,
    reason: string | undefined,
  ): Promise<{ reporters: number; hide: boolean }> {
    assertCanWrite(identity);
    const message = this.room.state.recent.get(messageId);
    if (!message)
      throw new CodedError('MESSAGE_NOT_FOUND', `No recent message ${messageId} in this room`);
    if (message.author.id === identity.id)
      throw new CodedError('BAD_REQUEST', 'You cannot report your own message');
    const reporters = await this.room.engine.moderation.report({
      roomId: this.room.id,
      messageId,
      author: message.author,
      text: message.text,
      reporterId: identity.id,
      ...(reason === undefined ? {} : { reason }),
      at: this.room.now(),
    });
    const { threshold } = this;
    const base = { roomId: this.room.id, messageId, userId: message.author.id, userRegion: null };
    const records = [
      recordOf(this.room, base, 'report', 'report', {
        by: identity.id,
        reason: reason ?? `reported (${reporters} of ${threshold} to hide)`,
      }),
    ];
    const hide = reporters === threshold;
    if (hide)
      records.push(
        recordOf(this.room, base, 'hide', 'report', {
          reason: `${reporters} viewers reported it: removed for everyone`,
        }),
      );
    this.keep(records);
    return { reporters, hide };
  }

  /** The reported messages no moderator has dealt with, most recently reported first. */
  async list(identity: Identity): Promise<ReportedMessage[]> {
    assertRole(identity, this.room, 'moderator', 'see reports');
    const since = this.room.now() - REPORT_TTL_MS;
    const listed = await this.room.engine.moderation.reports(
      this.room.id,
      since,
      MAX_LISTED_REPORTS,
    );
    const { threshold } = this;
    return listed.map((r) => ({ ...r, hidden: r.reporters >= threshold }));
  }

  /** A moderator dismisses a message's reports: it stays in the chat and leaves the list. */
  async dismiss(identity: Identity, messageId: string): Promise<{ dismissed: boolean }> {
    assertRole(identity, this.room, 'moderator', 'dismiss reports');
    const [entry] = (await this.list(identity)).filter((r) => r.messageId === messageId);
    const dismissed = await this.room.engine.moderation.dismiss(this.room.id, messageId);
    // the record names the author: from the list, else from the recent chat
    const authorId = entry?.author.id ?? this.room.state.recent.get(messageId)?.author.id;
    if (dismissed && authorId !== undefined)
      this.keep([
        recordOf(
          this.room,
          { roomId: this.room.id, messageId, userId: authorId, userRegion: null },
          'dismiss-reports',
          'moderator',
          {
            by: identity.id,
            reason: entry ? `${entry.reporters} reports dismissed` : 'reports dismissed',
          },
        ),
      ]);
    return { dismissed };
  }

  /** A reported message was deleted: its reports are dealt with (the deletion is recorded). */
  resolved(messageId: string): void {
    this.room.engine.moderation
      .dismiss(this.room.id, messageId)
      .catch((error: unknown) => this.room.failed(error));
  }
}
