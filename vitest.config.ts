import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests start real Redis groups (six processes each): two files at a time on two cores.
    pool: 'forks',
    maxWorkers: 2,
  },
});
