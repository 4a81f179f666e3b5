/**
 * The data of each insights view (docs/insights.md, "Views"), as tables: the same rows feed the
 * HTML page, its charts, the CSV downloads and the JSON API. A view is a place (every
 * organisation the user can read, one organisation, one repository, optionally one gate) and a
 * period; its scope is the ids of the repositories there that the user can read, and no figure
 * is computed over anything else.
 */
import type { Kysely } from 'kysely';
import { GATES } from '../../gates/registry.js';
import { insights, type HistoryTables } from '../store/index.js';
import type { Period } from './period.js';

type Db = Kysely<HistoryTables>;
type RepositoryName = Awaited<ReturnType<typeof insights.repositories>>[number];

export type CellKind = 'text' | 'int' | 'num' | 'pct' | 'hours' | 'date' | 'week' | 'list';
export type Cell = string | number | null | readonly string[];
export type Row = Readonly<Record<string, Cell>>;

export interface Column {
  readonly key: string;
  readonly label: string;
  readonly kind: CellKind;
  /** The cell links to: a drill-down (`place`, from the row's `href`), a pull request, or a comment. */
  readonly link?: 'place' | 'pull' | 'comment';
  /** In the CSV and the JSON, not shown as a column (a link's target). */
  readonly hidden?: boolean;
}

export interface Table {
  /** Stable id: the CSV's and the JSON's name for it. */
  readonly id: string;
  readonly title: string;
  readonly columns: readonly Column[];
  readonly rows: readonly Row[];
  /** Drawn as a line chart over its first column (weeks), one line per named column. */
  readonly chart?: { readonly series: readonly string[]; readonly unit: string };
}

export interface Place {
  readonly owner?: string;
  /** `owner/name`. */
  readonly repository?: string;
  readonly gate?: string;
}

/** A place resolved against what the user can read. */
export interface ResolvedPlace extends Place {
  readonly level: 'all' | 'owner' | 'repository';
  /** The readable repositories there that the history knows. */
  readonly repositories: readonly RepositoryName[];
}

export interface WhatIfInput {
  readonly maxLines: number;
  readonly maxFiles: number;
  readonly defaultExcludes: boolean;
}

export interface View {
  readonly place: ResolvedPlace;
  readonly period: Period;
  readonly whatIf: WhatIfInput | undefined;
  /** Headline figures (also in the tables). */
  readonly figures: Readonly<Record<string, number | null>>;
  readonly tables: readonly Table[];
}

export const GATE_TITLES: ReadonlyMap<string, string> = new Map(GATES.map((g) => [g.id as string, g.title]));

/**
 * The place named by the path, among the readable repositories the history knows; undefined when
 * the user can read nothing there (the caller answers 404, as for a place that does not exist).
 */
export function resolvePlace(place: Place, known: readonly RepositoryName[]): ResolvedPlace | undefined {
  if (place.gate !== undefined && !GATE_TITLES.has(place.gate)) return undefined;
  const lower = (s: string) => s.toLowerCase();
  if (place.repository !== undefined) {
    const repos = known.filter((r) => lower(r.repository) === lower(place.repository!));
    return repos.length === 0
      ? undefined
      : {
          ...place,
          owner: repos[0]!.owner,
          repository: repos[0]!.repository,
          level: 'repository',
          repositories: repos,
        };
  }
  if (place.owner !== undefined) {
    const repos = known.filter((r) => lower(r.owner) === lower(place.owner!));
    return repos.length === 0 ? undefined : { ...place, owner: repos[0]!.owner, level: 'owner', repositories: repos };
  }
  return place.gate !== undefined ? undefined : { level: 'all', repositories: known };
}

