import { useEffect, useRef, useState } from 'preact/hooks';
import type { ReactionKind, Room } from '../../../src/index.js';
import { usePage } from '../lib/context.js';
import type { MessageKey } from '../i18n/ui.js';

export const REACTIONS: readonly { kind: ReactionKind; emoji: string; label: MessageKey }[] = [
  { kind: 'heart', emoji: '❤️', label: 'reactionHeart' },
  { kind: 'fire', emoji: '🔥', label: 'reactionFire' },
  { kind: 'clap', emoji: '👏', label: 'reactionClap' },
  { kind: 'laugh', emoji: '😂', label: 'reactionLaugh' },
  { kind: 'wow', emoji: '😮', label: 'reactionWow' },
  { kind: 'cart', emoji: '🛒', label: 'reactionCart' },
];
const EMOJI = Object.fromEntries(REACTIONS.map((r) => [r.kind, r.emoji])) as Record<
  ReactionKind,
  string
>;
/** Bubbles on screen at once; a crowd's thousands are summed per tick by the server anyway. */
const MAX_BUBBLES = 24;

interface Bubble {
  id: number;
  emoji: string;
  left: number;
}

/** The reaction buttons, and everyone's reactions floating up (each tick's sums, a few bubbles each). */
export function Reactions({ room, signedIn }: { room: Room; signedIn: boolean }) {
  const { words } = usePage();
  const [bubbles, setBubbles] = useState<Bubble[]>([]);
  const next = useRef(0);
  const reduced =
    typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;

  useEffect(
    () =>
      room.on('reaction:batch', (batch) => {
        if (reduced) return;
        const fresh: Bubble[] = [];
        for (const [kind, count] of Object.entries(batch.counts) as [ReactionKind, number][])
          for (let i = 0; i < Math.min(count, 4); i++)
            fresh.push({
              id: next.current++,
              emoji: EMOJI[kind],
              left: 10 + Math.random() * 70,
            });
        setBubbles((b) => [...b, ...fresh].slice(-MAX_BUBBLES));
      }),
    [room, reduced],
  );

  return (
    <>
      <div class="bubbles" aria-hidden="true">
        {bubbles.map((b) => (
          <span
            key={b.id}
            class="bubble"
            style={{ left: `${b.left}%` }}
            onAnimationEnd={() => setBubbles((all) => all.filter((x) => x.id !== b.id))}
          >
            {b.emoji}
          </span>
        ))}
      </div>
      {signedIn && (
        <div class="reactions" role="group" aria-label={words.t('react')}>
          {REACTIONS.map((r) => (
            <button
              key={r.kind}
              type="button"
              class="reaction"
              aria-label={words.t(r.label)}
              title={words.t(r.label)}
              onClick={() => void room.reactions.send(r.kind).catch(() => undefined)}
            >
              {r.emoji}
            </button>
          ))}
        </div>
      )}
    </>
  );
}
