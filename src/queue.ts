/**
 * The in-process evaluation queue. The webhook handler pushes a job and returns
 * at once; workers evaluate after the response.
 *
 * Jobs are keyed (repository and PR): a burst of events for one PR keeps only
 * the latest job, and a key is never evaluated twice at the same time: a job
 * pushed while its key runs waits and runs once afterwards, with the latest
 * state. Concurrency across keys is bounded.
 */
export type Admission = 'queued' | 'coalesced' | 'dropped';

export interface QueueOptions<J> {
  /** Evaluations running at once. */
  readonly concurrency: number;
  /** Keys waiting at most; beyond this new keys are dropped (and counted). */
  readonly maxPending: number;
  readonly run: (job: J, key: string) => Promise<void>;
  readonly onDepth?: (depth: number) => void;
  /** Called when `run` rejects; `run` should not, but the queue never lets it escape. */
  readonly onError?: (error: unknown, key: string) => void;
}

export class KeyedQueue<J> {
  readonly #pending = new Map<string, J>();
  readonly #running = new Set<string>();
  readonly #idle: (() => void)[] = [];
  #closed = false;

  constructor(private readonly options: QueueOptions<J>) {}

  get depth(): number {
    return this.#pending.size;
  }

  get active(): number {
    return this.#running.size;
  }

  /** True when new keys would be dropped. */
  get saturated(): boolean {
    return this.#pending.size >= this.options.maxPending;
  }

  push(key: string, job: J): Admission {
    if (this.#closed) return 'dropped';
    const existed = this.#pending.has(key) || this.#running.has(key);
    if (!this.#pending.has(key) && this.saturated) return 'dropped';
    // Re-inserting moves nothing: Map keeps first-insertion order, so a busy PR keeps its place.
    this.#pending.set(key, job);
    this.options.onDepth?.(this.depth);
    this.#pump();
    return existed ? 'coalesced' : 'queued';
  }

  /** Resolves when nothing is pending or running. */
  onIdle(): Promise<void> {
    if (this.#pending.size === 0 && this.#running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Stops taking jobs; resolves when running and pending jobs finish or `timeoutMs` passes. */
  async close(timeoutMs: number): Promise<boolean> {
    this.#closed = true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
    });
    const done = await Promise.race([this.onIdle().then(() => true), timeout]);
    clearTimeout(timer);
    return done;
  }

  #pump(): void {
    for (const [key, job] of this.#pending) {
      if (this.#running.size >= this.options.concurrency) return;
      if (this.#running.has(key)) continue;
      this.#pending.delete(key);
      this.#running.add(key);
      this.options.onDepth?.(this.depth);
      void this.#start(key, job);
    }
    if (this.#pending.size === 0 && this.#running.size === 0) {
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  async #start(key: string, job: J): Promise<void> {
    try {
      await this.options.run(job, key);
    } catch (error) {
      this.options.onError?.(error, key);
    } finally {
      this.#running.delete(key);
      this.#pump();
    }
  }
}