/** The site path of a place (`/insights/acme/service-001/gates/batch-size`), for `prefix` `/insights` or `/api/insights`. */
export function placePath(prefix: string, place: Place): string {
  const parts = [prefix];
  if (place.repository !== undefined) parts.push(...place.repository.split('/').map(encodeURIComponent));
  else if (place.owner !== undefined) parts.push(encodeURIComponent(place.owner));
  if (place.gate !== undefined) parts.push('gates', encodeURIComponent(place.gate));
  return parts.join('/');
}

/**
 * The place in a path below `/insights` (or `/api/insights`): `[]`, `[owner]`, `[owner, repo]`,
 * `[owner, "gates", gate]`, `[owner, repo, "gates", gate]`. A repository may be called "gates":
 * `[owner, "gates"]` is that repository (a gate is always the segment after "gates").
 */
export function parsePlace(segments: readonly string[]): Place | undefined {
  let s: string[];
  try {
    s = segments.map((x) => decodeURIComponent(x));
  } catch {
    return undefined;
  }
  if (s.some((x) => x === '' || x.includes('/') || x.length > 100)) return undefined;
  const [owner, second, third, fourth] = s;
  if (owner === undefined) return {};
  if (second === undefined) return { owner };
  if (third === undefined) return { owner, repository: `${owner}/${second}` };
  if (fourth === undefined) return second === 'gates' ? { owner, gate: third } : undefined;
  return s.length === 4 && third === 'gates' ? { owner, repository: `${owner}/${second}`, gate: fourth } : undefined;
}

const pct = (part: number, whole: number): number | null => (whole > 0 ? Math.round((1000 * part) / whole) / 10 : null);
const one = (n: number | null): number | null => (n === null ? null : Math.round(n * 10) / 10);
const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

const col = (key: string, label: string, kind: CellKind, link?: Column['link']): Column =>
  link ? { key, label, kind, link } : { key, label, kind };
const hiddenCol = (key: string, label: string): Column => ({ key, label, kind: 'text', hidden: true });

