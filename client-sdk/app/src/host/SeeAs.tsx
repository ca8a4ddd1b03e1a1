import { useState } from 'preact/hooks';
import { usePage } from '../lib/context.js';

const GROUPS = [
  { region: 'US', lang: 'en' },
  { region: 'CN', lang: 'zh-CN' },
] as const;

/**
 * "See as": the room as a viewer of another audience sees it (their moderation group, their
 * language), in a player beside the console. Demo rooms mint the viewer here; other rooms need a
 * viewer token of that audience from the app's own backend, so this shows only for demo rooms.
 */
export function SeeAs({ roomId }: { roomId: string }) {
  const { words } = usePage();
  const [src, setSrc] = useState<string | null>(null);
  if (!roomId.startsWith('demo-')) return null;
  const open = async (region: string, lang: string) => {
    const r = await fetch(
      `/v1/demo/${encodeURIComponent(roomId)}/viewers?region=${region}&lang=${lang}`,
      { method: 'POST' },
    );
    const body = (await r.json()) as { ok: boolean; token?: string };
    if (body.ok && body.token)
      setSrc(`/embed?room=${encodeURIComponent(roomId)}#token=${body.token}`);
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
            onClick={() => void open(g.region, g.lang)}
          >
            {words.t('seeAsGroup', { region: g.region, lang: g.lang })}
          </button>
        ))}
      </div>
      {src && <iframe class="see-as-frame" src={src} title={words.t('seeAs')} allow="autoplay" />}
    </section>
  );
}
