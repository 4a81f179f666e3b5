/**
 * Where `runGates` gets each gate's prepared config (`GateDefinition.prepare`: its globs and
 * regular expressions, compiled). The base branch's config is the same evaluation after
 * evaluation, so its prepared form is kept, in one cache with a byte budget; a config proposed
 * in a pull request is prepared afresh for its preview and never kept, so a fork cannot fill
 * the cache with configs of its own.
 */
import { LRUCache } from 'lru-cache';
import type { GateDefinition, Prepared } from '../../gates/registry.js';

/** Gives a gate's prepared config for `cfg` (undefined for a gate without `prepare`). */
export interface PreparedSource {
  prepared(gate: GateDefinition<unknown>, cfg: unknown): Prepared | undefined;
}

/** Prepares every time and keeps nothing: for configs proposed in a pull request. */
export const PREPARE_FRESH: PreparedSource = {
  prepared: (gate, cfg) => gate.prepare?.(cfg),
};

/** The memory the shared cache may hold, by the gates' own estimates plus its keys. */
export const PREPARED_CACHE_BYTES = 64 * 1024 * 1024;

/** Prepared configs keyed by gate and config, least recently used dropped first past the byte budget. */
export class PreparedConfigCache implements PreparedSource {
  readonly #cache: LRUCache<string, Prepared>;

  constructor(maxBytes = PREPARED_CACHE_BYTES) {
    // A config whose prepared form alone is larger than the budget is used once and not kept.
    this.#cache = new LRUCache<string, Prepared>({ maxSize: maxBytes, sizeCalculation: (value, key) => Math.max(1, value.bytes + key.length * 2) });
  }

  /** Entries held, and their estimated bytes. */
  get size(): number {
    return this.#cache.size;
  }

  get bytes(): number {
    return this.#cache.calculatedSize;
  }

  /** Whether the prepared form of `cfg` for `gate` is held. */
  has(gate: GateDefinition<unknown>, cfg: unknown): boolean {
    return this.#cache.has(keyOf(gate, cfg));
  }

  prepared(gate: GateDefinition<unknown>, cfg: unknown): Prepared | undefined {
    if (!gate.prepare) return undefined;
    const key = keyOf(gate, cfg);
    let prepared = this.#cache.get(key);
    if (!prepared) {
      prepared = gate.prepare(cfg);
      this.#cache.set(key, prepared);
    }
    return prepared;
  }
}

const keyOf = (gate: GateDefinition<unknown>, cfg: unknown) => `${gate.id}\n${JSON.stringify(cfg)}`;

/** The cache for base-branch configs, shared by every evaluation in the process. */
export const BASE_CONFIGS = new PreparedConfigCache();
