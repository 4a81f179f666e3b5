// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import gatesPurity from './eslint/gates-purity.js';
import gatesState from './eslint/gates-state.js';

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
    // Gates are pure: a file under gates/ imports only gates/ and zod, re2js, picomatch, yaml (eslint/gates-purity.js),
    // and holds no module-level mutable state (eslint/gates-state.js).
    files: ['gates/**/*.ts'],
    plugins: { 'gates-purity': gatesPurity, 'gates-state': gatesState },
    rules: { 'gates-purity/imports-stay-in-gates': 'error', 'gates-state/no-module-state': 'error' },
  },
);
