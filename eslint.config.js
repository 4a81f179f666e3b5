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
      // A nested ternary or a comma-operator wrapper `(a(), b)` hides a branch or a statement: write a small
      // named helper, an if/else, a switch or a lookup table, or separate statements.
      'no-nested-ternary': 'error',
      'no-sequences': 'error',
    },
  },
  {
    // The injected clock: src/ops/clock.ts (SYSTEM_CLOCK) is the only reader of the system's time and
    // randomness in src/; everything else takes a `now` / `random` defaulting to it, so tests inject
    // their own. Not restricted: `new Date(x)` with an argument (converts, reads no clock),
    // `performance.now()` (durations, not time of day).
    files: ['src/**/*.ts'],
    ignores: ['src/ops/clock.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'Date',
          property: 'now',
          message: 'Read the injected clock (`now`, default SYSTEM_CLOCK.now from src/ops/clock.ts).',
        },
        {
          object: 'Math',
          property: 'random',
          message: 'Use the injected randomness (`random`, default SYSTEM_CLOCK.random from src/ops/clock.ts).',
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'new Date() reads the clock: write new Date(now()) with the injected clock (src/ops/clock.ts).',
        },
      ],
    },
  },
  {
    // The insights pages' own script, run by the browser.
    files: ['src/web/assets/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        window: 'readonly',
        document: 'readonly',
        getComputedStyle: 'readonly',
        ResizeObserver: 'readonly',
        uPlot: 'readonly',
      },
    },
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
