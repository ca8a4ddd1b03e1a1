import { ErrorLine } from '../lib/error-line.js';
import { useEffect, useState } from 'preact/hooks';
import { LANGUAGE_NAMES, type Locale } from '../i18n/ui.js';
import { useWords } from '../lib/context.js';
import { debugState } from '../lib/debug.js';

interface DemoShow {
  roomId: string;
  host: { url: string };
  viewers: { name: string; lang: Locale; url: string }[];
}

/** The front door: what this is, and in development "start a demo show" with its links. */
export function FrontDoor() {
  const words = useWords();
  const [available, setAvailable] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const [demo, setDemo] = useState<DemoShow | null>(null);
  const [error, setError] = useState<string | null>(null);
  const debug = debugState();
  debug.status = demo ? 'demo' : 'front';

  useEffect(() => {
    void fetch('/v1/demo')
      .then((r) => r.json() as Promise<{ available?: boolean }>)
      .then((r) => setAvailable(r.available === true))
      .catch(() => setAvailable(false));
  }, []);

  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await fetch('/v1/demo', { method: 'POST' });
      const body = (await r.json()) as DemoShow & { ok: boolean; error?: { code: string } };
      if (body.ok) {
        setDemo(body);
        debug['demo'] = body;
      } else setError(words.error(body.error ?? { code: 'INTERNAL' }));
    } catch {
      setError(words.error({ code: 'UNAVAILABLE' }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="front">
      <section class="hero">
        <p class="brand">● {words.t('appName')}</p>
        <h1>{words.t('frontTitle')}</h1>
        <p class="lead">{words.t('frontLead')}</p>
        {available === false && <p class="meta">{words.t('demoUnavailable')}</p>}
        {available && !demo && (
          <button
            type="button"
            class="btn primary big"
            disabled={busy}
            onClick={() => void start()}
          >
            {words.t(busy ? 'startingDemo' : 'startDemo')}
          </button>
        )}
        <ErrorLine text={error} />
        {demo && (
          <div class="demo" role="status">
            <h2>{words.t('demoReady')}</h2>
            <a class="btn primary big" href={demo.host.url} target="_blank" rel="noopener">
              {words.t('openConsole')}
            </a>
            <h3>{words.t('viewerLinks')}</h3>
            <ul class="links">
              {demo.viewers.map((v) => (
                <li key={v.url}>
                  <a href={v.url} target="_blank" rel="noopener">
                    {words.t('viewerLink', { name: v.name, lang: LANGUAGE_NAMES[v.lang] })}
                  </a>
                </li>
              ))}
            </ul>
            <p class="dev-note">⚠ {words.t('demoOnly')}</p>
          </div>
        )}
        {available && !demo && <p class="dev-note">⚠ {words.t('demoOnly')}</p>}
        <p class="meta">{words.t('joinByLink')}</p>
      </section>
    </main>
  );
}
