import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectionCapFor, openFileLimit } from './admission.js';
import { ConfigError, DEV_JWT_SECRET, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('runs on defaults with the development secret outside production', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 3000, logLevel: 'info' });
    expect(config.auth).toMatchObject({
      secret: DEV_JWT_SECRET,
      devSecret: true,
      allowAnonymous: false,
    });
    expect(config.rooms.tickMs).toBe(50);
  });

  it('reads and coerces values; empty strings count as unset', () => {
    const config = loadConfig({
      PORT: '8080',
      TICK_MS: '20',
      AUTH_ALLOW_ANONYMOUS: 'yes',
      LOG_LEVEL: '',
      CHAT_RATE_PER_SECOND: '0.5',
    });
    expect(config.port).toBe(8080);
    expect(config.rooms.tickMs).toBe(20);
    expect(config.auth.allowAnonymous).toBe(true);
    expect(config.logLevel).toBe('info');
    expect(config.rooms.chatRate.refillPerSecond).toBe(0.5);
  });

  it('caps connections by the open-file limit unless told otherwise', () => {
    const limit = openFileLimit();
    expect(loadConfig({}).admission.maxConnections).toBe(
      limit === null ? 0 : connectionCapFor(limit),
    );
    expect(loadConfig({ MAX_CONNECTIONS: 'auto' }).admission.maxConnections).toBe(
      loadConfig({}).admission.maxConnections,
    );
    expect(loadConfig({ MAX_CONNECTIONS: '0' }).admission.maxConnections).toBe(0);
    expect(loadConfig({ MAX_CONNECTIONS: '5000' }).admission.maxConnections).toBe(5000);
    expect(() => loadConfig({ MAX_CONNECTIONS: 'many' })).toThrow(/MAX_CONNECTIONS/);
  });

  it('lists every problem, one per line, naming the variable', () => {
    const attempt = () =>
      loadConfig({ PORT: 'eighty', TICK_MS: '0', AUTH_JWT_SECRET: 'short', LOG_LEVEL: 'loud' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      for (const name of ['PORT', 'TICK_MS', 'AUTH_JWT_SECRET', 'LOG_LEVEL'])
        expect(message).toMatch(new RegExp(`^  ${name}: `, 'm'));
    }
  });

  it('requires real auth in production, and one kind of key', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /AUTH_JWT_SECRET or AUTH_JWKS_URL/,
    );
    expect(() =>
      loadConfig({
        AUTH_JWT_SECRET: 'x'.repeat(32),
        AUTH_JWKS_URL: 'https://idp.example.com/jwks.json',
      }),
    ).toThrow(/set one, not both/);
    expect(
      loadConfig({
        NODE_ENV: 'production',
        AUTH_JWT_SECRET: 's'.repeat(40),
        METRICS_TOKEN: 'm'.repeat(20),
      }).auth.devSecret,
    ).toBe(false);
  });

  it('runs on the memory engine unless REDIS_URL names a Redis', () => {
    expect(loadConfig({}).redis).toBeNull();
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', NODE_ID: 'a' })).toMatchObject({
      redis: { url: 'redis://127.0.0.1:6379', keyPrefix: 'liveshop:', cluster: false },
      nodeId: 'a',
    });
    expect(() => loadConfig({ REDIS_URL: 'http://x' })).toThrow(/REDIS_URL: must be a redis/);
  });

  it('moderates only with a policy file, whose path is made absolute', () => {
    expect(loadConfig({}).moderation).toEqual({ policyFile: null });
    expect(loadConfig({ MODERATION_POLICY: '/etc/liveshop/policy.json' }).moderation).toEqual({
      policyFile: '/etc/liveshop/policy.json',
    });
    expect(loadConfig({ MODERATION_POLICY: 'policy.json' }).moderation.policyFile).toBe(
      resolve('policy.json'),
    );
  });

  it('posts merchant webhooks only when signed', () => {
    expect(loadConfig({}).webhook).toBeNull();
    expect(() => loadConfig({ MERCHANT_WEBHOOK_URL: 'https://shop.example/hooks' })).toThrow(
      /MERCHANT_WEBHOOK_SECRET: required/,
    );
    for (const weak of ['s'.repeat(32), 'whsec_c2hvcnQ=', `whsec_${'!'.repeat(40)}`])
      expect(() =>
        loadConfig({
          MERCHANT_WEBHOOK_URL: 'https://shop.example/hooks',
          MERCHANT_WEBHOOK_SECRET: weak,
        }),
      ).toThrow(/MERCHANT_WEBHOOK_SECRET: must be a Standard Webhooks secret/);
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    expect(
      loadConfig({
        MERCHANT_WEBHOOK_URL: 'https://shop.example/hooks',
        MERCHANT_WEBHOOK_SECRET: secret,
      }).webhook,
    ).toEqual({ url: 'https://shop.example/hooks', secret, maxBackoffMs: 60_000 });
  });

  it('checks limits against each other', () => {
    expect(() =>
      loadConfig({ BACKPRESSURE_SOFT_BYTES: '9000000', BACKPRESSURE_HARD_BYTES: '4000' }),
    ).toThrow(/BACKPRESSURE_SOFT_BYTES/);
    expect(() => loadConfig({ MAX_EVENT_BYTES: '65536', MAX_FRAME_BYTES: '4096' })).toThrow(
      /MAX_EVENT_BYTES/,
    );
  });
});
