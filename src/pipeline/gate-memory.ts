/**
 * The work the app keeps for the gates (gates/context.ts), since gates keep none: the parts of
 * every changed file's path, split once per snapshot for every gate that matches globs, and
 * compiled CODEOWNERS files, kept by blob oid across evaluations (a blob id names its content;
 * the text is compared too, so a reused oid with other text, as in a hand-made fixture,
 * recompiles).
 */
import type { GateContext } from '../../gates/context.js';
import type { CompiledCodeowners } from '../../gates/lib/codeowners/match.js';
import { compileCodeowners } from '../../gates/lib/codeowners/match.js';
import { pathParts, type PathParts } from '../../gates/lib/glob.js';
import { BoundedCache } from '../ops/bounded-cache.js';

/** How many compiled CODEOWNERS files are kept (one per blob seen recently). */
export const CODEOWNERS_CACHE_SIZE = 8;

/** A context that keeps path parts per list of files (while the list lives) and `codeownersKept` compiled files. */
export function gateMemory(codeownersKept = CODEOWNERS_CACHE_SIZE): GateContext {
  const parts = new WeakMap<readonly { readonly path: string }[], readonly PathParts[]>();
  const codeowners = new BoundedCache<string, { readonly text: string; readonly compiled: CompiledCodeowners }>({
    max: codeownersKept,
  });
  return {
    pathParts(files) {
      let known = parts.get(files);
      if (!known) parts.set(files, (known = files.map((f) => pathParts(f.path))));
      return known;
    },
    codeowners(file) {
      const hit = codeowners.get(file.oid);
      if (hit && hit.text === file.text) return hit.compiled;
      const compiled = compileCodeowners(file.text);
      codeowners.set(file.oid, { text: file.text, compiled });
      return compiled;
    },
  };
}

/** The memory every evaluation of the process shares. */
export const GATE_MEMORY = gateMemory();
