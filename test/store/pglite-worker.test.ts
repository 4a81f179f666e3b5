/**
 * The embedded database's worker thread yields to the thread that acknowledges webhooks: on Linux
 * it runs at `EMBEDDED_NICENESS`, and the calling thread keeps its own priority.
 */
import { existsSync } from 'node:fs';
import { getPriority } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_NICENESS, PgliteWorkerClient } from '../../src/store/pglite-worker.js';
import { OPEN_TIMEOUT_MS } from './support.js';

describe('PgliteWorkerClient', () => {
  let client: PgliteWorkerClient;
  const before = getPriority();
  beforeAll(async () => {
    client = await PgliteWorkerClient.start(undefined);
  }, OPEN_TIMEOUT_MS);
  afterAll(async () => client?.close());

  it.runIf(existsSync('/proc/thread-self'))('runs its thread at a lower priority than the caller', () => {
    expect(EMBEDDED_NICENESS).toBeGreaterThan(0);
    expect(client.niceness).toBe(Math.max(before, EMBEDDED_NICENESS));
    expect(getPriority()).toBe(before);
  });

  it('answers queries at that priority', async () => {
    const result = await client.query('SELECT $1::int + 1 AS n', [41]);
    expect(result.rows).toEqual([{ n: 42 }]);
  });
});