/** Every table of a view, computed over the user's readable repositories there and the period. */
export async function buildView(
  db: Db,
  place: ResolvedPlace,
  period: Period,
  whatIf: WhatIfInput | undefined,
  webUrl: string,
): Promise<View> {
  const pullUrl = (repository: string, number: number) => `${webUrl}/${repository}/pull/${number}`;
  const scope = { repositoryIds: place.repositories.map((r) => r.repositoryId), from: period.start, to: period.end };
  const gates = place.gate !== undefined ? [place.gate] : GATES.map((g) => g.id as string);
  const gateOption = place.gate !== undefined ? { gate: place.gate, perGate: 10 } : {};
  const showWhatIf = whatIf !== undefined && (place.gate === undefined || place.gate === 'batch-size');
  // One page's queries: run together (a server's pool answers four at once; the embedded database in turn).
  // Tables that read the same PRs (the period's, those opened, those merged) or weeks share one statement each;
  // the organisation table and the what-if read the period's PRs per repository in one.
  const shared: insights.SharedScans = showWhatIf ? { whatIf } : {};
  const [
    summaries,
    weekly,
    size,
    shares,
    gateWeeks,
    reasons,
    compliance,
    overrides,
    overrideCounts,
    review,
    reviewWeeks,
    slowest,
    largest,
    whatIfRows,
  ] = await Promise.all([
    insights.repositorySummaries(db, scope, shared),
    insights.weeklyActivity(db, scope, shared),
    insights.mergedSize(db, scope, shared),
    insights.gateShares(db, scope, gates, shared),
    insights.gateWeekly(db, scope, gates, shared),
    insights.topReasons(db, scope, gateOption),
    insights.compliance(db, scope, shared),
    insights.overrideLog(db, scope, { limit: 100 }),
    insights.overrideCounts(db, scope),
    insights.reviewTimes(db, scope, shared),
    insights.reviewTimesByWeek(db, scope, shared),
    insights.slowestToReview(db, scope),
    insights.largestMerged(db, scope),
    showWhatIf ? insights.whatIf(db, scope, whatIf, shared) : Promise.resolve(undefined),
  ]);
  const ofGate = <T extends { gate: string }>(rows: readonly T[]) =>
    place.gate === undefined ? rows : rows.filter((r) => r.gate === place.gate);
  const overridesHere = place.gate === undefined ? overrides : overrides.filter((o) => o.gates.includes(place.gate!));
  const evaluated = compliance.prs;
  const blockedAny = summaries.reduce((n, s) => n + s.blocked, 0);

  const tables: Table[] = [
    ...(place.gate === undefined ? childrenTable(place, summaries, period) : []),
    {
      id: 'activity',
      title: 'Pull requests per week',
      columns: [
        col('week', 'Week of', 'week'),
        col('evaluated', 'Evaluated', 'int'),
        col('evaluations', 'Evaluations', 'int'),
        col('opened', 'Opened', 'int'),
        col('merged', 'Merged', 'int'),
      ],
      rows: weekly.map((w) => ({
        week: w.week,
        evaluated: w.evaluatedPrs,
        evaluations: w.evaluations,
        opened: w.openedPrs,
        merged: w.mergedPrs,
      })),
      chart: { series: ['evaluated', 'merged'], unit: 'pull requests' },
    },
    {
      id: 'size',
      title: 'Counted lines per merged pull request, per week',
      columns: [
        col('week', 'Week of', 'week'),
        col('merged', 'Merged', 'int'),
        col('p50Lines', 'Median lines', 'num'),
        col('p90Lines', 'p90 lines', 'num'),
      ],
      rows: weekly
        .filter((w) => w.mergedPrs > 0)
        .map((w) => ({ week: w.week, merged: w.mergedPrs, p50Lines: one(w.p50Lines), p90Lines: one(w.p90Lines) })),
      chart: { series: ['p50Lines', 'p90Lines'], unit: 'lines' },
    },
    {
      id: 'gates',
      title: 'Pull requests blocked, per gate',
      columns: [
        col('gate', 'Gate', 'text', 'place'),
        col('prs', 'Evaluated', 'int'),
        col('blocked', 'Blocked', 'int'),
        col('blockedPct', 'Blocked %', 'pct'),
        col('warned', 'Warned', 'int'),
        col('overridden', 'Overridden', 'int'),
      ],
      rows: shares.map((g) => ({
        gate: g.gate,
        ...(place.level === 'all' ? {} : { href: placeHref({ ...placeOf(place), gate: g.gate }, period) }),
        prs: g.prs,
        blocked: g.blocked,
        blockedPct: pct(g.blocked, g.prs),
        warned: g.warned,
        overridden: g.overridden,
      })),
    },
    gateWeeksTable(gateWeeks, gates),
    {
      id: 'reasons',
      title: place.gate === undefined ? 'Top failure reasons per gate' : 'Top failure reasons',
      columns: [
        col('gate', 'Gate', 'text'),
        col('pattern', 'Reason (numbers as N)', 'text'),
        col('example', 'Example', 'text'),
        col('prs', 'Pull requests', 'int'),
      ],
      rows: ofGate(reasons).map((r) => ({ gate: r.gate, pattern: r.pattern, example: r.example, prs: r.prs })),
    },
    {
      id: 'compliance',
      title: 'Linked ticket, tests touched, signed commits',
      columns: [
        col('check', 'Pull requests with', 'text'),
        col('evaluated', 'Evaluated', 'int'),
        col('passed', 'Passed', 'int'),
        col('passedPct', 'Passed %', 'pct'),
      ],
      rows: (
        [
          ['a linked ticket', compliance.linkedTicket],
          ['tests touched', compliance.testsTouched],
          ['signed commits', compliance.signedCommits],
        ] as const
      ).map(([check, c]) => ({
        check,
        evaluated: c.evaluated,
        passed: c.passed,
        passedPct: pct(c.passed, c.evaluated),
      })),
    },
    {
      id: 'review',
      title: 'Time to first review and lead time',
      columns: [
        col('measure', 'Measure', 'text'),
        col('prs', 'Pull requests', 'int'),
        col('p50Hours', 'p50 (hours)', 'hours'),
        col('p90Hours', 'p90 (hours)', 'hours'),
      ],
      rows: [
        {
          measure: 'time to first review (opened in the period)',
          prs: review.reviewed,
          p50Hours: review.p50FirstReviewHours,
          p90Hours: review.p90FirstReviewHours,
        },
        {
          measure: 'opened to merged (merged in the period)',
          prs: review.merged,
          p50Hours: review.p50LeadTimeHours,
          p90Hours: review.p90LeadTimeHours,
        },
      ],
    },
    {
      id: 'review-weeks',
      title: 'Time to first review, per week opened',
      columns: [
        col('week', 'Week of', 'week'),
        col('reviewed', 'Reviewed', 'int'),
        col('p50Hours', 'p50 (hours)', 'hours'),
        col('p90Hours', 'p90 (hours)', 'hours'),
      ],
      rows: reviewWeeks.map((w) => ({
        week: w.week,
        reviewed: w.reviewed,
        p50Hours: w.p50FirstReviewHours,
        p90Hours: w.p90FirstReviewHours,
      })),
      chart: { series: ['p50Hours', 'p90Hours'], unit: 'hours' },
    },
    {
      id: 'overrides',
      title: 'Overrides',
      columns: [
        col('recordedAt', 'When', 'date'),
        col('repository', 'Repository', 'text'),
        col('number', 'PR', 'int', 'pull'),
        col('login', 'Who', 'text'),
        col('gates', 'Gates', 'list'),
        col('outcome', 'Outcome', 'text'),
        col('reason', 'Reason', 'text', 'comment'),
        col('refusal', 'Why refused', 'text'),
        hiddenCol('commentUrl', 'Comment URL'),
        hiddenCol('url', 'Pull request URL'),
      ],
      rows: overridesHere.map((o) => ({
        recordedAt: iso(o.recordedAt),
        repository: o.repository,
        number: o.number,
        login: o.login,
        gates: o.gates,
        outcome: o.outcome,
        reason: o.reason,
        commentUrl: o.commentUrl,
        refusal: o.refusal,
        url: pullUrl(o.repository, o.number),
      })),
    },
    {
      id: 'override-counts',
      title: 'Overrides per gate and user',
      columns: [
        col('gate', 'Gate', 'text'),
        col('outcome', 'Outcome', 'text'),
        col('login', 'Who', 'text'),
        col('overrides', 'Overrides', 'int'),
        col('prs', 'Pull requests', 'int'),
      ],
      rows: ofGate(overrideCounts).map((c) => ({
        gate: c.gate,
        outcome: c.outcome,
        login: c.login,
        overrides: c.overrides,
        prs: c.prs,
      })),
    },
    {
      id: 'slowest',
      title: 'Slowest to first review',
      columns: [
        col('repository', 'Repository', 'text'),
        col('number', 'PR', 'int', 'pull'),
        col('title', 'Title', 'text'),
        col('author', 'Author', 'text'),
        col('state', 'State', 'text'),
        col('openedAt', 'Opened', 'date'),
        col('waitHours', 'Waited (hours)', 'hours'),
        hiddenCol('url', 'Pull request URL'),
      ],
      rows: slowest.map((p) => ({
        repository: p.repository,
        number: p.number,
        title: p.title,
        author: p.author,
        state: p.state,
        openedAt: iso(p.openedAt),
        waitHours: p.waitHours,
        url: pullUrl(p.repository, p.number),
      })),
    },
    {
      id: 'largest',
      title: 'Largest merged',
      columns: [
        col('repository', 'Repository', 'text'),
        col('number', 'PR', 'int', 'pull'),
        col('title', 'Title', 'text'),
        col('author', 'Author', 'text'),
        col('mergedAt', 'Merged', 'date'),
        col('countedLines', 'Counted lines', 'int'),
        col('countedFiles', 'Counted files', 'int'),
        hiddenCol('url', 'Pull request URL'),
      ],
      rows: largest.map((p) => ({
        repository: p.repository,
        number: p.number,
        title: p.title,
        author: p.author,
        mergedAt: iso(p.mergedAt),
        countedLines: p.countedLines,
        countedFiles: p.countedFiles,
        url: pullUrl(p.repository, p.number),
      })),
    },
    ...(whatIfRows ? [whatIfTable(whatIfRows)] : []),
  ];
  if (place.gate !== undefined) {
    const share = shares[0];
    const figures = {
      evaluated: share?.prs ?? 0,
      blocked: share?.blocked ?? 0,
      blockedPct: pct(share?.blocked ?? 0, share?.prs ?? 0),
      warned: share?.warned ?? 0,
      overridden: share?.overridden ?? 0,
    };
    return {
      place,
      period,
      whatIf: showWhatIf ? whatIf : undefined,
      figures,
      tables: tables.filter((t) => GATE_VIEW_TABLES.has(t.id)),
    };
  }
  const figures = {
    evaluated,
    merged: size.merged,
    blocked: blockedAny,
    blockedPct: pct(blockedAny, evaluated),
    p50Lines: one(size.p50Lines),
    p90Lines: one(size.p90Lines),
    p50FirstReviewHours: review.p50FirstReviewHours,
    p90FirstReviewHours: review.p90FirstReviewHours,
    p50LeadTimeHours: review.p50LeadTimeHours,
    p90LeadTimeHours: review.p90LeadTimeHours,
  };
  return { place, period, whatIf: showWhatIf ? whatIf : undefined, figures, tables };
}

