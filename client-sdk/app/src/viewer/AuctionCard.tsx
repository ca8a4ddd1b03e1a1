import { useEffect, useState } from 'preact/hooks';
import type { AuctionState, Room } from '../../../src/index.js';
import { toMinor } from '../i18n/ui.js';
import { failure } from '../lib/connection.js';
import { usePage } from '../lib/context.js';

/**
 * An auction: the current bid and leader, the time left on server time, a bid at the least amount
 * taken now and a secret max bid, the outbid notice, and how it ended (with this buyer's checkout
 * when they won).
 */
export function AuctionCard(props: {
  room: Room;
  auction: AuctionState;
  now: number;
  signedIn: boolean;
}) {
  const { room, auction: a, now, signedIn } = props;
  const { words, userId } = usePage();
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ kind: 'ok' | 'warn' | 'error'; text: string } | null>(null);
  const [max, setMax] = useState('');
  const [paid, setPaid] = useState<string | null>(null);
  const money = (amountMinor: number) => words.price({ amountMinor, currency: a.currency });

  useEffect(
    () =>
      room.on('auction:outbid', (notice) => {
        if (notice.auctionId === a.auctionId)
          setNote({ kind: 'warn', text: words.t('outbid', { amount: money(notice.priceMinor) }) });
      }),
    [room, a.auctionId, a.currency],
  );

  const bid = async (send: () => Promise<Awaited<ReturnType<Room['auctions']['bid']>>>) => {
    setBusy(true);
    setNote(null);
    try {
      const r = await send();
      // leading shows in the card's own line; the rest needs saying
      if (r.outcome === 'leading') setNote(null);
      else if (r.outcome === 'outbid')
        setNote({ kind: 'warn', text: words.t('outbid', { amount: money(r.priceMinor) }) });
      else if (r.outcome === 'too_low')
        setNote({ kind: 'warn', text: words.t('tooLow', { amount: money(r.minimumMinor) }) });
      else setNote({ kind: 'warn', text: words.t('auctionUnsold') });
    } catch (e) {
      setNote({ kind: 'error', text: words.error(failure(e)) });
    } finally {
      setBusy(false);
    }
  };

  const checkout = async () => {
    const s = a.settlement;
    if (!s) return;
    try {
      const r = await room.drops.checkout(s.dropId, s.holdId);
      if (r.outcome === 'ordered') setPaid(r.orderId);
      else setNote({ kind: 'warn', text: words.t('holdExpired') });
    } catch (e) {
      setNote({ kind: 'error', text: words.error(failure(e)) });
    }
  };

  const left = a.endsAt === null ? null : a.endsAt - now;
  const open = a.phase === 'live' || a.phase === 'scheduled';
  const leading = a.leader !== null && a.leader.id === userId;
  const won = a.phase === 'sold' && leading;
  const maxMinor = Number(max) > 0 ? toMinor(Number(max), a.currency) : 0;
  return (
    <article class={`card auction ${a.phase}`} data-auction={a.auctionId}>
      {a.imageUrl && <img src={a.imageUrl} alt="" width={64} height={64} />}
      <div class="card-body">
        <p class="kicker">
          {words.t('auction')}
          {a.suddenDeath && ` · ${words.t('suddenDeath')}`}
        </p>
        <h3>{a.title}</h3>
        <p class="price">
          <span class="label">{words.t(a.priceMinor === null ? 'startingBid' : 'currentBid')}</span>{' '}
          {money(a.priceMinor ?? a.startingMinor)}
        </p>
        <p class="meta">
          {a.leader
            ? leading
              ? words.t('youLead')
              : words.t('leader', { name: a.leader.name })
            : words.t('noBids')}{' '}
          · {words.t('bidsCount', { count: a.bids })}
        </p>
        {a.phase === 'live' && left !== null && (
          <p class={left < 10_000 ? 'countdown urgent' : 'countdown'} role="timer">
            {words.t('timeLeft', { time: words.clock(left) })}
          </p>
        )}
        {a.phase === 'scheduled' && <p class="meta">{words.t('auctionScheduled')}</p>}
        {a.phase === 'sold' && a.leader && (
          <p class={won ? 'ok' : ''} role="status">
            {won
              ? words.t('youWon', { amount: money(a.priceMinor ?? 0) })
              : words.t('auctionSold', { amount: money(a.priceMinor ?? 0), name: a.leader.name })}
          </p>
        )}
        {a.phase === 'unsold' && <p>{words.t('auctionUnsold')}</p>}
        {note && (
          <p class={note.kind} role={note.kind === 'error' ? 'alert' : 'status'}>
            {note.text}
          </p>
        )}
        {signedIn && open && (
          <>
            <button
              type="button"
              class="btn primary"
              disabled={busy}
              onClick={() => void bid(() => room.auctions.bid(a.auctionId))}
            >
              {busy ? words.t('bidding') : words.t('bidAmount', { amount: money(a.minimumMinor) })}
            </button>
            <form
              class="row max-bid"
              onSubmit={(e) => {
                e.preventDefault();
                if (maxMinor > 0) void bid(() => room.auctions.maxBid(a.auctionId, maxMinor));
              }}
            >
              <label>
                <span class="sr-only">{words.t('maxBidLabel')}</span>
                <input
                  type="number"
                  inputMode="decimal"
                  min={0}
                  step="any"
                  placeholder={words.t('maxBid')}
                  value={max}
                  onInput={(e) => setMax(e.currentTarget.value)}
                />
              </label>
              <button type="submit" class="btn ghost" disabled={busy || maxMinor < a.minimumMinor}>
                {words.t('setMaxBid')}
              </button>
            </form>
          </>
        )}
        {won && a.settlement && !paid && (
          <button type="button" class="btn primary" onClick={() => void checkout()}>
            {words.t('checkout')}
          </button>
        )}
        {paid && (
          <p class="ok" role="status">
            ✓ {words.t('ordered')}
          </p>
        )}
      </div>
    </article>
  );
}
