import { afterAll, beforeAll } from 'vitest';
import { startPostgresServer, type PostgresServer } from '../../load-tests/lib/postgres-server.js';

/** A real PostgreSQL (Debian's package) on a free loopback port, for one test file. */
export interface TestPostgres {
  readonly url: string;
  /** A schema name no other test uses, so tests sharing this server stay apart. */
  schema(): string;
}

let schemas = 0;

/** Starts PostgreSQL before the file's tests and removes it (and its data) after. */
export function usePostgres(): TestPostgres {
  let server: PostgresServer | undefined;
  beforeAll(async () => {
    server = await startPostgresServer();
  }, 30_000);
  afterAll(() => server?.remove());
  return {
    get url() {
      if (!server)
        throw new Error('usePostgres: PostgreSQL is not started yet (use it inside a test)');
      return server.url;
    },
    schema: () => `t${process.pid}_${++schemas}_${Math.random().toString(36).slice(2, 6)}`,
  };
}
