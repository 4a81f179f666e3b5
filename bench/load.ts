/** Load helpers shared by the benchmark (`run.ts`) and its profiler (`profile.ts`). */
import { COST_SHAPES, pullFor, type Shape } from './shapes.js';
import type { GitHubModel } from '../test/stand-in/github-model.js';

/** A pull request the stand-in holds, as the load generators address it. */
export interface NewPull {
  readonly model: GitHubModel;
  readonly number: number;
  readonly headSha: string;
}

/** Runs `n` jobs with at most `c` at a time. */
export async function pool(n: number, c: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < n; i = next++) await job(i);
  };
  await Promise.all(Array.from({ length: Math.min(n, c) }, worker));
}

/** Next free PR number per installation. */
const prNumbers = new WeakMap<GitHubModel, number>();

/** Adds a new pull request of `shape` (default: 10 files, 1 commit) to `model`. */
export function newPull(model: GitHubModel, shape: Shape = COST_SHAPES[0]!): NewPull {
  const number = (prNumbers.get(model) ?? 0) + 1;
  prNumbers.set(model, number);
  const pull = pullFor(model, shape, number);
  return { model, number, headSha: pull.headRefOid };
}
