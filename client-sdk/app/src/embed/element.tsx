import { render } from 'preact';
import type { Product } from '../../../src/index.js';
import { pickLocale, words } from '../i18n/ui.js';
import { connect, readClaims } from '../lib/connection.js';
import { Conn, Lang } from '../lib/context.js';
import { Viewer, type PlayerHooks } from '../viewer/Viewer.js';
import css from '../styles.css?inline';

/**
 * `<liveshop-player room="…" token="…">`: the viewer page as a web component for other sites,
 * drawn in its own shadow root (the site's styles never leak in). The host app handles the cart:
 * the element dispatches `liveshop:add-to-cart`, `liveshop:product-details` and
 * `liveshop:checkout` (bubbling, composed) with the product (and the order) in `detail`.
 * Attributes: `room`, `token` (optional: anonymous when the server allows it), `server` (default:
 * where this script came from), `locale` (`en`, `zh-CN`; default: the token's `lang`, then the
 * browser's).
 */
const SCRIPT_ORIGIN = new URL(import.meta.url).origin;

export class LiveShopPlayer extends HTMLElement {
  static observedAttributes = ['room', 'token', 'server', 'locale'];
  private mount: HTMLDivElement | null = null;
  private client: ReturnType<typeof connect> | null = null;

  connectedCallback(): void {
    this.draw();
  }

  disconnectedCallback(): void {
    if (this.mount) render(null, this.mount);
    this.client?.close();
    this.client = null;
  }

  attributeChangedCallback(): void {
    if (this.isConnected) this.draw();
  }

  private draw(): void {
    const root = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
    if (!this.mount) {
      const style = document.createElement('style');
      style.textContent = css;
      this.mount = document.createElement('div');
      this.mount.className = 'player-root';
      root.append(style, this.mount);
    }
    const token = this.getAttribute('token');
    this.client?.close();
    this.client = connect(token, this.getAttribute('server') ?? SCRIPT_ORIGIN);
    const claims = readClaims(token);
    const lang = words(pickLocale(this.getAttribute('locale') ?? claims.lang, navigator.languages));
    const tell = (name: string, detail: object) =>
      this.dispatchEvent(
        new CustomEvent(`liveshop:${name}`, { detail, bubbles: true, composed: true }),
      );
    const hooks: PlayerHooks = {
      addToCart: (product: Product) => tell('add-to-cart', { product }),
      productDetails: (product: Product) => tell('product-details', { product }),
      checkout: (order) => tell('checkout', order),
    };
    render(
      <Lang.Provider value={lang}>
        <Conn.Provider value={{ client: this.client, userId: claims.sub ?? null }}>
          <Viewer
            roomId={this.getAttribute('room')}
            signedIn={token !== null}
            hooks={hooks}
            compact
          />
        </Conn.Provider>
      </Lang.Provider>,
      this.mount,
    );
  }
}

if (!customElements.get('liveshop-player'))
  customElements.define('liveshop-player', LiveShopPlayer);
