import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { CodedError } from '../client-sdk/src/protocol/index.js';

/** What an HS256 token must satisfy besides its signature (RFC 7519's registered claims). */
export interface Hs256Rules {
  /** Seconds the issuer's clock may be off ours. */
  leewaySeconds: number;
  issuer: string | null;
  audience: string | null;
}

const PART = /^[A-Za-z0-9_-]+$/;

/** The key for a shared secret (its UTF-8 bytes, as every JWT library takes it). */
export const hs256Key = (secret: string): KeyObject => createSecretKey(Buffer.from(secret, 'utf8'));

/**
 * Verifies a compact HS256 JWS with node:crypto, in the calling thread: a connection's token is
 * checked in a few microseconds (WebCrypto's HMAC goes through a job queue and costs tens of
 * times more per token, which a flash crowd pays per connection). The header must say HS256
 * and name no critical extension; then the claims: `exp` required and not passed (with the
 * leeway), `nbf` not ahead, `iss` and `aud` when configured. Returns the payload.
 */
export function verifyHs256(
  token: string,
  key: KeyObject,
  rules: Hs256Rules,
  nowSeconds: number,
): Record<string, unknown> {
  const parts = token.split('.');
  const [head, body, signature] = parts;
  if (parts.length !== 3 || !head || !body || !signature || !parts.every((p) => PART.test(p)))
    throw invalid();
  const header = json(head);
  if (header?.alg !== 'HS256' || header.crit !== undefined || header.b64 === false) throw invalid();
  const expected = createHmac('sha256', key).update(`${head}.${body}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  const payload = json(body);
  if (!payload) throw invalid();
  const { exp, nbf, iss, aud } = payload;
  const leeway = rules.leewaySeconds;
  if (exp === undefined)
    throw new CodedError('UNAUTHENTICATED', 'The token must carry an expiry time (exp)');
  if (typeof exp !== 'number') throw claim('exp');
  if (exp <= nowSeconds - leeway) throw new CodedError('TOKEN_EXPIRED', 'The token has expired');
  if (nbf !== undefined && typeof nbf !== 'number') throw claim('nbf');
  if (typeof nbf === 'number' && nbf > nowSeconds + leeway)
    throw new CodedError('UNAUTHENTICATED', 'The token is not valid yet (nbf)');
  if (rules.issuer !== null && iss !== rules.issuer) throw claim('iss');
  if (rules.audience !== null) {
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (!audiences.includes(rules.audience)) throw claim('aud');
  }
  return payload;
}

function json(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const invalid = () => new CodedError('UNAUTHENTICATED', 'The token is not valid');
const claim = (name: string) =>
  new CodedError('UNAUTHENTICATED', `The token's "${name}" claim is not accepted`);
