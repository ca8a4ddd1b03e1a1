import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PathHandlers } from './routes.js';

/** A file of the browser build: a bundle, a shared chunk, or a source map. */
const BROWSER_FILE = /^[A-Za-z0-9_-]+\.js(\.map)?$/;

/**
 * The minimal host and viewer pages (`/media/host`, `/media/watch`) and the browser build of the
 * SDK they load (`/sdk/liveshop-sdk.js`, `/sdk/liveshop-media.js` and their shared chunks, built
 * by `npm run build`). Both pages read `room` and `token` from the query string; the full shop UI
 * is a separate app.
 */
export function pageRoutes(): Record<string, PathHandlers> {
  const dir = join(projectRoot(), 'dist', 'browser');
  const cache = new Map<string, Promise<Buffer>>();
  const html = (title: string, script: string) => page(title, script);
  return {
    '/sdk/:file': {
      GET: (reply, req) => {
        const file = req.getParameter(0);
        if (!BROWSER_FILE.test(file)) {
          reply.error(404, 'NOT_FOUND', 'No such file of the browser SDK');
          return;
        }
        let reading = cache.get(file);
        if (!reading) {
          reading = readFile(join(dir, file));
          cache.set(file, reading);
        }
        const type = file.endsWith('.map') ? 'application/json' : 'text/javascript; charset=utf-8';
        reading.then(
          (body) => reply.send(200, body, type),
          () => {
            cache.delete(file);
            reply.error(404, 'NOT_FOUND', `No browser SDK file ${file} (built by npm run build)`);
          },
        );
      },
    },
    '/media/host': { GET: (reply) => reply.send(200, html('Host', HOST_SCRIPT), HTML) },
    '/media/watch': { GET: (reply) => reply.send(200, html('Watch', WATCH_SCRIPT), HTML) },
  };
}

const HTML = 'text/html; charset=utf-8';

/** The folder holding package.json, from wherever this file runs (source or dist). */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function page(title: string, script: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>LiveShop: ${title}</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 1rem; background: #111; color: #eee; }
  video { width: 100%; max-width: 960px; background: #000; aspect-ratio: 16 / 9; }
  #status { margin: 0.5rem 0; }
</style>
</head>
<body>
<h1>${title}</h1>
<video autoplay playsinline muted></video>
<p id="status">starting</p>
<script type="module">
import { createClient } from '/sdk/liveshop-sdk.js';
import { publish, watch } from '/sdk/liveshop-media.js';
const query = new URLSearchParams(location.search);
const roomId = query.get('room') ?? 'demo';
const token = query.get('token') ?? undefined;
const video = document.querySelector('video');
const state = (window.liveshop = { status: 'starting', error: null });
const status = (text) => {
  state.status = text;
  document.getElementById('status').textContent = text;
};
const client = createClient(token ? { url: location.origin, token } : { url: location.origin });
state.client = client;
client.on('error', (error) => {
  state.error = error.message;
});
try {
${script}
} catch (error) {
  state.error = error.message ?? String(error);
  status('failed: ' + state.error);
}
</script>
</body>
</html>
`;
}

const HOST_SCRIPT = `
  let room;
  try {
    room = await client.join(roomId);
  } catch (error) {
    if (error.code !== 'ROOM_NOT_FOUND') throw error;
    await client.createStream(roomId, { title: roomId });
    room = await client.join(roomId);
  }
  state.room = room;
  const audio = query.get('audio') !== '0';
  const stream = await navigator.mediaDevices.getUserMedia({
    audio,
    video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } },
  });
  video.srcObject = stream;
  state.publication = await publish(room, stream);
  status('publishing');
`;

const WATCH_SCRIPT = `
  const room = (state.room = await client.join(roomId));
  const layer = query.get('layer');
  room.on('media:layers', (event) => {
    state.layers = event.layers;
  });
  state.viewing = await watch(
    room,
    video,
    layer === null ? {} : { preferredLayers: { spatialLayer: Number(layer) } },
  );
  status('watching');
`;
