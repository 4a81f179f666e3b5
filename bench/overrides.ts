/**
 * What a hostile conversation costs an evaluation (docs/overrides.md): the newest 300 comments
 * the loader reads, every one a 64 KB `/gates override` command by someone not allowed, plus
 * allowed ones; times judging them and applying them to a verdict (no I/O), and the size of what
 * the check run shows.
 *
 *     npm run bench:overrides
 */
import { performance } from 'node:perf_hooks';
import { QualityGatesConfig } from '../gates/config.js';
import { renderCheckRun } from '../src/checks/render.js';
import { COMMENT_TEXT_KEPT, MAX_COMMENTS_READ, type Conversation, type PullComment } from '../src/load/loader.js';
import { judgeOverrides, withOverrides } from '../src/pipeline/overrides.js';
import { verdictFor } from '../src/pipeline/run-gates.js';
import { heavySnapshot } from './gate-snapshot.js';

const pr = heavySnapshot();
const config = QualityGatesConfig.parse({ overrides: { allowed: ['lead', '@acme/release'] } });
const hostile = `/gates override all ${'@everyone <b>x</b> [l](https://evil.example) | '.repeat(1400)}`.slice(
  0,
  64 * 1024,
);
const comments: PullComment[] = Array.from({ length: MAX_COMMENTS_READ }, (_, i) => ({
  author: i % 10 === 0 ? 'lead' : `mallory-${i}`,
  body: (i % 10 === 0 ? `/gates override batch-size Hotfix number ${i} for the incident` : hostile).slice(
    0,
    COMMENT_TEXT_KEPT,
  ),
  createdAt: new Date(Date.UTC(2026, 2, 1, 10, 0, i)).toISOString(),
  edited: false,
  hidden: false,
  url: `https://github.com/acme/api/pull/7#issuecomment-${i}`,
}));
const conversation: Conversation = { comments, truncated: true, headArrivedAt: '2026-03-01T09:00:00Z' };
const base = verdictFor(pr, config);
const enabled = base.kind === 'evaluated' ? base.outcomes.map((o) => o.id) : [];

const runs = 50;
const times: number[] = [];
let summary = 0;
let decisions = 0;
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  const judged = judgeOverrides({ conversation, settings: config.overrides, enabled, pr });
  const out = renderCheckRun(withOverrides(base, judged, pr.headSha));
  times.push(performance.now() - started);
  summary = out.summary.length;
  decisions = judged.length;
}
times.sort((a, b) => a - b);
const pct = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]!.toFixed(2);
console.log(
  JSON.stringify(
    {
      comments: comments.length,
      decisions,
      judgeAndRenderMs: { p50: pct(50), p95: pct(95), max: pct(100) },
      summaryChars: summary,
      runs,
    },
    null,
    2,
  ),
);
