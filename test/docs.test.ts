/**
 * The operations docs name only what exists. Every metric referenced in docs/alerts.yml, and in
 * the PromQL and prose of docs/slo.md and docs/runbook.md, is registered by src/ops/metrics.ts, and
 * its selectors use only label names that metric has. Every recording rule an expression uses is
 * defined. Every runbook_url and in-doc link lands on a real heading. A renamed metric or heading
 * fails here instead of paging someone with a dead query or link.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../src/ops/metrics.js';

interface Rule {
  alert?: string;
  record?: string;
  expr?: unknown;
  for?: unknown;
  labels?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

const read = (path: string) => readFileSync(path, 'utf8');
const rulesFile = parse(read('docs/alerts.yml')) as { groups: { name: string; rules: Rule[] }[] };
const rules = rulesFile.groups.flatMap((g) => g.rules);
const alerts = rules.filter((r) => r.alert !== undefined);
const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));
const DOCS = ['docs/runbook.md', 'docs/slo.md', 'docs/security.md', 'docs/compatibility.md'] as const;

// ---------------------------------------------------------------------------------------------
// Metric names

interface KnownMetric {
  readonly type: string;
  readonly labels: readonly string[];
}

const { registry } = createMetrics({ defaultMetrics: false });
const KNOWN = new Map<string, KnownMetric>(
  (await registry.getMetricsAsJSON()).map((m) => [
    m.name,
    {
      type: String(m.type),
      labels: (registry.getSingleMetric(m.name) as unknown as { labelNames?: readonly string[] }).labelNames ?? [],
    },
  ]),
);

/** Labels Prometheus attaches to every scraped series. */
const TARGET_LABELS = ['job', 'instance'];
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'] as const;

interface MetricReference {
  readonly name: string;
  /** Label names of the selector right after the name, e.g. `outcome` in `…{outcome="failed"}`. */
  readonly labels: readonly string[];
}

/** Every `quality_gates_*` metric an expression (or a document) mentions, with its selector's label names. */
function metricReferences(text: string): MetricReference[] {
  const refs: MetricReference[] = [];
  for (const match of text.matchAll(/quality_gates_[a-z_]+/g)) {
    const after = text.slice((match.index ?? 0) + match[0].length);
    const selector = /^\s*\{([^}]*)\}/.exec(after)?.[1] ?? '';
    const withoutValues = selector.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    const labels = [...withoutValues.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1]!);
    refs.push({ name: match[0], labels });
  }
  return refs;
}

/** The registered metric a referenced name stands for: itself, or a histogram's base name without `_bucket`/`_sum`/`_count`. */
function resolve(name: string): { base: string; suffix?: string } | undefined {
  if (KNOWN.has(name)) return { base: name };
  for (const suffix of HISTOGRAM_SUFFIXES) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    if (KNOWN.get(base)?.type === 'histogram') return { base, suffix };
  }
  return undefined;
}

/** What is wrong with the metric references of `text`; empty when every name and label exists. */
function metricProblems(text: string, where: string): string[] {
  return metricReferences(text).flatMap(({ name, labels }) => {
    const found = resolve(name);
    if (!found) return [`${where}: ${name} is not a metric of src/ops/metrics.ts`];
    const allowed = [...KNOWN.get(found.base)!.labels, ...TARGET_LABELS, ...(found.suffix === '_bucket' ? ['le'] : [])];
    return labels
      .filter((l) => !allowed.includes(l))
      .map((l) => `${where}: ${name} has no label "${l}" (it has: ${allowed.join(', ')})`);
  });
}

/** Recording rules (`quality_gates:…`) an expression uses that docs/alerts.yml does not define. */
function recordingProblems(text: string, where: string): string[] {
  return [...text.matchAll(/quality_gates:[a-z0-9_:]+/g)]
    .map((m) => m[0])
    .filter((name) => !recorded.has(name))
    .map((name) => `${where}: recording rule ${name} is not defined in docs/alerts.yml`);
}

