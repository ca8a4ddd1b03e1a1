import { useState } from 'preact/hooks';
import type { Product, Room } from '../../../src/index.js';
import { toMinor } from '../i18n/ui.js';
import { failure } from '../lib/connection.js';
import { usePage } from '../lib/context.js';

type Kind = 'drop' | 'lottery' | 'auction' | 'giveaway';

/** Numbers a host types into the form, by field. */
interface Fields {
  productId: string;
  quantity: number;
  perBuyer: number;
  startsIn: number;
  duration: number;
  hold: number;
  starting: number;
  winners: number;
}

const DEFAULTS: Record<Kind, Partial<Fields>> = {
  drop: { quantity: 20, perBuyer: 1, startsIn: 10, duration: 300, hold: 120 },
  lottery: { quantity: 5, perBuyer: 1, startsIn: 0, duration: 60, hold: 300 },
  auction: { starting: 10, duration: 60 },
  giveaway: { winners: 1, duration: 120 },
};

/** Creating drops, lotteries, auctions and giveaways of a listed product. */
export function Create({ room, products }: { room: Room; products: Product[] }) {
  const { words, client } = usePage();
  const [kind, setKind] = useState<Kind>('drop');
  const [fields, setFields] = useState<Fields>({
    productId: products[0]?.id ?? '',
    quantity: 20,
    perBuyer: 1,
    startsIn: 10,
    duration: 300,
    hold: 120,
    starting: 10,
    winners: 1,
  });
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const product = products.find((p) => p.id === fields.productId) ?? products[0];

  const pick = (k: Kind) => {
    setKind(k);
    setFields((f) => ({ ...f, ...DEFAULTS[k] }));
    setNote(null);
  };
  const set = (name: keyof Fields) => (e: Event) => {
    const value = (e.currentTarget as HTMLInputElement | HTMLSelectElement).value;
    setFields((f) => ({ ...f, [name]: name === 'productId' ? value : Number(value) }));
  };

  const create = async (e: Event) => {
    e.preventDefault();
    if (!product) return;
    setBusy(true);
    setNote(null);
    const id = `${kind}-${Date.now().toString(36)}`;
    try {
      if (kind === 'drop' || kind === 'lottery')
        await room.drops.create({
          dropId: id,
          productId: product.id,
          quantity: fields.quantity,
          perBuyerCap: fields.perBuyer,
          startsAt: client.serverNow() + fields.startsIn * 1000,
          durationSeconds: fields.duration,
          holdSeconds: fields.hold,
          ...(kind === 'lottery' ? { mode: 'lottery' as const } : {}),
        });
      else if (kind === 'auction')
        await room.auctions.create({
          auctionId: id,
          productId: product.id,
          startingMinor: toMinor(fields.starting, product.price.currency),
          durationSeconds: fields.duration,
          start: true,
        });
      else
        await room.giveaways.create({
          giveawayId: id,
          productId: product.id,
          winners: fields.winners,
          durationSeconds: fields.duration,
        });
      setNote({ ok: true, text: words.t('created') });
    } catch (err) {
      setNote({ ok: false, text: words.error(failure(err)) });
    } finally {
      setBusy(false);
    }
  };

  const number = (
    name: keyof Fields,
    label: Parameters<typeof words.t>[0],
    min: number,
    max: number,
  ) => (
    <label class="field">
      <span>{words.t(label)}</span>
      <input type="number" min={min} max={max} value={fields[name]} onInput={set(name)} required />
    </label>
  );
  const tabs: [Kind, Parameters<typeof words.t>[0]][] = [
    ['drop', 'newDrop'],
    ['lottery', 'newLottery'],
    ['auction', 'newAuction'],
    ['giveaway', 'newGiveaway'],
  ];
  return (
    <section class="panel create" aria-label={words.t('create')}>
      <div class="tabs" role="tablist">
        {tabs.map(([k, label]) => (
          <button
            key={k}
            type="button"
            role="tab"
            aria-selected={kind === k}
            class={kind === k ? 'tab active' : 'tab'}
            onClick={() => pick(k)}
          >
            {words.t(label)}
          </button>
        ))}
      </div>
      <form class="form-grid" onSubmit={(e) => void create(e)} data-kind={kind}>
        <label class="field wide">
          <span>{words.t('product')}</span>
          <select value={product?.id} onChange={set('productId')}>
            {products.map((p) => (
              <option key={p.id} value={p.id}>
                {p.title} · {words.price(p.price)}
              </option>
            ))}
          </select>
        </label>
        {(kind === 'drop' || kind === 'lottery') && (
          <>
            {number('quantity', 'quantity', 1, 1_000_000)}
            {number('perBuyer', 'perBuyer', 1, 100)}
            {number('startsIn', 'startsInSeconds', 0, 86_400)}
            {number('duration', 'durationSeconds', 1, 86_400)}
            {number('hold', 'holdSeconds', 10, 3600)}
          </>
        )}
        {kind === 'auction' && (
          <>
            <label class="field">
              <span>
                {words.t('startingPrice')} ({product?.price.currency})
              </span>
              <input
                type="number"
                min={0.01}
                step="any"
                value={fields.starting}
                onInput={set('starting')}
                required
              />
            </label>
            {number('duration', 'durationSeconds', 5, 3600)}
          </>
        )}
        {kind === 'giveaway' && (
          <>
            {number('winners', 'winners', 1, 100)}
            {number('duration', 'durationSeconds', 10, 86_400)}
          </>
        )}
        <button type="submit" class="btn primary" disabled={busy || !product}>
          {words.t('create')}
        </button>
      </form>
      {note && (
        <p class={note.ok ? 'ok' : 'error'} role={note.ok ? 'status' : 'alert'}>
          {note.text}
        </p>
      )}
    </section>
  );
}
