import type { Product } from '../../../src/index.js';
import { usePage } from '../lib/context.js';

/** What the app around an embedded player does with its cart (none: the player shows no cart buttons). */
export interface CartHooks {
  addToCart(product: Product): void;
  productDetails(product: Product): void;
}

/** A product as a card: picture, title, price, and the host app's cart buttons when it has a cart. */
export function ProductCard({
  product,
  featured,
  cart,
}: {
  product: Product;
  featured?: boolean;
  cart?: CartHooks | undefined;
}) {
  const { words } = usePage();
  return (
    <article class={featured ? 'card product featured' : 'card product'} data-product={product.id}>
      {product.imageUrl && (
        <img src={product.imageUrl} alt="" width={56} height={56} loading="lazy" />
      )}
      <div class="card-body">
        {featured && <p class="kicker">{words.t('pinned')}</p>}
        <h3>{product.title}</h3>
        <p class="price">{words.price(product.price)}</p>
        {cart && (
          <div class="row">
            <button type="button" class="btn primary small" onClick={() => cart.addToCart(product)}>
              {words.t('addToCart')}
            </button>
            <button
              type="button"
              class="btn ghost small"
              onClick={() => cart.productDetails(product)}
            >
              {words.t('details')}
            </button>
          </div>
        )}
      </div>
    </article>
  );
}
