/**
 * The gate registry: the one list of gates, in check-run order. Every other list derives from it --
 * the ids, each gate's config type, the `gates` part of the config schema (hence the JSON Schema and
 * docs/configuration.md), the check-run order. Adding a gate is one folder (gates/<id>/) and one
 * line here, plus its page in docs/gates/ (test/gates/registry.test.ts checks they agree).
 */
import type { z } from 'zod';
import { batchSize } from './batch-size/index.js';
import { branchAge } from './branch-age/index.js';
import { codeownersReview } from './codeowners-review/index.js';
import { conventionalTitle } from './conventional-title/index.js';
import { linkedTicket } from './linked-ticket/index.js';
import { prDescription } from './pr-description/index.js';
import { signedCommits } from './signed-commits/index.js';
import { testsTouched } from './tests-touched/index.js';

export const GATES = [
  batchSize,
  linkedTicket,
  testsTouched,
  signedCommits,
  codeownersReview,
  prDescription,
  conventionalTitle,
  branchAge,
] as const;

/** Any gate of the registry. */
export type RegisteredGate = (typeof GATES)[number];
export type GateId = RegisteredGate['id'];

/** Every gate id, in check-run order. */
export const GATE_IDS: readonly GateId[] = GATES.map((gate) => gate.id);

/** Each gate's settings, by id, as the config schema outputs them. */
export type GateConfigs = { readonly [G in RegisteredGate as G['id']]: z.output<G['config']> };

/** The `gates` part of the config schema: each gate's own schema, its defaults applied when absent. */
export type GatesShape = { [G in RegisteredGate as G['id']]: z.ZodPrefault<G['config']> };

export function gatesShape(): GatesShape {
  const shape: Record<string, z.ZodType> = {};
  for (const gate of GATES) {
    const schema: z.ZodType = gate.config;
    shape[gate.id] = schema.prefault({}).describe(schema.description ?? gate.id);
  }
  if (!isGatesShape(shape)) throw new Error('a gate of the registry has no config schema');
  return shape;
}

function isGatesShape(shape: Record<string, z.ZodType>): shape is GatesShape {
  return GATES.every((gate) => shape[gate.id] !== undefined);
}

export function gateById(id: string): RegisteredGate | undefined {
  return GATES.find((g) => g.id === id);
}

export * from './gate.js';