/** A gate's view shows what is about that gate. */
const GATE_VIEW_TABLES = new Set(['gates', 'gate-weeks', 'reasons', 'overrides', 'override-counts', 'what-if']);

const placeOf = (p: ResolvedPlace): Place => ({
  ...(p.owner !== undefined ? { owner: p.owner } : {}),
  ...(p.repository !== undefined ? { repository: p.repository } : {}),
});

/** A drill-down link keeping the period. */
export function placeHref(place: Place, period: Period): string {
  return `${placePath('/insights', place)}?from=${period.from}&to=${period.to}`;
}

type Summary = Awaited<ReturnType<typeof insights.repositorySummaries>>[number];

/** The next level down: organisations (everywhere) or repositories (in an organisation). */
function childrenTable(place: ResolvedPlace, summaries: readonly Summary[], period: Period): Table[] {
  if (place.level === 'repository') return [];
  const gate = place.gate !== undefined ? { gate: place.gate } : {};
  if (place.level === 'owner') {
    return [
      {
        id: 'repositories',
        title: 'Repositories',
        columns: [
          col('repository', 'Repository', 'text', 'place'),
          col('prs', 'Pull requests', 'int'),
          col('merged', 'Merged', 'int'),
          col('blocked', 'Blocked', 'int'),
          col('blockedPct', 'Blocked %', 'pct'),
          col('p50Lines', 'Median lines', 'num'),
        ],
        rows: summaries.map((s) => ({
          repository: s.repository,
          href: placeHref({ repository: s.repository, ...gate }, period),
          prs: s.prs,
          merged: s.merged,
          blocked: s.blocked,
          blockedPct: pct(s.blocked, s.prs),
          p50Lines: one(s.p50Lines),
        })),
      },
    ];
  }
  const byOwner = new Map<string, { repositories: number; prs: number; merged: number; blocked: number }>();
  const owners = new Map(place.repositories.map((r) => [r.repositoryId, r.owner]));
  for (const s of summaries) {
    const owner = owners.get(s.repositoryId) ?? s.repository.split('/')[0]!;
    const o = byOwner.get(owner) ?? { repositories: 0, prs: 0, merged: 0, blocked: 0 };
    byOwner.set(owner, {
      repositories: o.repositories + 1,
      prs: o.prs + s.prs,
      merged: o.merged + s.merged,
      blocked: o.blocked + s.blocked,
    });
  }
  return [
    {
      id: 'organisations',
      title: 'Organisations',
      columns: [
        col('owner', 'Organisation', 'text', 'place'),
        col('repositories', 'Repositories with PRs', 'int'),
        col('prs', 'Pull requests', 'int'),
        col('merged', 'Merged', 'int'),
        col('blocked', 'Blocked', 'int'),
        col('blockedPct', 'Blocked %', 'pct'),
      ],
      rows: [...byOwner.entries()]
        .sort(([a, x], [b, y]) => y.prs - x.prs || a.localeCompare(b))
        .map(([owner, o]) => ({
          owner,
          href: placeHref({ owner, ...gate }, period),
          ...o,
          blockedPct: pct(o.blocked, o.prs),
        })),
    },
  ];
}

