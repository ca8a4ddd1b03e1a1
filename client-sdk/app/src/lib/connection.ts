import { CodedError, createClient, type LiveShopClient } from '../../../src/index.js';
import { pickLocale, type Locale } from '../i18n/ui.js';

/** What a page was opened with: the room, the token (from the fragment, never sent in a URL), the language. */
export interface PageArgs {
  roomId: string | null;
  token: string | null;
  /** `?lang=` overrides the token's and the browser's. */
  locale: Locale;
  /** The token's claims as it says them (not verified here: the server does). */
  claims: TokenClaims;
  /** `?seeAs=CN:zh-CN`: staff previewing the room as that region and language's viewers see it. */
  seeAs: SeeAs | null;
}

/** A region and a language to see a room as (either may be left out: `:en`, `CN:`). */
export interface SeeAs {
  region: string | null;
  lang: string | null;
}

/** `CN:zh-CN` → the region and language (an empty side is null); null when not of that form. */
export function parseSeeAs(value: string | null): SeeAs | null {
  const match =
    value === null ? null : /^([A-Z]{2})?:([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,3})?$/.exec(value);
  if (!match || (!match[1] && !match[2])) return null;
  return { region: match[1] ?? null, lang: match[2] ?? null };
}

export interface TokenClaims {
  sub?: string;
  name?: string;
  lang?: string;
  region?: string;
  role?: string;
  rooms?: Record<string, string>;
}

/** The claims a JWT carries, read without checking it (for the page's language and labels). */
export function readClaims(token: string | null): TokenClaims {
  const part = token?.split('.')[1];
  if (!part) return {};
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof claims === 'object' && claims !== null ? claims : {};
  } catch {
    return {};
  }
}

export function pageArgs(location: Location = window.location): PageArgs {
  const query = new URLSearchParams(location.search);
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get('token') ?? query.get('token');
  const claims = readClaims(token);
  return {
    roomId: query.get('room'),
    token,
    locale: pickLocale(query.get('lang') ?? claims.lang, navigator.languages),
    claims,
    seeAs: parseSeeAs(query.get('seeAs')),
  };
}

/** A client of the server this page came from (or `url`, for the embeddable player on another site). */
export function connect(token: string | null, url = window.location.origin): LiveShopClient {
  return createClient(token ? { url, token } : { url });
}

/** What a failure says, for `words.error`: its code (a thrown non-SDK error is INTERNAL) and wait. */
export function failure(error: unknown): { code: string; retryAfterMs?: number | undefined } {
  if (error instanceof CodedError) return error;
  return { code: 'INTERNAL' };
}
