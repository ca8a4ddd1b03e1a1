import { pino } from 'pino';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { PolicyError } from './moderation/policy-source.js';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(78);
}

const logger = pino({ level: config.logLevel });
if (config.auth.devSecret) {
  logger.warn(
    'No AUTH_JWT_SECRET or AUTH_JWKS_URL: using the built-in development secret (tokens from `npm run token`)',
  );
}
const app = createApp(config, { logger });
try {
  await app.listen();
} catch (error) {
  if (!(error instanceof PolicyError)) throw error;
  process.stderr.write(`${error.message}\n`);
  await app.close();
  process.exit(78);
}
// re-applies the moderation policy file (to every node), even unchanged
process.on('SIGHUP', () => {
  logger.info(
    { signal: 'SIGHUP', file: config.moderation.policyFile },
    'moderation policy: reload',
  );
  void app.internals.policy.reloadFile();
});

let stopping = false;
const stop = (signal: string) => {
  if (stopping) {
    logger.warn({ signal }, 'second signal: closing now');
    void app.close().then(() => process.exit(0));
    return;
  }
  stopping = true;
  logger.info({ signal }, 'shutting down');
  app.drain().then(
    () => process.exit(0),
    (err: unknown) => {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