type GateWeek = Awaited<ReturnType<typeof insights.gateWeekly>>[number];

/** Share blocked per week, one column per gate: the chart's lines. */
function gateWeeksTable(rows: readonly GateWeek[], gates: readonly string[]): Table {
  const weeks = new Map<string, Record<string, Cell>>();
  const shown = gates.filter((g) => rows.some((r) => r.gate === g));
  for (const r of rows) {
    const week = weeks.get(r.week) ?? { week: r.week };
    week[r.gate] = pct(r.blocked, r.prs);
    weeks.set(r.week, week);
  }
  return {
    id: 'gate-weeks',
    title: 'Share of pull requests blocked, per week and gate (%)',
    columns: [col('week', 'Week of', 'week'), ...shown.map((g) => col(g, g, 'pct'))],
    rows: [...weeks.values()].map((w) =>
      Object.fromEntries([['week', w.week!], ...shown.map((g) => [g, w[g] ?? null])]),
    ),
    chart: { series: shown, unit: '%' },
  };
}

type WhatIfRow = Awaited<ReturnType<typeof insights.whatIf>>[number];

function whatIfTable(rows: readonly WhatIfRow[]): Table {
  const total = rows.reduce(
    (t, r) => ({ prs: t.prs + r.prs, now: t.now + r.failingNow, would: t.would + r.wouldFail }),
    { prs: 0, now: 0, would: 0 },
  );
  return {
    id: 'what-if',
    title: 'What if: batch-size with the candidate limits',
    columns: [
      col('repository', 'Repository', 'text'),
      col('prs', 'Pull requests', 'int'),
      col('currentMaxLines', 'max_lines now', 'int'),
      col('currentMaxFiles', 'max_files now', 'int'),
      col('failingNow', 'Failing now', 'int'),
      col('failingNowPct', 'Failing now %', 'pct'),
      col('wouldFail', 'Would fail', 'int'),
      col('wouldFailPct', 'Would fail %', 'pct'),
    ],
    rows: [
      ...rows.map((r) => ({
        repository: r.repository,
        prs: r.prs,
        currentMaxLines: r.currentMaxLines,
        currentMaxFiles: r.currentMaxFiles,
        failingNow: r.failingNow,
        failingNowPct: pct(r.failingNow, r.prs),
        wouldFail: r.wouldFail,
        wouldFailPct: pct(r.wouldFail, r.prs),
      })),
      ...(rows.length > 1
        ? [
            {
              repository: 'All',
              prs: total.prs,
              currentMaxLines: null,
              currentMaxFiles: null,
              failingNow: total.now,
              failingNowPct: pct(total.now, total.prs),
              wouldFail: total.would,
              wouldFailPct: pct(total.would, total.prs),
            },
          ]
        : []),
    ],
  };
}
