// @ts-check
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The rooms and the one direction their dependencies point (docs/ARCHITECTURE.md):
 * faces (app, cli, agent) -> jobs/kms -> vault/envelope/keyrings -> crypto -> shared.
 * Each zone names a room and the rooms it must not import from.
 */
const core = (room) => `./electron/core/${room}`;
const FACES = ['./electron/app', './electron/cli', './electron/agent'];
const layering = [
  {
    target: './shared',
    from: ['./electron', './renderer'],
    message: 'shared/ is imported by every side and imports none of them.',
  },
  {
    target: './renderer',
    from: ['./electron'],
    message: 'The renderer reaches the main process only through window.coffer (shared/ipc-contract.ts).',
  },
  {
    target: './electron/core',
    from: [...FACES, './renderer'],
    message: 'The core runs under any Node process: it knows no face (app, CLI, agent).',
  },
  { target: './electron/agent', from: ['./electron/app'], message: 'The agent runs without Electron.' },
  { target: './electron/cli', from: ['./electron/app'], message: 'The CLI runs without Electron.' },
  {
    target: './electron/app',
    from: ['./electron/cli', './electron/agent'],
    message: 'The app shares the core with the CLI, not the CLI itself.',
  },
  ...['crypto', 'envelope', 'vault', 'keyrings', 'keystores', 'shell'].map((room) => ({
    target: core(room),
    from: [core('jobs'), core('kms')],
    message: `core/${room} sits below jobs and kms: they use it, not the other way round.`,
  })),
  ...['crypto', 'envelope', 'vault', 'shell'].map((room) => ({
    target: core(room),
    from: [core('keyrings')],
    message: `core/${room} sits below keyrings: a keyring uses it, not the other way round.`,
  })),
  {
    target: core('crypto'),
    from: [core('envelope'), core('vault'), core('shell')],
    message: 'core/crypto is the bottom of the core.',
  },
  {
    target: core('envelope'),
    from: [core('vault'), core('shell')],
    message: 'The file format knows nothing of where keys are kept.',
  },
  { target: core('vault'), from: [core('envelope'), core('shell')], message: 'The vault knows nothing of the file format.' },
  {
    target: core('keystores'),
    from: [core('keyrings'), core('vault'), core('envelope'), core('shell')],
    message: 'core/keystores speaks PKCS#11 to tokens and nothing more: keyrings and the KMS use it.',
  },
  { target: core('shell'), from: [core('crypto'), core('envelope'), core('vault')], message: 'OS integration needs no keys.' },
];

export default tseslint.config(
  { ignores: ['dist/', 'out/', 'node_modules/', 'coverage/', 'test-results/', 'test/fixtures/insecure-shell/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // Only the Electron shell may load 'electron': it cannot load under plain Node.
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: "Only electron/app/ may import 'electron'." }] }],
      // `import { z }` takes the whole of zod into a bundle, its 40 locales included (the CLI bundle
      // was 1.2 MB); `import * as z` lets esbuild and Vite keep only what is used (655 KB).
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']",
          message: "Write `import * as z from 'zod'`: it bundles only what is used.",
        },
      ],
    },
  },
  {
    // The layering is a lint error, not a habit: an import that points the wrong way fails `npm run lint`.
    files: ['electron/**/*.ts', 'shared/**/*.ts', 'renderer/**/*.{ts,tsx}'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [
        createTypeScriptImportResolver({ project: ['tsconfig.json', 'renderer/tsconfig.json'], noWarnOnMultipleProjects: true }),
      ],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layering }],
      // An import the resolver cannot follow would escape the check above.
      'import-x/no-unresolved': 'error',
    },
  },
  {
    files: ['electron/**/*.ts', 'shared/**/*.ts'],
    ignores: ['electron/app/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
  {
    files: ['electron/app/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['renderer/**/*.{ts,tsx}', 'test/e2e/support/test-bridge.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Test helpers parse the CLI's JSON output, whose shape each test asserts itself.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The `coffer` command is CommonJS (bin/coffer.cjs says why): require() is how it loads.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Playwright fixtures declare their dependencies with a destructuring pattern, empty or not.
    files: ['test/e2e/**/*.ts'],
    rules: { 'no-empty-pattern': 'off' },
  },
);
