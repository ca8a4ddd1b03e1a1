import { useEffect, useRef, useState } from 'preact/hooks';
import type { Room, StreamInfo } from '../../../src/index.js';
import { failure } from '../lib/connection.js';
import type { Viewing } from '../../../src/media/index.js';
import { usePage } from '../lib/context.js';
import { debugState } from '../lib/debug.js';

/**
 * The host's video through the SDK (WebRTC), muted until the viewer taps for sound (browsers
 * allow no sound without a gesture), with the stream's state over it: a countdown while
 * scheduled, a wait for the first frame while live, and the ending screen once it has ended.
 */
export function Video({ room, stream, now }: { room: Room; stream: StreamInfo; now: number }) {
  const { words } = usePage();
  const video = useRef<HTMLVideoElement>(null);
  const [playing, setPlaying] = useState(false);
  const [muted, setMuted] = useState(true);
  const [problem, setProblem] = useState<string | null>(null);
  const ended = stream.state === 'ended';

  useEffect(() => {
    if (ended) return;
    let viewing: Viewing | undefined;
    let closed = false;
    const debug = debugState();
    void import('../../../src/media/index.js')
      .then(({ watch }) => watch(room, video.current))
      .then(
        (v) => {
          if (closed) return void v.close();
          viewing = v;
          debug['viewing'] = v;
        },
        (error: unknown) => {
          if (!closed) setProblem(words.error(failure(error)));
        },
      );
    return () => {
      closed = true;
      void viewing?.close();
    };
  }, [room, ended]);

  useEffect(() => {
    const el = video.current;
    if (!el) return;
    const on = () => setPlaying(true);
    const off = () => setPlaying(false);
    el.addEventListener('playing', on);
    el.addEventListener('emptied', off);
    return () => {
      el.removeEventListener('playing', on);
      el.removeEventListener('emptied', off);
    };
  }, []);

  const unmute = () => {
    const el = video.current;
    if (!el) return;
    el.muted = false;
    setMuted(false);
    void el.play().catch(() => undefined);
  };

  return (
    <div class="video-wrap">
      <video ref={video} autoplay playsinline muted aria-label={stream.title} />
      {ended ? (
        <div class="screen ended" role="status" data-screen="ended">
          <p class="screen-icon" aria-hidden="true">
            ■
          </p>
          <h2>{words.t('ended')}</h2>
          <p>{words.t('endedThanks')}</p>
          {stream.endedAt !== null && (
            <p class="meta">{words.t('endedAt', { time: words.time(stream.endedAt) })}</p>
          )}
        </div>
      ) : stream.state === 'scheduled' ? (
        <div class="screen scheduled" data-screen="scheduled">
          <p class="kicker">{words.t('scheduled')}</p>
          <h2>{stream.title}</h2>
          {stream.scheduledAt !== null && stream.scheduledAt > now && (
            <p class="big-countdown" role="timer">
              {words.t('startsIn', { time: words.clock(stream.scheduledAt - now) })}
            </p>
          )}
          {stream.description && <p class="meta">{stream.description}</p>}
        </div>
      ) : (
        !playing && (
          <div class="screen waiting" data-screen="waiting" role="status">
            {!problem && <span class="spinner" aria-hidden="true" />}
            <p>{problem ?? words.t('videoWaiting')}</p>
          </div>
        )
      )}
      {!ended && playing && muted && (
        <button type="button" class="unmute" onClick={unmute}>
          🔇 {words.t('videoPaused')}
        </button>
      )}
    </div>
  );
}
