import { ErrorLine } from '../lib/error-line.js';
import { useEffect, useState } from 'preact/hooks';
import type {
  ChatMessage,
  HeldMessage,
  ReportedMessage,
  Room,
  RoomView,
  Sanction,
} from '../../../src/index.js';
import { REPORT_REASONS } from '../viewer/Chat.js';
import { failure } from '../lib/connection.js';
import { usePage } from '../lib/context.js';

/** Runs a moderator's action, then reloads the panel (or shows why it failed). */
type Act = (work: () => Promise<unknown>) => Promise<void>;

/** How often the console asks for the review queue, the reports and the sanctions (nothing pushes them). */
const POLL_MS = 2000;

/**
 * The moderator panel: the review queue (approve or deny), viewers' reports (delete, time out,
 * ban or dismiss), the chat with timeout, ban and delete on each message, the sanctions in force
 * (lift) and shield mode.
 */
export function Moderation({ room, view }: { room: Room; view: RoomView }) {
  const { words } = usePage();
  const [held, setHeld] = useState<HeldMessage[]>([]);
  const [reports, setReports] = useState<ReportedMessage[]>([]);
  const [sanctions, setSanctions] = useState<Sanction[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let gone = false;
    const load = () =>
      Promise.all([
        room.moderation.held(),
        room.moderation.reports(),
        room.moderation.sanctions(),
      ]).then(
        ([h, r, s]) => {
          if (gone) return;
          setHeld(h);
          setReports(r);
          setSanctions(s);
        },
        () => undefined,
      );
    void load();
    const timer = setInterval(() => void load(), POLL_MS);
    return () => {
      gone = true;
      clearInterval(timer);
    };
  }, [room, tick]);

  const act = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
      setTick((t) => t + 1);
    } catch (e) {
      setError(words.error(failure(e)));
    }
  };

  return (
    <section class="panel moderation" aria-label={words.t('moderation')}>
      <h2>{words.t('moderation')}</h2>
      <div class="row">
        <button
          type="button"
          class={view.shield ? 'btn danger' : 'btn ghost'}
          aria-pressed={view.shield !== null}
          onClick={() => void act(() => room.moderation.shield(view.shield === null))}
        >
          🛡 {words.t(view.shield ? 'shieldOffAction' : 'shieldOnAction')}
        </button>
      </div>
      <h3>
        {words.t('reviewQueue')} ({held.length})
      </h3>
      {held.length === 0 ? (
        <p class="meta">{words.t('noHeld')}</p>
      ) : (
        <ul class="queue">
          {held.map((m) => (
            <li key={m.id} data-held={m.id}>
              <p>
                <b>{m.author.name}</b> {m.text}
              </p>
              <p class="meta">{words.t('heldReason', { reason: m.reason })}</p>
              <div class="row">
                <button
                  type="button"
                  class="btn primary small"
                  onClick={() => void act(() => room.moderation.review(m.id, true))}
                >
                  {words.t('approve')}
                </button>
                <button
                  type="button"
                  class="btn ghost small"
                  onClick={() => void act(() => room.moderation.review(m.id, false))}
                >
                  {words.t('deny')}
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <h3>
        {words.t('reports')} ({reports.length})
      </h3>
      {reports.length === 0 ? (
        <p class="meta">{words.t('noReports')}</p>
      ) : (
        <ul class="queue">
          {reports.map((r) => (
            <Reported key={r.messageId} report={r} room={room} act={act} />
          ))}
        </ul>
      )}
      <h3>{words.t('chat')}</h3>
      <ol class="mod-chat" aria-label={words.t('chat')} tabIndex={0}>
        {view.chat.slice(-30).map((m) => (
          <ModMessage key={m.id} message={m} act={act} room={room} />
        ))}
      </ol>
      <h3>{words.t('sanctions')}</h3>
      {sanctions.length === 0 ? (
        <p class="meta">{words.t('noSanctions')}</p>
      ) : (
        <ul class="sanctions">
          {sanctions.map((s) => (
            <li key={`${s.userId}:${s.kind}:${s.scope}`}>
              <b>{s.userId}</b> · {s.kind}
              {s.until !== null && ` · ${words.time(s.until)}`}{' '}
              <button
                type="button"
                class="btn ghost small"
                onClick={() => void act(() => room.moderation.lift(s.userId, s.kind))}
              >
                {words.t('lift')}
              </button>
            </li>
          ))}
        </ul>
      )}
      <ErrorLine text={error} />
    </section>
  );
}

/** A reported message, with what its reporters said and what a moderator can do about it. */
function Reported(props: { report: ReportedMessage; room: Room; act: Act }) {
  const { report: r, room, act } = props;
  const { words } = usePage();
  const reason = (given: string) => {
    const known = REPORT_REASONS.find((k) => k === given);
    return known ? words.t(`reason_${known}`) : given;
  };
  const reasons = [...new Set(r.reasons)].map(reason).join(' · ');
  return (
    <li data-reported={r.messageId}>
      <p>
        <b>{r.author.name}</b> {r.text}
      </p>
      <p class="meta">
        {words.t('reportCount', { count: r.reporters })}
        {reasons && ` · ${reasons}`} · {words.time(r.lastAt)}
        {r.hidden && <span class="badge warn">{words.t('removedByReports')}</span>}
      </p>
      <div class="row">
        {!r.hidden && (
          <button
            type="button"
            class="btn primary small"
            onClick={() => void act(() => room.chat.delete(r.messageId))}
          >
            {words.t('deleteMessage')}
          </button>
        )}
        <Sanctions userId={r.author.id} room={room} act={act} />
        <button
          type="button"
          class="btn ghost small"
          onClick={() => void act(() => room.moderation.dismiss(r.messageId))}
        >
          {words.t('dismiss')}
        </button>
      </div>
    </li>
  );
}

/** A moderator's two sanctions on a message's author: a five-minute timeout and a ban. */
function Sanctions(props: { userId: string; room: Room; act: Act }) {
  const { userId, room, act } = props;
  const { words } = usePage();
  return (
    <>
      <button
        type="button"
        class="btn ghost small"
        onClick={() =>
          void act(() => room.moderation.sanction(userId, 'timeout', { seconds: 300 }))
        }
      >
        {words.t('timeout')}
      </button>
      <button
        type="button"
        class="btn ghost small"
        onClick={() => void act(() => room.moderation.sanction(userId, 'ban'))}
      >
        {words.t('ban')}
      </button>
    </>
  );
}

function ModMessage(props: { message: ChatMessage; room: Room; act: Act }) {
  const { message: m, room, act } = props;
  const { words, userId } = usePage();
  const mine = m.author.id === userId || m.author.role !== 'viewer';
  return (
    <li>
      <b>{m.author.name}</b> {m.text}
      {!mine && (
        <span class="actions">
          <Sanctions userId={m.author.id} room={room} act={act} />
          <button
            type="button"
            class="btn ghost small"
            aria-label={`${words.t('deny')}: ${m.text}`}
            onClick={() => void act(() => room.chat.delete(m.id))}
          >
            ✕
          </button>
        </span>
      )}
    </li>
  );
}