/** Markdown without fenced code blocks and inline code spans, where link-like text is not a link. */
function withoutCode(markdown: string): string {
  return markdown.replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`+[^`\n]*`+/g, '');
}

/** The contents of the ```promql blocks of a Markdown document. */
function promqlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```promql\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
}

// ---------------------------------------------------------------------------------------------
// Anchors

/** GitHub's heading anchor: lower case, punctuation dropped (letters, digits, `_`, `-` and spaces stay), spaces to `-`. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every heading anchor of a Markdown document, outside code fences; repeated headings get `-1`, `-2`, … as on GitHub. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker) {
      if (fence === undefined) fence = marker;
      else if (marker.startsWith(fence)) fence = undefined;
      continue;
    }
    if (fence !== undefined) continue;
    const heading = /^#{1,6}\s+(.+?)(?:\s+#+)?\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = slug(heading);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

const runbook = read('docs/runbook.md');
const runbookAnchors = headingAnchors(runbook);

// ---------------------------------------------------------------------------------------------

describe('the checks themselves', () => {
  it('flag a misspelt metric, a wrong label and a histogram suffix on a counter (they can fail)', () => {
    expect(metricProblems('sum(rate(quality_gates_evaluation_total[5m]))', 'x')).toEqual([
      'x: quality_gates_evaluation_total is not a metric of src/ops/metrics.ts',
    ]);
    expect(metricProblems('quality_gates_evaluations_total{outcome="failed"}', 'x')).toEqual([
      expect.stringContaining('has no label "outcome"'),
    ]);
    expect(metricProblems('quality_gates_queue_depth_bucket', 'x')).toHaveLength(1);
    expect(
      metricProblems(
        'quality_gates_evaluation_duration_seconds_bucket{le="30", outcome=~"a|b"} + quality_gates_config_errors_total',
        'x',
      ),
    ).toEqual([]);
  });

  it('read label names, not label values', () => {
    expect(metricReferences('quality_gates_queue_events_total{result="a=b",job!~"x"}')).toEqual([
      { name: 'quality_gates_queue_events_total', labels: ['result', 'job'] },
    ]);
  });

  it('slug headings as GitHub does', () => {
    expect(slug('Check-run writes failing')).toBe('check-run-writes-failing');
    expect(slug('SLO 1: a completed check run within 30 seconds')).toBe(
      'slo-1-a-completed-check-run-within-30-seconds',
    );
    expect(slug('Rotate the `WEBHOOK_SECRET` (safely)')).toBe('rotate-the-webhook_secret-safely');
    expect([...headingAnchors('# A\n```sh\n# not a heading\n```\n## A\n')]).toEqual(['a', 'a-1']);
  });
});

describe('docs/alerts.yml', () => {
  it('has alerts, each with expr, for, a severity, a summary and a runbook_url', () => {
    expect(alerts.length).toBeGreaterThan(5);
    expect(new Set(alerts.map((a) => a.alert)).size).toBe(alerts.length);
    for (const a of alerts) {
      expect(typeof a.expr, `${a.alert}: expr`).toBe('string');
      expect(String(a.for), `${a.alert}: for`).toMatch(/^\d+[smhdw]$/);
      expect(['page', 'ticket'], `${a.alert}: labels.severity`).toContain(a.labels?.severity);
      expect(String(a.annotations?.summary ?? ''), `${a.alert}: annotations.summary`).not.toBe('');
      expect(String(a.annotations?.runbook_url), `${a.alert}: annotations.runbook_url`).toMatch(
        /^docs\/runbook\.md#[a-z0-9_-]+$/,
      );
    }
  });

  it('references only metrics (and label names) that src/ops/metrics.ts registers', () => {
    const exprs = rules.map((r) => ({ where: r.alert ?? r.record ?? '?', expr: String(r.expr) }));
    expect(exprs.flatMap(({ expr }) => metricReferences(expr)).length).toBeGreaterThan(10);
    expect(exprs.flatMap(({ where, expr }) => metricProblems(expr, where))).toEqual([]);
  });

  it('uses only recording rules it defines', () => {
    expect(rules.flatMap((r) => recordingProblems(String(r.expr), r.alert ?? r.record ?? '?'))).toEqual([]);
  });

  it('points every runbook_url at a heading of docs/runbook.md', () => {
    const missing = alerts
      .map((a) => String(a.annotations?.runbook_url).split('#')[1]!)
      .filter((anchor) => !runbookAnchors.has(anchor));
    expect(missing).toEqual([]);
  });
});

describe('docs/slo.md and docs/runbook.md', () => {
  it.each(['docs/slo.md', 'docs/runbook.md'])(
    '%s: every PromQL block names real metrics and recording rules',
    (path) => {
      const blocks = promqlBlocks(read(path));
      expect(blocks.length).toBeGreaterThan(2);
      // Every block queries something: an app metric, a recording rule, or Prometheus's own `up`.
      for (const block of blocks)
        expect(block, 'a PromQL block that names no series').toMatch(/quality_gates_[a-z_]+|quality_gates:|\bup\{/);
      expect(
        blocks.flatMap((b, i) => [
          ...metricProblems(b, `${path} block ${i + 1}`),
          ...recordingProblems(b, `${path} block ${i + 1}`),
        ]),
      ).toEqual([]);
    },
  );

  it.each([...DOCS])('%s: every metric named anywhere in the text exists', (path) => {
    expect(metricProblems(read(path), path)).toEqual([]);
  });

  it('the runbook lists every registered metric', () => {
    expect([...KNOWN.keys()].filter((name) => !runbook.includes(`\`${name}\``))).toEqual([]);
  });
});

describe('links between the docs', () => {
  it.each([...DOCS])('%s: relative links reach a file, and anchors a heading', (path) => {
    const problems: string[] = [];
    for (const m of withoutCode(read(path)).matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
      const [file, anchor] = target.split('#') as [string, string | undefined];
      const targetPath = file === '' ? path : join(dirname(path), file);
      if (!existsSync(targetPath)) {
        problems.push(`${target}: no file ${targetPath}`);
        continue;
      }
      if (anchor !== undefined && targetPath.endsWith('.md') && !headingAnchors(read(targetPath)).has(anchor))
        problems.push(`${target}: no heading #${anchor} in ${targetPath}`);
    }
    expect(problems).toEqual([]);
  });
});
