// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

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
    // Playwright fixtures declare their dependencies with a destructuring pattern, empty or not.
    files: ['test/e2e/**/*.ts'],
    rules: { 'no-empty-pattern': 'off' },
  },
);
