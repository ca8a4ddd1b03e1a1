import { randomBytes } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import * as z from 'zod';
import {
  GlobalRole,
  plainText,
  Role,
  CodedError,
  RoomId,
} from '../client-sdk/src/protocol/index.js';
import type { Identity } from '../rooms/index.js';
import type { Config } from './config.js';
import { hs256Key, verifyHs256 } from './hs256.js';

/** Longest token accepted, in characters (a JWT is a few hundred; this bounds the work per connect). */
export const MAX_TOKEN_LENGTH = 8192;

/**
 * The claims we read from a token. `sub` is required; `name` defaults to `sub`; `role` is the
 * global role (default viewer) and `rooms` grants per-room roles over it. `exp` is required and
 * checked with the signature (see {@link createAuthenticator}).
 */
export const Claims = z.object({
  sub: z
    .string()
    .min(1)
    .max(128)
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters'),
  name: plainText(64).optional(),
  role: GlobalRole.default('viewer'),
  rooms: z.record(RoomId, Role).default({}),
  region: z.string().max(16).optional(),
  lang: z.string().max(16).optional(),
  /** When the account was created, epoch seconds (moderation's account-age rules and trust). */
  created: z.number().int().nonnegative().optional(),
  /** The user has bought before: moderation trusts buyers more when a classifier is down. */
  buyer: z.boolean().optional(),
});
export type Claims = z.input<typeof Claims>;

export interface Authenticator {
  /** Verifies a token (or admits an anonymous viewer when allowed and no token is given). */
  authenticate(token: unknown): Promise<Identity>;
}

/**
 * Verifies tokens: the signature (HS256 secret or a JWKS), `iss` and `aud` when configured, and
 * the times on the server's clock with a small leeway: `exp` is required and must not have
 * passed, `nbf` and `iat` must not lie ahead, and `exp - iat` may not exceed the configured
 * maximum age (a token that never expires, or lives for a year, is refused).
 */
export function createAuthenticator(
  auth: Config['auth'],
  now: () => number = Date.now,
): Authenticator {
  const options = {
    algorithms: auth.jwksUrl ? ['RS256', 'ES256', 'EdDSA', 'PS256'] : ['HS256'],
    requiredClaims: ['exp'],
    clockTolerance: auth.clockLeewaySeconds,
    ...(auth.issuer ? { issuer: auth.issuer } : {}),
    ...(auth.audience ? { audience: auth.audience } : {}),
  };
  const jwks = auth.jwksUrl ? createRemoteJWKSet(new URL(auth.jwksUrl)) : null;
  const key = hs256Key(auth.secret ?? '');
  const rules = {
    leewaySeconds: auth.clockLeewaySeconds,
    issuer: auth.issuer,
    audience: auth.audience,
  };
  // a shared secret is checked in this thread (server/hs256.ts); JWKS keys through jose
  const verify = async (token: string): Promise<Record<string, unknown>> => {
    if (!jwks) return verifyHs256(token, key, rules, Math.floor(now() / 1000));
    const at = { ...options, currentDate: new Date(now()) };
    return (await jwtVerify(token, jwks, at)).payload;
  };

  return {
    async authenticate(token) {
      if (token === undefined || token === null || token === '') {
        if (auth.allowAnonymous) return anonymous();
        throw new CodedError('UNAUTHENTICATED', 'A token is required');
      }
      if (typeof token !== 'string')
        throw new CodedError('UNAUTHENTICATED', 'The token must be a string');
      if (token.length > MAX_TOKEN_LENGTH)
        throw new CodedError(
          'UNAUTHENTICATED',
          `The token is longer than ${MAX_TOKEN_LENGTH} characters`,
        );
      let payload: Record<string, unknown>;
      try {
        payload = await verify(token);
      } catch (error) {
        throw error instanceof CodedError ? error : refusal(error);
      }
      checkLifetime(payload, Math.floor(now() / 1000), auth);
      const claims = Claims.safeParse(payload);
      if (!claims.success) {
        const issue = claims.error.issues[0];
        throw new CodedError(
          'UNAUTHENTICATED',
          `The token's claims are not valid (${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''})`,
        );
      }
      const c = claims.data;
      return {
        id: c.sub,
        name: c.name ?? nameFrom(c.sub),
        anonymous: false,
        role: c.role,
        roomRoles: c.rooms,
        region: c.region ?? null,
        language: c.lang ?? null,
        accountCreatedAt: c.created === undefined ? null : c.created * 1000,
        buyer: c.buyer ?? false,
      };
    },
  };
}

/** What a failed verification tells the client: expiry apart, one code with a reason. */
function refusal(error: unknown): CodedError {
  if (error instanceof joseErrors.JWTExpired)
    return new CodedError('TOKEN_EXPIRED', 'The token has expired');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'exp')
      return new CodedError('UNAUTHENTICATED', 'The token must carry an expiry time (exp)');
    if (error.claim === 'nbf')
      return new CodedError('UNAUTHENTICATED', 'The token is not valid yet (nbf)');
    return new CodedError('UNAUTHENTICATED', `The token's "${error.claim}" claim is not accepted`);
  }
  return new CodedError('UNAUTHENTICATED', 'The token is not valid');
}

/** `iat` not ahead of our clock (beyond the leeway), and no longer a lifetime than allowed. */
function checkLifetime(payload: Record<string, unknown>, nowSeconds: number, auth: Config['auth']) {
  const { exp, iat } = payload;
  if (typeof exp !== 'number')
    throw new CodedError('UNAUTHENTICATED', 'The token must carry an expiry time (exp)');
  if (iat !== undefined && typeof iat !== 'number')
    throw new CodedError('UNAUTHENTICATED', "The token's issue time (iat) must be a number");
  if (iat !== undefined && iat > nowSeconds + auth.clockLeewaySeconds)
    throw new CodedError('UNAUTHENTICATED', 'The token was issued in the future (iat)');
  const lifetime = exp - (iat ?? nowSeconds);
  if (lifetime > auth.maxTokenAgeSeconds + auth.clockLeewaySeconds)
    throw new CodedError(
      'UNAUTHENTICATED',
      `The token lives longer than the ${auth.maxTokenAgeSeconds} s this server accepts (exp - iat)`,
    );
}

/** The display name of a token without `name`: its `sub`, under the text rules (else "user"). */
function nameFrom(sub: string): string {
  const shown = DisplayName.safeParse(Array.from(sub).slice(0, 64).join(''));
  return shown.success ? shown.data : 'user';
}

const DisplayName = plainText(64);

function anonymous(): Identity {
  const id = `anon:${randomBytes(9).toString('base64url')}`;
  return {
    id,
    name: 'Guest',
    anonymous: true,
    role: 'viewer',
    roomRoles: {},
    region: null,
    language: null,
  };
}

/** Signs a development token with an HS256 secret (the `npm run token` command uses this). */
export async function signToken(
  claims: Claims,
  secret: string,
  options: { ttlSeconds: number; issuer?: string | null; audience?: string | null },
): Promise<string> {
  const { sub, ...rest } = Claims.parse(claims);
  let jwt = new SignJWT(rest)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(`${options.ttlSeconds}s`);
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
