import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The rooms' dependency directions are a lint rule (eslint.config.js): these cases show that
 * `npm run lint` fails on an import that points the wrong way and passes one that points right.
 */
const eslint = new ESLint({ cwd: process.cwd() });

async function restrictedImports(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'import-x/no-restricted-paths').map((m) => m.message);
}

describe('the layering rule', () => {
  it.each([
    ['the vault importing a job', 'electron/core/vault/probe.ts', "import { runFileBatch } from '../jobs/file-batch.js';"],
    ['the core importing the CLI', 'electron/core/jobs/probe.ts', "import { runCli } from '../../cli/main.js';"],
    [
      'the file format importing a keyring',
      'electron/core/envelope/probe.ts',
      "import { wrapDataKey } from '../keyrings/raw-aes-keyring.js';",
    ],
    ['the CLI importing the Electron shell', 'electron/cli/probe.ts', "import { AppServices } from '../app/app-services.js';"],
    ['shared/ importing the core', 'shared/probe.ts', "import { Vault } from '../electron/core/vault/vault.js';"],
    ['the renderer importing the core', 'renderer/src/probe.ts', "import { Vault } from '../../electron/core/vault/vault.js';"],
  ])('refuses %s', async (_name, filePath, source) => {
    const messages = await restrictedImports(filePath, `${source}\nexport const probe = 1;\n`);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/restricted zone/);
  });

  it.each([
    ['a job importing a keyring', 'electron/core/jobs/probe.ts', "import { vaultKeyring } from '../keyrings/vault-keyring.js';"],
    ['the CLI importing the core', 'electron/cli/probe.ts', "import { Vault } from '../core/vault/vault.js';"],
    [
      'the renderer importing shared/',
      'renderer/src/probe.ts',
      "import { COFFER_EXTENSION } from '../../shared/file-format.js';",
    ],
  ])('allows %s', async (_name, filePath, source) => {
    expect(await restrictedImports(filePath, `${source}\nexport const probe = 1;\n`)).toEqual([]);
  });
});
