// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // The insights pages' own script, run by the browser.
    files: ['src/web/assets/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { window: 'readonly', document: 'readonly', getComputedStyle: 'readonly', ResizeObserver: 'readonly', uPlot: 'readonly' } },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Gates are pure: no GitHub client, no Probot, no I/O. This rule holds the line.
    files: ['gates/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['probot', 'probot/*', '@octokit/*', 'nock'], message: 'gates are pure: no GitHub client in gates/' },
            { group: ['node:fs', 'node:http', 'node:https', 'node:net', 'node:child_process', 'fs', 'http', 'https'], message: 'gates are pure: no I/O in gates/' },
            { group: ['../src/github/*', '../src/checks/*'], message: 'gates see only the snapshot' },
          ],
        },
      ],
    },
  },
);
