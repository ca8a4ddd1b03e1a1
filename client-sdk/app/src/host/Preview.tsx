import { ErrorLine } from '../lib/error-line.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Room, StreamInfo } from '../../../src/index.js';
import type { Publication } from '../../../src/media/index.js';
import { failure } from '../lib/connection.js';
import { usePage } from '../lib/context.js';
import { debugState } from '../lib/debug.js';

/** What the analytics read of the publication: sent video figures, sampled each second. */
export interface SendStats {
  at: number;
  bytesSent: number;
  framesEncoded: number;
  width: number | null;
  height: number | null;
}

/**
 * The camera preview and the stream's lifecycle: start the camera, go live (the stream starts
 * and the camera is published through the SDK), end the stream (confirmed first).
 */
export function Preview(props: {
  room: Room;
  stream: StreamInfo;
  onStats: (s: SendStats | null) => void;
}) {
  const { room, stream, onStats } = props;
  const { words } = usePage();
  const video = useRef<HTMLVideoElement>(null);
  const [media, setMedia] = useState<MediaStream | null>(null);
  const [publication, setPublication] = useState<Publication | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const debug = debugState();

  const camera = async () => {
    setError(null);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: true,
        video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } },
      });
      if (video.current) video.current.srcObject = stream;
      setMedia(stream);
      return stream;
    } catch {
      setError(words.error({ code: 'MEDIA_UNAVAILABLE' }));
      return null;
    }
  };

  const goLive = async () => {
    setBusy(true);
    setError(null);
    try {
      const source = media ?? (await camera());
      if (!source) return;
      if (stream.state === 'scheduled') await room.stream.start();
      const { publish } = await import('../../../src/media/index.js');
      const p = await publish(room, source);
      setPublication(p);
      debug['publication'] = p;
      debug.status = 'publishing';
    } catch (e) {
      setError(words.error(failure(e)));
    } finally {
      setBusy(false);
    }
  };

  const end = async () => {
    setConfirming(false);
    setBusy(true);
    try {
      await room.stream.end();
      await publication?.close();
      setPublication(null);
      for (const track of media?.getTracks() ?? []) track.stop();
      setMedia(null);
      debug.status = 'ended';
    } catch (e) {
      setError(words.error(failure(e)));
    } finally {
      setBusy(false);
    }
  };

  // the publication's own figures, once a second, for the stream-health chart
  useEffect(() => {
    if (!publication) return onStats(null);
    const timer = setInterval(() => {
      void senderStats(publication).then(onStats);
    }, 1000);
    return () => clearInterval(timer);
  }, [publication]);

  useEffect(
    () => () => {
      void publication?.close();
    },
    [publication],
  );

  const ended = stream.state === 'ended';
  return (
    <section class="panel preview" aria-label={words.t('cameraPreview')}>
      <div class="preview-video">
        <video ref={video} autoplay playsinline muted aria-label={words.t('cameraPreview')} />
        {!media && <p class="screen-note">{words.t(ended ? 'streamEnded' : 'cameraOff')}</p>}
        <span class={`badge ${stream.state === 'live' ? 'live' : 'soon'}`}>
          {words.t(
            stream.state === 'live' ? 'streamLive' : ended ? 'streamEnded' : 'streamScheduled',
          )}
        </span>
      </div>
      <div class="row">
        {!ended && !media && (
          <button type="button" class="btn ghost" onClick={() => void camera()}>
            {words.t('startCamera')}
          </button>
        )}
        {!ended && !publication && (
          <button type="button" class="btn primary" disabled={busy} onClick={() => void goLive()}>
            {words.t(busy ? 'goingLive' : 'goLive')}
          </button>
        )}
        {stream.state === 'live' && !confirming && (
          <button
            type="button"
            class="btn danger"
            disabled={busy}
            onClick={() => setConfirming(true)}
          >
            {words.t('endStream')}
          </button>
        )}
        {confirming && (
          <span class="confirm" role="alertdialog" aria-label={words.t('confirmEnd')}>
            {words.t('confirmEnd')}{' '}
            <button type="button" class="btn danger" onClick={() => void end()}>
              {words.t('endStream')}
            </button>{' '}
            <button type="button" class="btn ghost" onClick={() => setConfirming(false)}>
              {words.t('close')}
            </button>
          </span>
        )}
      </div>
      <ErrorLine text={error} />
    </section>
  );
}

async function senderStats(publication: Publication): Promise<SendStats> {
  const s = await publication.videoStats();
  return {
    at: Date.now(),
    bytesSent: s.bytesSent,
    framesEncoded: s.framesEncoded,
    width: s.frameWidth,
    height: s.frameHeight,
  };
}
