import { render } from 'preact';
import { lazy, Suspense } from 'preact/compat';
import { words } from './i18n/ui.js';
import { connect, pageArgs } from './lib/connection.js';
import { Conn, Lang } from './lib/context.js';
import { FrontDoor } from './front/FrontDoor.js';
import { Viewer, type PlayerHooks } from './viewer/Viewer.js';
import './styles.css';

/** The host console is its own chunk: viewers never download it. */
const Console = lazy(() => import('./host/Console.js').then((m) => m.Console));

const args = pageArgs();
const path = window.location.pathname;
const lang = words(args.locale);
document.documentElement.lang = args.locale;
const root = document.getElementById('app');

/**
 * The iframe player's cart events, posted to the page around it:
 * `{ type: 'liveshop:add-to-cart' | 'liveshop:product-details' | 'liveshop:checkout', detail }`.
 */
function frameHooks(): PlayerHooks {
  const tell = (name: string, detail: object) =>
    window.parent.postMessage({ type: `liveshop:${name}`, detail }, '*');
  return {
    addToCart: (product) => tell('add-to-cart', { product }),
    productDetails: (product) => tell('product-details', { product }),
    checkout: (order) => tell('checkout', order),
  };
}

const inRoom = path === '/watch' || path === '/embed' || path === '/host';
const conn = inRoom ? { client: connect(args.token), userId: args.claims.sub ?? null } : null;

function App() {
  if (!conn) {
    document.title = lang.t('appName');
    return <FrontDoor />;
  }
  document.title = `${lang.t(path === '/host' ? 'console' : 'live')} · ${lang.t('appName')}`;
  return (
    <Conn.Provider value={conn}>
      {path === '/host' ? (
        <Suspense fallback={<p class="meta">{lang.t('loading')}</p>}>
          <Console roomId={args.roomId} />
        </Suspense>
      ) : (
        <Viewer
          roomId={args.roomId}
          signedIn={args.token !== null}
          seeAs={args.seeAs}
          {...(path === '/embed' ? { compact: true, hooks: frameHooks() } : {})}
        />
      )}
    </Conn.Provider>
  );
}

if (root)
  render(
    <Lang.Provider value={lang}>
      <App />
    </Lang.Provider>,
    root,
  );
