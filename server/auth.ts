import { randomBytes } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { Role, RoomId, type ErrorCode } from '../client-sdk/src/protocol/index.js';
import type { Identity } from '../rooms/index.js';
import type { Config } from './config.js';

/**
 * The claims we read from a token. `sub` is required; `name` defaults to `sub`; `role` is the
 * global role (default viewer) and `rooms` grants per-room roles over it.
 */
export const Claims = z.object({
  sub: z
    .string()
    .min(1)
    .max(128)
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters'),
  name: z.string().trim().min(1).max(64).optional(),
  role: Role.default('viewer'),
  rooms: z.record(RoomId, Role).default({}),
  region: z.string().max(16).optional(),
  lang: z.string().max(16).optional(),
});
export type Claims = z.input<typeof Claims>;

/** A refused connection, with the code the client receives in `connect_error`. */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    readonly code: Extract<ErrorCode, 'UNAUTHENTICATED' | 'TOKEN_EXPIRED'>,
    message: string,
  ) {
    super(message);
  }
}

export interface Authenticator {
  /** Verifies a token (or admits an anonymous viewer when allowed and no token is given). */
  authenticate(token: unknown): Promise<Identity>;
}

export function createAuthenticator(auth: Config['auth']): Authenticator {
  const options = {
    algorithms: auth.jwksUrl ? ['RS256', 'ES256', 'EdDSA', 'PS256'] : ['HS256'],
    ...(auth.issuer ? { issuer: auth.issuer } : {}),
    ...(auth.audience ? { audience: auth.audience } : {}),
  };
  const jwks = auth.jwksUrl ? createRemoteJWKSet(new URL(auth.jwksUrl)) : null;
  const secret = new TextEncoder().encode(auth.secret ?? '');
  const verify = (token: string) =>
    jwks ? jwtVerify(token, jwks, options) : jwtVerify(token, secret, options);

  return {
    async authenticate(token) {
      if (token === undefined || token === null || token === '') {
        if (auth.allowAnonymous) return anonymous();
        throw new AuthError('UNAUTHENTICATED', 'A token is required');
      }
      if (typeof token !== 'string')
        throw new AuthError('UNAUTHENTICATED', 'The token must be a string');
      let payload: unknown;
      try {
        payload = (await verify(token)).payload;
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired)
          throw new AuthError('TOKEN_EXPIRED', 'The token has expired');
        throw new AuthError('UNAUTHENTICATED', 'The token is not valid');
      }
      const claims = Claims.safeParse(payload);
      if (!claims.success) {
        const issue = claims.error.issues[0];
        throw new AuthError(
          'UNAUTHENTICATED',
          `The token's claims are not valid (${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''})`,
        );
      }
      const c = claims.data;
      return {
        id: c.sub,
        name: c.name ?? c.sub,
        anonymous: false,
        role: c.role,
        roomRoles: c.rooms,
        region: c.region ?? null,
        language: c.lang ?? null,
      };
    },
  };
}

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
