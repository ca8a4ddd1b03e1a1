import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Reply } from './reply.js';
import type { PathHandlers } from './routes.js';

/** A file of the browser build: a bundle, a shared chunk, or a source map. */
const BROWSER_FILE = /^[A-Za-z0-9_-]+\.js(\.map)?$/;
/** A file of the app's build (Vite names them with a content hash). */
const APP_ASSET = /^[A-Za-z0-9_.-]+\.(js|css|map|svg|png|woff2)$/;
const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  map: 'application/json',
  svg: 'image/svg+xml',
  png: 'image/png',
  woff2: 'font/woff2',
};
/** The app's pages: one shell, each route drawn by the app (client-sdk/app). */
export const APP_PAGES = ['/', '/watch', '/host', '/embed'] as const;

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
    ...appRoutes(),
    '/media/host': { GET: (reply) => reply.send(200, html('Host', HOST_SCRIPT), HTML) },
    '/media/watch': { GET: (reply) => reply.send(200, html('Watch', WATCH_SCRIPT), HTML) },
  };
}

const HTML = 'text/html; charset=utf-8';

/**
 * The browser app (`npm run build` puts it in dist/app): its shell at each page's path (read each
 * time, so a rebuild shows at once), its hashed assets cached for good, and the embeddable
 * player's script under a fixed name (`/liveshop-player.js`) for other sites to load.
 */
function appRoutes(): Record<string, PathHandlers> {
  const dir = join(projectRoot(), 'dist', 'app');
  const assets = new Map<string, Promise<Buffer>>();
  const missing = 'The app is not built (npm run build)';
  const shell: PathHandlers = {
    GET: (reply) => {
      readFile(join(dir, 'index.html')).then(
        (body) => reply.send(200, body, HTML),
        () => reply.error(404, 'NOT_FOUND', missing),
      );
    },
  };
  const file = (path: string, reply: Reply, immutable: boolean) => {
    let reading = immutable ? assets.get(path) : undefined;
    if (!reading) {
      reading = readFile(join(dir, path));
      if (immutable) assets.set(path, reading);
    }
    const type = TYPES[path.slice(path.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
    reading.then(
      (body) =>
        reply.send(200, body, type, {
          'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
          // the embeddable player is a module script on other sites: they load it across origins
          'access-control-allow-origin': '*',
        }),
      () => {
        assets.delete(path);
        reply.error(404, 'NOT_FOUND', missing);
      },
    );
  };
  return {
    ...Object.fromEntries(APP_PAGES.map((path) => [path, shell])),
    '/assets/:file': {
      GET: (reply, req) => {
        const name = req.getParameter(0);
        if (!APP_ASSET.test(name) || name.startsWith('.'))
          reply.error(404, 'NOT_FOUND', 'No such file of the app');
        else file(`assets/${name}`, reply, true);
      },
    },
    '/liveshop-player.js': { GET: (reply) => file('liveshop-player.js', reply, false) },
  };
}

/** The folder holding package.json, from wherever this file runs (source or dist). */
export function projectRoot(): string {
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
