/**
 * What a caller lends the gates for an evaluation: work worth sharing between gates and
 * keeping between evaluations, held by the caller, never by a gate. Gates hold no state of
 * their own (no module-level caches; eslint/gates-state.js refuses them), so that a gate's
 * result depends on its snapshot and config alone.
 *
 * The context is optional: a gate given none computes what it needs (`NO_MEMORY`). The app
 * passes one that keeps path parts per snapshot and compiled CODEOWNERS files by blob oid
 * (src/pipeline/gate-memory.ts).
 */
import { compileCodeowners, type CompiledCodeowners } from './lib/codeowners/match.js';
import { pathParts, type PathParts } from './lib/glob.js';

export interface GateContext {
  /** The parts of every path in `files`, in order. A snapshot's lists never change, so they may be kept per list. */
  pathParts(files: readonly { readonly path: string }[]): readonly PathParts[];
  /** A CODEOWNERS file compiled. A blob oid names its content, so it may be kept by `oid` (with the text compared). */
  codeowners(file: { readonly oid: string; readonly text: string }): CompiledCodeowners;
}

/** A context that keeps nothing: every call computes afresh. */
export const NO_MEMORY: GateContext = {
  pathParts: (files) => files.map((f) => pathParts(f.path)),
  codeowners: (file) => compileCodeowners(file.text),
};
