/**
 * Where `runGates` gets each gate compiled for its config (`GateDefinition.prepare`: its globs and
 * regular expressions, compiled). The base branch's config is the same evaluation after
 * evaluation, so its compiled form is kept, in one cache with a byte budget; a config proposed
 * in a pull request is compiled afresh for its preview and never kept, so a fork cannot fill
 * the cache with configs of its own.
 */
import { LRUCache } from 'lru-cache';
import type { BoundGate, CompiledGate, GateResult } from '../../gates/registry.js';
import type { PullRequestSnapshot } from '../../gates/snapshot.js';

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
    this.#cache = new LRUCache<string, CompiledGate>({
      maxSize: maxBytes,
      sizeCalculation: (value, key) => Math.max(1, value.bytes + key.length * 2),
    });
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
 * Compiles each gate's settings once for the life of one batch of evaluations, and evaluates each
 * snapshot once per distinct settings: for the policy preview, which judges thousands of stored
 * snapshots under a current and a proposed config that mostly share their gates' settings.
 *
 * Settings are told apart by value, without the gate's `mode` (a gate's result never depends on
 * it: the pipeline applies the mode, `outcomeOf`), so a gate whose settings the proposed config
 * leaves alone is compiled once and run once per snapshot, its result serving both verdicts. A
 * lookup by the settings object itself costs no serialisation. Misses compile through `fallback`
 * (`PREPARE_FRESH` for configs a pull request proposes); everything goes with the batch.
 */
export class PreparedOnce implements PreparedSource {
  readonly #byObject = new WeakMap<object, CompiledGate>();
  readonly #byValue = new Map<string, CompiledGate>();
  constructor(private readonly fallback: PreparedSource) {}

  compiled(gate: BoundGate): CompiledGate {
    const settings = gate.cfg;
    if (typeof settings !== 'object' || settings === null) return this.fallback.compiled(gate);
    let compiled = this.#byObject.get(settings);
    if (compiled) return compiled;
    const { mode: _mode, ...rest } = settings as Record<string, unknown>;
    const key = `${gate.id}\n${JSON.stringify(rest)}`;
    compiled = this.#byValue.get(key);
    if (!compiled) {
      compiled = lastResultKept(this.fallback.compiled(gate));
      this.#byValue.set(key, compiled);
    }
    this.#byObject.set(settings, compiled);
    return compiled;
  }
}

/** `compiled`, answering a second evaluation of the same snapshot (the same object) from the first. */
function lastResultKept(compiled: CompiledGate): CompiledGate {
  let last: { pr: PullRequestSnapshot; result: GateResult } | undefined;
  return {
    bytes: compiled.bytes,
    evaluate(pr) {
      if (last?.pr !== pr) last = { pr, result: compiled.evaluate(pr) };
      return last.result;
    },
  };
}
