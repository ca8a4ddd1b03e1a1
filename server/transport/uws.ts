/**
 * The one place that knows which uWebSockets.js we run on. package.json installs it from the npm
 * registry through the alias `uWebSockets.js` (see DESIGN.md, "Transport"); swapping the alias for
 * the official package needs no change here.
 */
import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
import type * as Uws from 'uWebSockets.js';

export type { TemplatedApp, HttpResponse, HttpRequest, us_listen_socket } from 'uWebSockets.js';

const require = createRequire(import.meta.url);

export interface UwsRuntime {
  readonly uws: typeof Uws;
  /** True when the native C++ addon loaded; false on the repackage's JavaScript fallback (HTTP only). */
  readonly native: boolean;
  /** The file the implementation came from (the `.node` addon when native). */
  readonly implementation: string;
}

/** Loads uWebSockets.js (once: require caches it) and tells whether the native addon runs. */
export function loadUws(): UwsRuntime {
  const uws = require('uWebSockets.js') as typeof Uws;
  const packageDir = dirname(require.resolve('uWebSockets.js/package.json')) + sep;
  const addon = Object.entries(require.cache).find(
    ([file, mod]) => file.startsWith(packageDir) && file.endsWith('.node') && mod?.exports === uws,
  );
  return { uws, native: addon !== undefined, implementation: addon?.[0] ?? 'javascript fallback' };
}
