import { ErrorLine } from '../lib/error-line.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChatMessage, Room, RoomView } from '../../../src/index.js';
import { failure } from '../lib/connection.js';
import { usePage } from '../lib/context.js';

/** One of this viewer's own messages that is not (yet) in the room's chat. */
interface Mine {
  id: string;
  text: string;
  state: 'held' | 'denied';
}

const SHOWN = 40;

/** What a viewer can report a message for (sent as the report's reason; the console translates). */
export const REPORT_REASONS = ['spam', 'abuse', 'other'] as const;

/**
 * The chat: recent messages (withheld ones never arrive here; this viewer's own always do), this
 * viewer's held and denied messages where only they see them, and the composer, whose text stays
 * when a send is refused so nothing typed is lost.
 */
export function Chat(props: { room: Room; view: RoomView; signedIn: boolean; overlay?: boolean }) {
  const { room, view, signedIn } = props;
  const { words, userId } = usePage();
  const [mine, setMine] = useState<Mine[]>(() =>
    room.held.map((h) => ({ id: h.id, text: h.text, state: 'held' })),
  );
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** This viewer's reports this visit: the message they are choosing a reason for, and the sent. */
  const [reporting, setReporting] = useState<string | null>(null);
  const [reported, setReported] = useState<ReadonlySet<string>>(() => new Set());
  const list = useRef<HTMLOListElement>(null);

  useEffect(() => {
    const offs = [
      room.on('chat:held', (held) =>
        setMine((m) =>
          m.some((x) => x.id === held.id)
            ? m
            : [...m, { id: held.id, text: held.text, state: 'held' }],
        ),
      ),
      room.on('chat:reviewed', (review) =>
        setMine((m) =>
          review.outcome === 'approved'
            ? m.filter((x) => x.id !== review.messageId)
            : m.map((x) => (x.id === review.messageId ? { ...x, state: 'denied' } : x)),
        ),
      ),
    ];
    return () => offs.forEach((off) => off());
  }, [room]);

  const messages = view.chat.slice(-SHOWN);
  const last = messages[messages.length - 1]?.seq;
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [last, mine.length]);

  const send = async (event: Event) => {
    event.preventDefault();
    const body = text.trim();
    if (!body || sending) return;
    setSending(true);
    setError(null);
    try {
      await room.chat.send(body);
      setText('');
    } catch (e) {
      setError(words.error(failure(e)));
    } finally {
      setSending(false);
    }
  };

  const report = async (messageId: string, reason: string) => {
    setError(null);
    try {
      await room.moderation.report(messageId, reason);
      setReported((r) => new Set(r).add(messageId));
      setReporting(null);
    } catch (e) {
      setError(words.error(failure(e)));
    }
  };

  const slow = view.slowModeSeconds;
  return (
    <section class={props.overlay ? 'chat overlay' : 'chat'} aria-label={words.t('chat')}>
      {view.pinned.length > 0 && (
        <ul class="chat-pins">
          {view.pinned.map((m) => (
            <li key={m.id}>
              <span class="pin-label">{words.t('pinnedMessage')}</span> <b>{m.author.name}</b>{' '}
              {m.text}
            </li>
          ))}
        </ul>
      )}
      <ol
        class="chat-list"
        ref={list}
        aria-live="polite"
        aria-relevant="additions"
        aria-label={words.t('chat')}
        tabIndex={0}
      >
        {messages.map((m) => {
          const others = signedIn && m.author.id !== userId && m.author.role === 'viewer';
          return (
            <Message
              key={m.id}
              message={m}
              own={m.author.id === userId}
              report={
                others
                  ? {
                      sent: reported.has(m.id),
                      open: reporting === m.id,
                      toggle: () => setReporting((r) => (r === m.id ? null : m.id)),
                      send: (reason) => void report(m.id, reason),
                    }
                  : undefined
              }
            />
          );
        })}
        {mine.map((m) => (
          <li key={m.id} class={`msg own ${m.state}`} data-state={m.state}>
            <b>{words.t('you')}</b> <span class="text">{m.text}</span>
            <span class="note">{words.t(m.state === 'held' ? 'heldMine' : 'deniedMine')}</span>
          </li>
        ))}
      </ol>
      {view.shield && <p class="chat-hint">{words.t('shieldOn')}</p>}
      {slow > 0 && <p class="chat-hint">{words.t('slowMode', { seconds: slow })}</p>}
      {signedIn ? (
        <form class="composer" onSubmit={(e) => void send(e)}>
          <label class="sr-only" for="chat-input">
            {words.t('chatPlaceholder')}
          </label>
          <input
            id="chat-input"
            value={text}
            maxLength={500}
            autocomplete="off"
            placeholder={words.t('chatPlaceholder')}
            onInput={(e) => setText(e.currentTarget.value)}
          />
          <button type="submit" disabled={sending || text.trim() === ''}>
            {words.t(sending ? 'sending' : 'send')}
          </button>
        </form>
      ) : (
        <p class="chat-hint">{words.t('signInToChat')}</p>
      )}
      <ErrorLine text={error} />
    </section>
  );
}

/** A message's report control: a flag, then the reasons to pick from, then "reported". */
interface ReportControl {
  sent: boolean;
  open: boolean;
  toggle: () => void;
  send: (reason: string) => void;
}

function Message(props: {
  message: ChatMessage;
  own: boolean;
  report?: ReportControl | undefined;
}) {
  const { message, own, report } = props;
  const { words } = usePage();
  const role = message.author.role;
  return (
    <li class={own ? 'msg own' : 'msg'}>
      <b class="author">
        {message.author.name}
        {role === 'host' && <span class="badge host">{words.t('hostBadge')}</span>}
        {role === 'moderator' && <span class="badge mod">{words.t('modBadge')}</span>}
      </b>{' '}
      <span class="text">{message.text}</span>
      {report &&
        (report.sent ? (
          <span class="note reported">{words.t('reported')}</span>
        ) : (
          <button
            type="button"
            class="flag"
            aria-expanded={report.open}
            aria-label={words.t('reportMessage', { name: message.author.name })}
            onClick={report.toggle}
          >
            ⚑
          </button>
        ))}
      {report?.open && !report.sent && (
        <span class="report-reasons" role="group" aria-label={words.t('reportAs')}>
          {REPORT_REASONS.map((reason) => (
            <button
              key={reason}
              type="button"
              class="btn ghost small"
              onClick={() => report.send(reason)}
            >
              {words.t(`reason_${reason}`)}
            </button>
          ))}
        </span>
      )}
    </li>
  );
}
