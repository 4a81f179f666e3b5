/**
 * The injected-clock rule (eslint.config.js): in src/, only src/ops/clock.ts reads the system's
 * time or randomness; every other file is refused `Date.now`, `Math.random` and `new Date()`.
 */
import { describe, expect, it } from 'vitest';
import { problemsOf } from './support.js';

const problems = problemsOf('no-restricted-properties', 'no-restricted-syntax');

describe('injected clock lint rule', () => {
  it.each([
    ['src/server/app.ts', 'export const at = Date.now();\n'],
    ['src/load/teams.ts', 'export const now: () => number = Date.now;\n'],
    ['src/queue/queue.ts', 'export const jitter = () => Math.random() * 10;\n'],
    ['src/store/writer.ts', 'export const stamp = () => new Date().toISOString();\n'],
  ])('refuses, in %s: %s', async (file, code) => {
    expect(await problems(file, code)).toHaveLength(1);
  });

  it.each([
    [
      'src/ops/clock.ts',
      'export const SYSTEM_CLOCK = { now: () => Date.now(), random: () => Math.random(), date: () => new Date() };\n',
    ],
    ['src/store/writer.ts', 'export const stamp = (now: () => number) => new Date(now()).toISOString();\n'],
    ['src/ops/metrics.ts', 'export const took = (started: number) => performance.now() - started;\n'],
  ])('allows, in %s: %s', async (file, code) => {
    expect(await problems(file, code)).toEqual([]);
  });
});
