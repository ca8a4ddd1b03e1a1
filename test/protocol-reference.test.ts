import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { clientEvents, ERROR_CODES, serverEvents } from '../client-sdk/src/protocol/index.js';
import { generatedFiles } from '../server/protocol/cli.js';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('the protocol reference', () => {
  it('is current: client-sdk/PROTOCOL.md and protocol.schema.json are what the schemas generate', async () => {
    for (const { path, text } of generatedFiles()) {
      const committed = await readFile(`${root}${path}`, 'utf8').catch(() => '(missing)');
      expect(committed === text, `${path} is stale: run npm run protocol`).toBe(true);
    }
  });

  it('describes every client event (request and result), every server event and every error code', () => {
    const [reference] = generatedFiles();
    const text = reference?.text ?? '';
    for (const [name, e] of Object.entries(clientEvents)) {
      expect(e.request.description, name).toMatch(/\S/);
      expect(text).toContain(`### \`${name}\``);
    }
    for (const [name, schema] of Object.entries(serverEvents)) {
      expect(schema.description, name).toMatch(/^(Direct|Feed lane|Control lane)\. /);
      expect(text).toContain(`### \`${name}\``);
    }
    for (const code of Object.keys(ERROR_CODES)) expect(text).toContain(`| \`${code}\` |`);
  });
});
