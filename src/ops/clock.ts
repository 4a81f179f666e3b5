/**
 * The clock and the dice: the one place in src/ that reads the system's time and randomness
 * (lint: `no-restricted-properties` / `no-restricted-syntax` in eslint.config.js). Everything
 * else takes a `now` or `random` that defaults to these, so a test can inject its own.
 */

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** A number in [0, 1). */
  random(): number;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  random: () => Math.random(),
};
