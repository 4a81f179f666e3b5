/**
 * The hostile-input section of `npm run bench`: the worst input a stranger or a fork can send,
 * timed where the app does the work — synchronously, on the event loop that also acknowledges
 * every tenant's webhooks. Each case must cost milliseconds, not seconds.
 *
 * - the worst glob list: 200 globs (the most one list may hold) of 256 characters (the longest),
 *   shaped so that a glob automaton multiplies its states, against 3,000 paths chosen to feed it;
 * - the worst config: as many such globs and hostile ticket patterns as the limits and the size
 *   cap allow, previewed on that pull request as a fork's proposed config is (parsed in one
 *   event-loop turn, prepared fresh and run through every gate in the next);
 * - the worst config text under the size cap, for `parseConfigText` alone (several shapes: the
 *   slowest is the one that counts);
 * - a 64 KB comment of line breaks, for `findCommand`.
 */
import { batchSize } from '../gates/batch-size/index.js';
import { MAX_GLOB_LENGTH } from '../gates/lib/glob.js';
import { plain, type GateResult } from '../gates/gate.js';
import { testsTouched } from '../gates/tests-touched/index.js';
import { MAX_GLOBS_PER_LIST, MAX_TICKET_PATTERNS } from '../gates/config-fields.js';
import { findCommand } from '../src/server/commands.js';
import { MAX_CONFIG_BYTES, parseConfigText } from '../src/load/config/parse.js';
import { QualityGatesConfig } from '../gates/config.js';
import { runGates } from '../src/pipeline/run-gates.js';
import { PREPARE_FRESH } from '../src/pipeline/prepared-configs.js';
import { GATE_MEMORY } from '../src/pipeline/gate-memory.js';
import type { GateOutcome } from '../src/checks/verdict.js';
import type { ChangedFile, PullRequestSnapshot } from '../gates/snapshot.js';
import { heavySnapshot } from './gate-snapshot.js';
import { summarize, type Summary } from './stats.js';

/** Budget per case: well under the 100 ms a webhook acknowledgement may take. */
export const HOSTILE_BUDGET_MS = 50;

export interface HostileTiming {
  readonly case: string;
  /** What the app answered (a verdict, a problem count, …), to show the work was done. */
  readonly outcome: string;
  readonly summary: Summary;
  readonly ok: boolean;
}

const FILE = 'fork/repo:.github/quality-gates.yml';

/** Globs whose automaton multiplies its states (`?` after `*a`), every one distinct, each `length` characters. */
function hostileGlobs(count: number, salt: string, length = MAX_GLOB_LENGTH): string[] {
  return Array.from({ length: count }, (_, i) => {
    const head = `**/${salt}${i}${'?'.repeat(i % 7)}*a`;
    return head + '?'.repeat(length - head.length);
  });
}

/**
 * 3,000 paths that such globs read furthest: random `a`/`b` names up to ~600 characters, deep
 * and shallow (`random`), or `abab…` names on which the automata's states pile up until the work
 * bound stops the matching (`alternating`).
 */
function hostileFiles(kind: 'random' | 'alternating'): ChangedFile[] {
  let seed = 1;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
  return Array.from({ length: 3_000 }, (_, i) => {
    const name =
      kind === 'alternating'
        ? 'ab'.repeat(150 + (i % 40))
        : Array.from({ length: 200 + (i % 300) }, () => (next() % 2 === 0 ? 'a' : 'b')).join('');
    const path = i % 3 === 0 ? `${'a/'.repeat(40)}${name}.ts` : `src/${name}/x${i}.ts`;
    return { path, changeType: 'modified', additions: 1, deletions: 0 };
  });
}

function hostileSnapshot(kind: 'random' | 'alternating'): PullRequestSnapshot {
  const pr = heavySnapshot('hostile');
  const nodes = hostileFiles(kind);
  return {
    ...pr,
    files: { nodes, totalCount: nodes.length, truncated: false },
    totals: { changedFiles: nodes.length, additions: nodes.length, deletions: 0 },
  };
}

const yamlList = (items: readonly string[]) => `[${items.map((g) => JSON.stringify(g)).join(', ')}]`;

/**
 * The worst config a fork can propose under the limits and the size cap: hostile globs in
 * batch-size's and tests-touched's lists (each gate meters its own matching), and hostile ticket
 * patterns, as many as fit.
 */
export function worstConfigText(): string {
  const patterns = Array.from(
    { length: MAX_TICKET_PATTERNS },
    (_, i) => `(?:x${i}|[a-z]*[a-z]*[a-z]*)${'(?:a|b)?'.repeat(20)}`,
  );
  const text = (n: number) => {
    const globs = Math.min(n, MAX_GLOBS_PER_LIST);
    return [
      'gates:',
      '  batch-size:',
      `    exclude: ${yamlList(hostileGlobs(globs, 'e'))}`,
      '  tests-touched:',
      `    tests: ${yamlList(hostileGlobs(globs, 't'))}`,
      '  linked-ticket:',
      `    patterns: ${yamlList(patterns.slice(0, Math.min(MAX_TICKET_PATTERNS, Math.ceil(n / 4))))}`,
      '',
    ].join('\n');
  };
  let n = 1;
  while (n < MAX_GLOBS_PER_LIST && Buffer.byteLength(text(n + 1)) <= MAX_CONFIG_BYTES) n++;
  return text(n);
}

