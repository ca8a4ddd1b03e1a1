import fc from 'fast-check';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { hs256Key, verifyHs256, type Hs256Rules } from './hs256.js';

const SECRET = 'a-test-secret-of-thirty-two-characters!!';
const key = hs256Key(SECRET);
const NOW = 1_800_000_000;
const RULES: Hs256Rules = { leewaySeconds: 30, issuer: null, audience: null };

function sign(claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', ...header })
    .sign(new TextEncoder().encode(SECRET));
}
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const code = (f: () => unknown) => {
  try {
    f();
    return 'ok';
  } catch (error) {
    const { code: errorCode = '', message } = error as { code?: string; message: string };
    return `${errorCode}: ${message}`;
  }
};

describe('verifyHs256', () => {
  it('accepts what jose signs, with the payload as signed', async () => {
    const token = await sign({ sub: 'ann', exp: NOW + 60, rooms: { a: 'host' } });
    expect(verifyHs256(token, key, RULES, NOW)).toEqual({
      sub: 'ann',
      exp: NOW + 60,
      rooms: { a: 'host' },
    });
  });

  it('refuses another secret, another algorithm, critical extensions and malformed tokens', async () => {
    const other = await new SignJWT({ exp: NOW + 60 })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('another-secret-another-secret-123456'));
    expect(code(() => verifyHs256(other, key, RULES, NOW))).toMatch(
      /^UNAUTHENTICATED: The token is not valid/,
    );
    const good = await sign({ exp: NOW + 60 });
    const [, body, sig] = good.split('.');
    for (const header of [
      { alg: 'none' },
      { alg: 'HS384' },
      { alg: 'RS256' },
      { alg: 'HS256', crit: ['x'] },
    ])
      expect(code(() => verifyHs256(`${b64(header)}.${body}.${sig}`, key, RULES, NOW))).toMatch(
        /not valid/,
      );
    for (const token of [
      '',
      'a.b',
      'a.b.c.d',
      `${good}.`,
      good.replace('.', '..'),
      `${b64('x')}.${body}.${sig}`,
      'é.é.é',
    ])
      expect(code(() => verifyHs256(token, key, RULES, NOW))).toMatch(/not valid/);
    // a signature that is right for another payload
    const array = await sign({ exp: NOW + 60 });
    expect(
      code(() => verifyHs256(`${array.split('.')[0]}.${b64([1])}.${sig}`, key, RULES, NOW)),
    ).toMatch(/not valid/);
  });

  it('checks exp (required, with the leeway), nbf, iss and aud', async () => {
    const at = async (claims: Record<string, unknown>, rules = RULES) => {
      const token = await sign(claims);
      return code(() => verifyHs256(token, key, rules, NOW));
    };
    expect(await at({})).toMatch(/must carry an expiry time/);
    expect(await at({ exp: 'soon' })).toMatch(/"exp" claim/);
    expect(await at({ exp: NOW - 60 })).toMatch(/^TOKEN_EXPIRED/);
    expect(await at({ exp: NOW - 5 })).toBe('ok');
    expect(await at({ exp: NOW + 60, nbf: NOW + 10 })).toBe('ok');
    expect(await at({ exp: NOW + 600, nbf: NOW + 300 })).toMatch(/not valid yet \(nbf\)/);
    const strict = { ...RULES, issuer: 'https://idp', audience: 'shop' };
    expect(await at({ exp: NOW + 60, iss: 'https://idp', aud: 'shop' }, strict)).toBe('ok');
    expect(await at({ exp: NOW + 60, iss: 'https://idp', aud: ['other', 'shop'] }, strict)).toBe(
      'ok',
    );
    expect(await at({ exp: NOW + 60, iss: 'https://evil', aud: 'shop' }, strict)).toMatch(/"iss"/);
    expect(await at({ exp: NOW + 60, iss: 'https://idp' }, strict)).toMatch(/"aud"/);
  });

  it('never accepts a token changed anywhere', async () => {
    const token = await sign({ sub: 'ann', exp: NOW + 60 });
    fc.assert(
      fc.property(
        fc.nat(token.length - 1),
        fc.constantFrom('A', 'B', 'C', 'a', 'b', 'c', '0', '1', '9', '-', '_', '.'),
        (at, ch) => {
          const changed = token.slice(0, at) + ch + token.slice(at + 1);
          if (changed === token) return;
          const outcome = code(() => verifyHs256(changed, key, RULES, NOW));
          // base64url's last character may carry unused bits: the same bytes are the same token
          if (outcome === 'ok')
            expect(Buffer.from(changed.split('.')[2] ?? '', 'base64url')).toEqual(
              Buffer.from(token.split('.')[2] ?? '', 'base64url'),
            );
        },
      ),
      { numRuns: 500 },
    );
  });
});
