/**
 * The explicit gate registry, in the order of SPEC §5 (which is also the order
 * of the check-run table). A gate that is not built yet is simply absent.
 */
import { batchSize } from './batch-size/index.js';
import { codeownersReview } from './codeowners-review/index.js';
import { linkedTicket } from './linked-ticket/index.js';
import { signedCommits } from './signed-commits/index.js';
import { testsTouched } from './tests-touched/index.js';
import type { GateDefinition, GateId } from './gate.js';

// Each gate keeps its own config type; the registry sees them uniformly.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const GATES: readonly GateDefinition<any>[] = [batchSize, linkedTicket, testsTouched, signedCommits, codeownersReview];

export function gateById(id: GateId): GateDefinition<unknown> | undefined {
  return GATES.find((g) => g.id === id);
}

export * from './gate.js';
