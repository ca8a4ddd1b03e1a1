import { useEffect, useState } from 'preact/hooks';
import {
  verifyLottery,
  type DropStock,
  type LotteryDraw,
  type Product,
  type Room,
} from '../../../src/index.js';
import { failure } from '../lib/connection.js';
import { usePage } from '../lib/context.js';

/** Where this buyer stands with a drop (what the claim button shows). */
type Mine =
  | { step: 'idle' }
  | { step: 'claiming' }
  | { step: 'held'; holdId: string; expiresAt: number }
  | { step: 'checking_out'; holdId: string; expiresAt: number }
  | { step: 'ordered'; orderId: string }
  | { step: 'entered'; ticket: string }
  | { step: 'lost' }
  | { step: 'limit'; cap: number }
  | { step: 'not_eligible'; eligibleAt: number }
  | { step: 'rate_limited'; until: number }
  | { step: 'expired' }
  | { step: 'failed'; message: string };

/**
 * A drop: its countdown on server time, its stock, and this buyer's claim through every state:
 * claiming, held (with the hold's own countdown), checking out, confirmed, sold out, not eligible
 * yet (with the time), rate limited (with when to try again); for a lottery, the entry, the draw
 * and its verification on this device.
 */
export function DropCard(props: {
  room: Room;
  drop: DropStock;
  product: Product | undefined;
  now: number;
  signedIn: boolean;
  onOrdered?: (order: { dropId: string; orderId: string; product: Product | undefined }) => void;
}) {
  const { room, drop, product, now, signedIn } = props;
  const { words, userId, client } = usePage();
  const [mine, setMine] = useState<Mine>({ step: 'idle' });
  const [verdict, setVerdict] = useState<'verified' | 'mismatch' | null>(null);
  const lottery = drop.mode === 'lottery';

  // a lottery's draw reaches its entrants by itself
  useEffect(
    () =>
      room.on('drop:lottery', (draw: LotteryDraw) => {
        if (draw.dropId !== drop.dropId) return;
        const own = draw.mine;
        if (own?.won && own.holdId && own.expiresAt)
          setMine({ step: 'held', holdId: own.holdId, expiresAt: own.expiresAt });
        else if (own) setMine({ step: 'lost' });
        void verifyLottery(draw, userId ?? undefined).then((v) =>
          setVerdict(v.ok ? 'verified' : 'mismatch'),
        );
      }),
    [room, drop.dropId, userId],
  );

  // a hold that runs out gives its unit back; a rate limit or eligibility wait ends by itself
  useEffect(() => {
    if ((mine.step === 'held' || mine.step === 'checking_out') && now >= mine.expiresAt)
      setMine({ step: 'expired' });
    if (mine.step === 'rate_limited' && now >= mine.until) setMine({ step: 'idle' });
    if (mine.step === 'not_eligible' && now >= mine.eligibleAt) setMine({ step: 'idle' });
  }, [now, mine]);

  const claim = async () => {
    setMine({ step: 'claiming' });
    try {
      const r = await room.drops.claim(drop.dropId);
      switch (r.outcome) {
        case 'held':
          return setMine({ step: 'held', holdId: r.holdId, expiresAt: r.expiresAt });
        case 'entered':
          return setMine({ step: 'entered', ticket: r.ticket });
        case 'limit_reached':
          return setMine({ step: 'limit', cap: r.cap });
        case 'not_eligible':
          return setMine({ step: 'not_eligible', eligibleAt: r.eligibleAt });
        default:
          return setMine({ step: 'idle' }); // sold out or not live: the stock shows it
      }
    } catch (e) {
      const error = failure(e);
      if (error.code === 'RATE_LIMITED' || error.code === 'OVERLOADED')
        setMine({ step: 'rate_limited', until: client.serverNow() + (error.retryAfterMs ?? 2000) });
      else setMine({ step: 'failed', message: words.error(error) });
    }
  };

  const checkout = async (holdId: string, expiresAt: number) => {
    setMine({ step: 'checking_out', holdId, expiresAt });
    try {
      const r = await room.drops.checkout(drop.dropId, holdId);
      if (r.outcome === 'ordered') {
        setMine({ step: 'ordered', orderId: r.orderId });
        props.onOrdered?.({ dropId: drop.dropId, orderId: r.orderId, product });
      } else if (r.outcome === 'hold_lost')
        setMine({ step: 'failed', message: words.t('holdLost') });
      else setMine({ step: 'expired' });
    } catch (e) {
      setMine({ step: 'failed', message: words.error(failure(e)) });
    }
  };

  const cancel = async (holdId: string) => {
    await room.drops.cancel(drop.dropId, holdId).catch(() => undefined);
    setMine({ step: 'idle' });
  };

  const startsIn = drop.startsAt - now;
  const endsIn = drop.endsAt - now;
  const live = drop.state === 'live' || (drop.state === 'scheduled' && startsIn <= 0 && endsIn > 0);
  const soldOut = drop.state === 'sold_out';
  const over = drop.state === 'ended' || endsIn <= 0;

  let status: preact.ComponentChild = null;
  let action: preact.ComponentChild = null;
  const button = (label: string, onClick: () => void, busy = false, kind = 'primary') => (
    <button type="button" class={`btn ${kind}`} onClick={onClick} disabled={busy} aria-busy={busy}>
      {label}
    </button>
  );
  switch (mine.step) {
    case 'claiming':
      action = button(words.t('claiming'), () => undefined, true);
      break;
    case 'held':
    case 'checking_out': {
      const busy = mine.step === 'checking_out';
      status = (
        <p class="hold" role="status">
          {lottery && (
            <>
              {words.t('lotteryWon')}
              <br />
            </>
          )}
          {words.t('heldForYou', { time: words.clock(mine.expiresAt - now) })}
        </p>
      );
      action = (
        <div class="row">
          {button(
            words.t(busy ? 'checkingOut' : 'checkout'),
            () => void checkout(mine.holdId, mine.expiresAt),
            busy,
          )}
          {!busy && button(words.t('cancelHold'), () => void cancel(mine.holdId), false, 'ghost')}
        </div>
      );
      break;
    }
    case 'ordered':
      status = (
        <p class="ok" role="status">
          ✓ {words.t('ordered')} · {words.t('orderNumber', { id: mine.orderId.slice(-8) })}
        </p>
      );
      break;
    case 'entered':
      status = (
        <p class="ok" role="status">
          {words.t('entered', { ticket: mine.ticket.slice(0, 8) })}
          <br />
          {words.t('lotteryDrawing', { time: words.time(drop.endsAt) })}
        </p>
      );
      break;
    case 'lost':
      status = <p role="status">{words.t('lotteryLost')}</p>;
      break;
    case 'limit':
      status = <p role="status">{words.t('limitReached', { cap: mine.cap })}</p>;
      break;
    case 'not_eligible':
      status = (
        <p class="warn" role="status">
          {words.t('notEligible', { time: words.time(mine.eligibleAt) })}
        </p>
      );
      action = button(words.t('claim'), () => undefined, true);
      break;
    case 'rate_limited':
      status = (
        <p class="warn" role="status">
          {words.t('rateLimited', { when: words.relative(mine.until - now) })}
        </p>
      );
      action = button(words.t('claim'), () => undefined, true);
      break;
    case 'expired':
      status = (
        <p class="warn" role="status">
          {words.t('holdExpired')}
        </p>
      );
      break;
    case 'failed':
      status = (
        <p class="error" role="alert">
          {mine.message}
        </p>
      );
      break;
    case 'idle':
      break;
  }
  const canClaim =
    signedIn && live && !soldOut && !over && ['idle', 'expired', 'failed'].includes(mine.step);
  if (canClaim && action === null)
    action = button(words.t(lottery ? 'enterLottery' : 'claim'), () => void claim());
  if (soldOut && !['held', 'checking_out', 'ordered'].includes(mine.step))
    action = button(words.t('soldOut'), () => undefined, true, 'muted');
  else if (over && action === null && mine.step !== 'ordered')
    status = status ?? <p>{words.t('dropEnded')}</p>;

  const left = drop.remaining;
  return (
    <article class={`card drop ${drop.state}`} data-drop={drop.dropId} data-step={mine.step}>
      {product?.imageUrl && <img src={product.imageUrl} alt="" width={64} height={64} />}
      <div class="card-body">
        <p class="kicker">{words.t(lottery ? 'lotteryDrop' : 'drop')}</p>
        <h3>{product?.title ?? drop.productId}</h3>
        {product && <p class="price">{words.price(product.price)}</p>}
        {drop.state === 'scheduled' && startsIn > 0 ? (
          <p class="countdown" role="timer">
            {words.t('dropStartsIn', { time: words.clock(startsIn) })}
          </p>
        ) : (
          !over && (
            <p class="countdown" role="timer">
              {words.t('dropEndsIn', { time: words.clock(endsIn) })}
            </p>
          )
        )}
        {lottery ? (
          <p class="stock">
            {words.t('entries', { count: words.count(drop.lottery?.entries ?? 0) })}
          </p>
        ) : (
          <>
            <p class="stock">
              {words.t('stockLeft', {
                count: words.count(left),
                total: words.count(drop.quantity),
              })}
            </p>
            <div class="meter" aria-hidden="true">
              <span style={{ width: `${(100 * left) / Math.max(1, drop.quantity)}%` }} />
            </div>
          </>
        )}
        {status}
        {verdict && (
          <p class={verdict === 'verified' ? 'ok small' : 'error small'}>
            {words.t(verdict === 'verified' ? 'lotteryVerified' : 'lotteryMismatch')}
          </p>
        )}
        {action}
      </div>
    </article>
  );
}
