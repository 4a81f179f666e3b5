/**
 * Where `runGates` gets each gate compiled for its config (`GateDefinition.prepare`: its globs and
 * regular expressions, compiled). The base branch's config is the same evaluation after
 * evaluation, so its compiled form is kept, in one cache with a byte budget; a config proposed
 * in a pull request is compiled afresh for its preview and never kept, so a fork cannot fill
 * the cache with configs of its own.
 */
import { LRUCache } from 'lru-cache';
import type { BoundGate, CompiledGate } from '../../gates/registry.js';

/** Gives a gate compiled for its settings. */
export interface PreparedSource {
  compiled(gate: BoundGate): CompiledGate;
}

/** Compiles every time and keeps nothing: for configs proposed in a pull request. */
export const PREPARE_FRESH: PreparedSource = {
  compiled: (gate) => gate.compile(),
};

/** The memory the shared cache may hold, by the gates' own estimates plus its keys. */
export const PREPARED_CACHE_BYTES = 64 * 1024 * 1024;

/** Compiled gates keyed by gate and settings, least recently used dropped first past the byte budget. */
export class PreparedConfigCache implements PreparedSource {
  readonly #cache: LRUCache<string, CompiledGate>;

  constructor(maxBytes = PREPARED_CACHE_BYTES) {
    // A config whose compiled form alone is larger than the budget is used once and not kept.
    this.#cache = new LRUCache<string, CompiledGate>({ maxSize: maxBytes, sizeCalculation: (value, key) => Math.max(1, value.bytes + key.length * 2) });
  }

  /** Entries held, and their estimated bytes. */
  get size(): number {
    return this.#cache.size;
  }

  get bytes(): number {
    return this.#cache.calculatedSize;
  }

  /** Whether `gate`, with its settings, is held compiled. */
  has(gate: BoundGate): boolean {
    return this.#cache.has(keyOf(gate));
  }

  compiled(gate: BoundGate): CompiledGate {
    // A gate without `prepare` compiles to nothing worth keeping.
    if (!gate.prepares) return gate.compile();
    const key = keyOf(gate);
    let compiled = this.#cache.get(key);
    if (!compiled) {
      compiled = gate.compile();
      this.#cache.set(key, compiled);
    }
    return compiled;
  }
}

const keyOf = (gate: BoundGate) => `${gate.id}\n${JSON.stringify(gate.cfg)}`;

/** The cache for base-branch configs, shared by every evaluation in the process. */
export const BASE_CONFIGS = new PreparedConfigCache();

/**
 * Compiles each distinct settings object once, for the life of one batch of evaluations (the
 * policy preview re-runs one or two configs per repository over thousands of snapshots): keyed by
 * the settings' identity, so a lookup costs no serialisation. Misses go to `fallback` (the shared
 * cache for base-branch configs, `PREPARE_FRESH` for proposed ones); dropped with the batch.
 */
export class PreparedOnce implements PreparedSource {
  readonly #compiled = new WeakMap<object, CompiledGate>();
  constructor(private readonly fallback: PreparedSource) {}

  compiled(gate: BoundGate): CompiledGate {
    const key = gate.cfg;
    if (typeof key !== 'object' || key === null) return this.fallback.compiled(gate);
    let compiled = this.#compiled.get(key);
    if (!compiled) {
      compiled = this.fallback.compiled(gate);
      this.#compiled.set(key, compiled);
    }
    return compiled;
  }
}
