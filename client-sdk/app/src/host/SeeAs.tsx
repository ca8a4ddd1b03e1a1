import { useState } from 'preact/hooks';
import { pageArgs, parseSeeAs } from '../lib/connection.js';
import { usePage } from '../lib/context.js';

/** The seed's two audiences, one tap each; any other is typed in. */
const GROUPS = [
  { region: 'US', lang: 'en' },
  { region: 'CN', lang: 'zh-CN' },
] as const;

/**
 * "See as": the room as a viewer of another audience sees it (their moderation group's chat,
 * their language), in a player beside the console. The player signs in with this console's own
 * token and joins with `seeAs`, which the server grants the room's hosts and moderators only.
 */
export function SeeAs({ roomId }: { roomId: string }) {
  const { words } = usePage();
  const [src, setSrc] = useState<string | null>(null);
  const [region, setRegion] = useState('');
  const [lang, setLang] = useState('');
  const [bad, setBad] = useState(false);
  const open = (value: string) => {
    const seeAs = parseSeeAs(value);
    setBad(seeAs === null);
    if (!seeAs) return;
    const query = new URLSearchParams({ room: roomId, seeAs: value });
    if (seeAs.lang) query.set('lang', seeAs.lang);
    const token = pageArgs().token;
    setSrc(`/embed?${query.toString()}${token ? `#token=${token}` : ''}`);
  };
  return (
    <section class="panel see-as" aria-label={words.t('seeAs')}>
      <h2>{words.t('seeAs')}</h2>
      <div class="row">
        {GROUPS.map((g) => (
          <button
            key={g.region}
            type="button"
            class="btn ghost small"
            onClick={() => open(`${g.region}:${g.lang}`)}
          >
            {words.t('seeAsGroup', { region: g.region, lang: g.lang })}
          </button>
        ))}
      </div>
      <form
        class="row see-as-other"
        aria-label={words.t('seeAsOther')}
        onSubmit={(e) => {
          e.preventDefault();
          open(`${region.trim().toUpperCase()}:${lang.trim()}`);
        }}
      >
        <label class="field">
          {words.t('seeAsRegion')}
          <input
            value={region}
            maxLength={2}
            aria-invalid={bad}
            onInput={(e) => setRegion(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          {words.t('seeAsLang')}
          <input
            value={lang}
            maxLength={35}
            aria-invalid={bad}
            onInput={(e) => setLang(e.currentTarget.value)}
          />
        </label>
        <button type="submit" class="btn ghost small">
          {words.t('seeAsOpen')}
        </button>
      </form>
      {src && (
        <iframe
          key={src}
          class="see-as-frame"
          src={src}
          title={words.t('seeAs')}
          allow="autoplay"
        />
      )}
    </section>
  );
}
