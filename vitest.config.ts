import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // The app tests disable real network access through nock; run files in
    // separate workers so one file's interceptors never leak into another's.
    pool: 'forks',
    restoreMocks: true,
  },
});
