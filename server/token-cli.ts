import { parseArgs } from 'node:util';
import { GlobalRole, Role, RoomId } from '../client-sdk/src/protocol/index.js';
import { signToken } from './auth.js';
import { ConfigError, loadConfig } from './config.js';

const usage = `Prints a development token signed with AUTH_JWT_SECRET (or the built-in development secret).

  npm run token -- --sub alice [--name Alice] [--role admin|host|moderator|viewer]
                   [--room ROOM_ID:ROLE ...] [--region EU] [--lang en] [--ttl 3600]`;

try {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string', default: 'viewer' },
      room: { type: 'string', multiple: true, default: [] },
      region: { type: 'string' },
      lang: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.sub) {
    process.stdout.write(`${usage}\n`);
    process.exit(values.help ? 0 : 64);
  }
  const config = loadConfig();
  if (!config.auth.secret || config.auth.jwksUrl) {
    throw new ConfigError(
      'Tokens can only be signed here with an HS256 secret (AUTH_JWT_SECRET), not a JWKS',
    );
  }
  const ttlSeconds = Number(values.ttl);
  if (
    !Number.isInteger(ttlSeconds) ||
    ttlSeconds < 1 ||
    ttlSeconds > config.auth.maxTokenAgeSeconds
  )
    throw new ConfigError(
      `--ttl must be whole seconds from 1 to ${config.auth.maxTokenAgeSeconds} (AUTH_MAX_TOKEN_AGE_SECONDS)`,
    );
  const rooms: Record<string, Role> = {};
  for (const grant of values.room) {
    const [roomId = '', role = ''] = grant.split(':');
    rooms[RoomId.parse(roomId)] = Role.parse(role);
  }
  const token = await signToken(
    {
      sub: values.sub,
      role: GlobalRole.parse(values.role),
      rooms,
      ...(values.name ? { name: values.name } : {}),
      ...(values.region ? { region: values.region } : {}),
      ...(values.lang ? { lang: values.lang } : {}),
    },
    config.auth.secret,
    { ttlSeconds, issuer: config.auth.issuer, audience: config.auth.audience },
  );
  process.stdout.write(`${token}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${usage}\n`);
  process.exit(64);
}
