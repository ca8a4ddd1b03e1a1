import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { protocolReference, protocolSchemas } from './reference.js';

/** The generated files, relative to the project root, and what each should hold. */
export function generatedFiles(): { path: string; text: string }[] {
  return [
    { path: 'client-sdk/PROTOCOL.md', text: protocolReference() },
    {
      path: 'client-sdk/protocol.schema.json',
      text: `${JSON.stringify(protocolSchemas(), null, 2)}\n`,
    },
  ];
}

const root = fileURLToPath(new URL('../..', import.meta.url));

/** `npm run protocol` writes the reference; with `--check` it only says whether it is current. */
async function main(check: boolean): Promise<number> {
  let stale = 0;
  for (const { path, text } of generatedFiles()) {
    const file = `${root}${path}`;
    const current = await readFile(file, 'utf8').catch(() => '');
    if (current === text) continue;
    stale++;
    if (check) process.stderr.write(`${path} is stale: run npm run protocol\n`);
    else await writeFile(file, text);
  }
  if (!check) process.stdout.write(`protocol reference: ${stale} file(s) written\n`);
  return check && stale > 0 ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  process.exitCode = await main(process.argv.includes('--check'));
