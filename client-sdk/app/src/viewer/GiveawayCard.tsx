import { useState } from 'preact/hooks';
import { verifyGiveaway, type GiveawayState, type Room } from '../../../src/index.js';
import { failure } from '../lib/connection.js';
import { usePage } from '../lib/context.js';

/** A giveaway: the entry (and the free route when a purchase is asked), the draw, this viewer's prize, and the draw's verification. */
export function GiveawayCard(props: {
  room: Room;
  giveaway: GiveawayState;
  now: number;
  signedIn: boolean;
}) {
  const { room, giveaway: g, now, signedIn } = props;
  const { words, userId } = usePage();
  const [ticket, setTicket] = useState<string | null>(null);
  const [note, setNote] = useState<{ kind: 'ok' | 'warn' | 'error'; text: string } | null>(null);
  const [needsPurchase, setNeedsPurchase] = useState(false);
  const [claimed, setClaimed] = useState(false);

  const enter = async (route: 'standard' | 'free') => {
    setNote(null);
    try {
      const r = await room.giveaways.enter(g.giveawayId, route);
      if (r.outcome === 'entered' || r.outcome === 'already_entered') setTicket(r.ticket);
      else if (r.outcome === 'purchase_required') setNeedsPurchase(true);
      else
        setNote({
          kind: 'warn',
          text: words.t(r.outcome === 'not_open' ? 'giveawayNotOpen' : 'giveawayClosed'),
        });
    } catch (e) {
      setNote({ kind: 'error', text: words.error(failure(e)) });
    }
  };

  const verify = async () => {
    try {
      const audit = await room.giveaways.audit(g.giveawayId);
      const verdict = await verifyGiveaway(audit, userId ?? undefined);
      setNote({
        kind: verdict.ok ? 'ok' : 'error',
        text: words.t(verdict.ok ? 'lotteryVerified' : 'lotteryMismatch'),
      });
    } catch (e) {
      setNote({ kind: 'error', text: words.error(failure(e)) });
    }
  };

  const prize = g.prizes.find((p) => p.userId === userId && !p.claimed && p.holdId !== null);
  const claim = async () => {
    if (!prize) return;
    try {
      const r = await room.drops.checkout(prize.dropId, prize.holdId ?? '');
      if (r.outcome === 'ordered') setClaimed(true);
      else setNote({ kind: 'warn', text: words.t('holdExpired') });
    } catch (e) {
      setNote({ kind: 'error', text: words.error(failure(e)) });
    }
  };

  const open = g.phase === 'open';
  return (
    <article class={`card giveaway ${g.phase}`} data-giveaway={g.giveawayId}>
      {g.imageUrl && <img src={g.imageUrl} alt="" width={64} height={64} />}
      <div class="card-body">
        <p class="kicker">{words.t('giveaway')}</p>
        <h3>{g.title}</h3>
        <p class="meta">
          {words.t('entries', { count: words.count(g.entries) })} · {words.t('winners')}:{' '}
          {g.winners}
        </p>
        {open && (
          <p class="countdown" role="timer">
            {words.t('giveawayCloses', { time: words.clock(g.closesAt - now) })}
          </p>
        )}
        {ticket && <p class="ok">{words.t('giveawayEntered', { ticket: ticket.slice(0, 8) })}</p>}
        {needsPurchase && !ticket && <p class="warn">{words.t('purchaseRequired')}</p>}
        {g.phase === 'drawn' && <p>{words.t('giveawayDrawn')}</p>}
        {prize && !claimed && (
          <>
            <p class="ok" role="status">
              {words.t('giveawayWon', { time: words.clock(prize.claimBy - now) })}
            </p>
            <button type="button" class="btn primary" onClick={() => void claim()}>
              {words.t('claimPrize')}
            </button>
          </>
        )}
        {claimed && <p class="ok">✓ {words.t('ordered')}</p>}
        {note && (
          <p class={note.kind} role={note.kind === 'error' ? 'alert' : 'status'}>
            {note.text}
          </p>
        )}
        {signedIn && open && !ticket && (
          <div class="row">
            <button type="button" class="btn primary" onClick={() => void enter('standard')}>
              {words.t('enterGiveaway')}
            </button>
            {(g.purchaseRequired || needsPurchase) && (
              <button type="button" class="btn ghost" onClick={() => void enter('free')}>
                {words.t('freeEntry')}
              </button>
            )}
          </div>
        )}
        {g.phase === 'drawn' && g.seed && (
          <button type="button" class="btn ghost" onClick={() => void verify()}>
            {words.t('verifyDraw')}
          </button>
        )}
      </div>
    </article>
  );
}