/** Config texts just under the size cap, each a different kind of worst. */
function configTextsAtCap(): { name: string; text: string }[] {
  const fill = (line: (i: number) => string, head = '') => {
    const lines = [head];
    let size = head.length;
    for (let i = 0; ; i++) {
      const l = line(i);
      if (size + l.length + 1 > MAX_CONFIG_BYTES) break;
      lines.push(l);
      size += l.length + 1;
    }
    return lines.join('\n');
  };
  return [
    { name: 'unknown keys', text: fill((i) => `k${i}: 1`) },
    { name: 'wrong values', text: fill((i) => `  k${i}: x`, 'skip:\n  drafts: 1') },
    {
      name: 'globs refused by shape',
      text: fill(() => `    - "${'{*,*}'.repeat(MAX_GLOB_LENGTH / 5)}"`, 'gates:\n  batch-size:\n    exclude:'),
    },
    {
      name: 'globs over the length cap',
      text: fill(() => `    - "${'a'.repeat(MAX_GLOB_LENGTH + 1)}"`, 'gates:\n  batch-size:\n    exclude:'),
    },
    { name: 'one long string of escapes', text: `checks:\n  name: "${'\\u00e9'.repeat(MAX_CONFIG_BYTES / 6 - 10)}"` },
    { name: 'aliases', text: fill((i) => `k${i}: *a`, 'a: &a [1]') },
    {
      name: 'nested brackets',
      text: `a: ${'['.repeat(MAX_CONFIG_BYTES / 2 - 8)}${']'.repeat(MAX_CONFIG_BYTES / 2 - 8)}`,
    },
    { name: 'a line of "- "', text: `a:\n  ${'- '.repeat(MAX_CONFIG_BYTES / 2 - 8)}x` },
  ];
}

/** Times `fn` `runs` times (after one untimed run). */
function time(runs: number, fn: () => unknown): { samples: number[]; last: unknown } {
  let last = fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    last = fn();
    samples.push(performance.now() - t);
  }
  return { samples, last };
}

function row(name: string, runs: number, fn: () => unknown, outcome: (last: unknown) => string): HostileTiming {
  const { samples, last } = time(runs, fn);
  const summary = summarize(samples);
  return { case: name, outcome: outcome(last), summary, ok: summary.p50 < HOSTILE_BUDGET_MS };
}

const problemsOf = (r: ReturnType<typeof parseConfigText>) =>
  r.kind === 'invalid'
    ? `invalid: ${r.total.toLocaleString('en-US')} ${r.total === 1 ? 'problem' : 'problems'}`
    : r.kind;

const reasonOf = (r: unknown) => plain((r as GateResult).reason);

export function hostileInputs(runs: number): HostileTiming[] {
  const out: HostileTiming[] = [];

  // The worst glob list, prepared fresh (as for a preview) and matched against 3,000 hostile paths.
  const globs = hostileGlobs(MAX_GLOBS_PER_LIST, 'e');
  const batchCfg = batchSize.config.parse({ exclude: globs });
  const testsCfg = testsTouched.config.parse({ tests: globs });
  for (const kind of ['random', 'alternating'] as const) {
    const pr = hostileSnapshot(kind);
    const paths = kind === 'random' ? 'random a/b paths' : '"abab…" paths';
    out.push(
      row(
        `worst glob list (${MAX_GLOBS_PER_LIST} × ${MAX_GLOB_LENGTH} characters) as batch-size.exclude, prepared and matched: 3,000 ${paths}`,
        runs,
        () => batchSize.evaluate(pr, batchCfg, batchSize.prepare?.(batchCfg), GATE_MEMORY),
        reasonOf,
      ),
      row(
        `  the same list as tests-touched.tests`,
        runs,
        () => testsTouched.evaluate(pr, testsCfg, testsTouched.prepare?.(testsCfg), GATE_MEMORY),
        reasonOf,
      ),
    );
  }

  // The worst config a fork can propose, previewed as the app previews it: the file is parsed in
  // one event-loop turn, its gates prepared and run in the next (previewProposedConfig).
  const pr = hostileSnapshot('alternating');
  const worst = worstConfigText();
  const size = `${(Buffer.byteLength(worst) / 1024).toFixed(0)} KB of hostile globs and patterns`;
  out.push(
    row(
      `worst config a fork can propose (${size}): parse (one turn)`,
      runs,
      () => parseConfigText(worst, FILE),
      (r) => problemsOf(r as ReturnType<typeof parseConfigText>),
    ),
  );
  const parsed = parseConfigText(worst, FILE);
  const config = QualityGatesConfig.parse(parsed.kind === 'ok' ? parsed.raw : {});
  out.push(
    row(
      '  then prepare it fresh and run every gate on 3,000 "abab…" paths (the next turn)',
      runs,
      () => runGates(pr, config, PREPARE_FRESH),
      (r) => (r as GateOutcome[]).map((o) => `${o.id} ${o.status}`).join(', '),
    ),
  );

  for (const { name, text } of configTextsAtCap()) {
    out.push(
      row(
        `parseConfigText at the size cap (${(Buffer.byteLength(text) / 1024).toFixed(0)} KB): ${name}`,
        runs,
        () => parseConfigText(text, FILE),
        (r) => problemsOf(r as ReturnType<typeof parseConfigText>),
      ),
    );
  }

  const newlines = '\n'.repeat(65_536);
  out.push(
    row(
      'findCommand on a 64 KB comment of line breaks',
      runs * 10,
      () => findCommand(newlines),
      (r) => (r === undefined ? 'no command' : 'a command'),
    ),
  );
  return out;
}
