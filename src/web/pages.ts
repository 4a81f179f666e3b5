/**
 * The insights pages, rendered on the server: every value from the database is escaped (`html`),
 * no inline script or style (the Content-Security-Policy allows this site's files only), and each
 * chart is drawn in the browser from the table it stands beside (src/web/assets/insights.js), so
 * the table is the text equivalent and the page reads without JavaScript.
 */
import { html, safeHref, type Html } from './html.js';
import type { Period } from './period.js';
import { GATE_TITLES, placeHref, placePath, type Cell, type Column, type Row, type Table, type View } from './views.js';

export const ASSET_PATH = '/insights/assets';

function layout(title: string, body: Html, user?: string): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>${title} · Quality Gates insights</title>
        <link rel="icon" href="${ASSET_PATH}/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="${ASSET_PATH}/uPlot.min.css" />
        <link rel="stylesheet" href="${ASSET_PATH}/insights.css" />
        <script src="${ASSET_PATH}/uPlot.iife.min.js" defer></script>
        <script src="${ASSET_PATH}/insights.js" defer></script>
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/insights">Quality Gates insights</a>
          ${
            user === undefined
              ? ''
              : html`<span class="user">Signed in as <strong data-testid="login">${user}</strong></span>
                  <form method="post" action="/insights/auth/sign-out" class="sign-out">
                    <button type="submit">Sign out</button>
                  </form>`
          }
        </header>
        ${body}
      </body>
    </html> `.text;
}

/** A page of words only: sign in, signed out, errors. */
export function messagePage(
  title: string,
  paragraphs: readonly (Html | string)[],
  options: { user?: string; action?: { href: string; label: string } } = {},
): string {
  return layout(
    title,
    html`<main class="message">
      <h1>${title}</h1>
      ${paragraphs.map((p) => html`<p>${p}</p>`)}
      ${options.action ? html`<p><a class="button" href="${safeHref(options.action.href)}">${options.action.label}</a></p>` : ''}
    </main>`,
    options.user,
  );
}

function formatCell(value: Cell | undefined, column: Column): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'object') return value.join(', ');
  if (typeof value === 'number') {
    if (column.kind === 'pct') return `${value.toFixed(1)} %`;
    if (column.kind === 'num' || column.kind === 'hours')
      return value.toLocaleString('en-GB', { maximumFractionDigits: 1 });
    if (column.kind === 'int' && column.link !== 'pull') return value.toLocaleString('en-GB');
    return String(value);
  }
  if (column.kind === 'date') return value.slice(0, 16).replace('T', ' ');
  return String(value);
}

function cell(row: Row, column: Column): Html {
  const value = row[column.key];
  const text = formatCell(value, column);
  const numeric = typeof value === 'number';
  const attrs = html` data-key="${column.key}"${numeric ? html` data-value="${value}" class="num"` : ''}`;
  let content: Html | string = text;
  if (column.link === 'place' && typeof row.href === 'string')
    content = html`<a href="${safeHref(row.href)}">${text}</a>`;
  if (column.link === 'pull' && typeof row.url === 'string')
    content = html`<a href="${safeHref(row.url)}">#${text}</a>`;
  if (column.link === 'comment' && typeof row.commentUrl === 'string')
    content = html`<a href="${safeHref(row.commentUrl)}">${text}</a>`;
  return html`<td${attrs}>${content}</td>`;
}

function tableHtml(table: Table): Html {
  const visible = table.columns.filter((c) => !c.hidden);
  const body =
    table.rows.length === 0
      ? html`<tr>
          <td colspan="${visible.length}" class="empty">Nothing recorded in this period.</td>
        </tr>`
      : table.rows.map(
          (row) =>
            html`<tr>
              ${visible.map((c) => cell(row, c))}
            </tr>`,
        );
  return html`<div class="scroll" tabindex="0">
    <table id="table-${table.id}" data-table="${table.id}">
      <caption class="visually-hidden">
        ${table.title}
      </caption>
      <thead>
        <tr>
          ${visible.map((c) => html`<th scope="col" data-key="${c.key}" ${c.kind === 'text' || c.kind === 'list' ? '' : html` class="num"`}>${c.label}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${body}
      </tbody>
    </table>
  </div>`;
}

function section(table: Table, view: View, intro: Html | string = ''): Html {
  const csv = `${placePath('/api/insights', view.place)}?${query(view.period, view.whatIf, { table: table.id, format: 'csv' })}`;
  const chart = table.chart && table.rows.length > 0;
  return html`<section class="block" id="${table.id}" aria-labelledby="h-${table.id}">
    <h2 id="h-${table.id}">${table.title}</h2>
    ${intro}
    ${chart ? html`<div class="chart" data-chart="${table.id}" data-series="${table.chart!.series.join(',')}" data-unit="${table.chart!.unit}" aria-hidden="true"></div>` : ''}
    ${
      chart
        ? html`<details>
            <summary>The chart as a table</summary>
            ${tableHtml(table)}
          </details>`
        : tableHtml(table)
    }
    <p class="download"><a href="${csv}" download="${table.id}.csv" data-csv="${table.id}">Download CSV</a></p>
  </section>`;
}

function query(period: Period, whatIf: View['whatIf'], extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({ from: period.from, to: period.to });
  if (whatIf) {
    q.set('max_lines', String(whatIf.maxLines));
    q.set('max_files', String(whatIf.maxFiles));
    q.set('default_excludes', whatIf.defaultExcludes ? 'on' : 'off');
  }
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return q.toString();
}

const FIGURE_LABELS: Readonly<Record<string, string>> = {
  evaluated: 'Pull requests evaluated',
  merged: 'Merged',
  blocked: 'Blocked at least once',
  blockedPct: 'Blocked %',
  warned: 'Warned',
  overridden: 'Overridden',
  p50Lines: 'Median lines per merged PR',
  p90Lines: 'p90 lines per merged PR',
  p50FirstReviewHours: 'Time to first review, p50 (h)',
  p90FirstReviewHours: 'Time to first review, p90 (h)',
  p50LeadTimeHours: 'Opened to merged, p50 (h)',
  p90LeadTimeHours: 'Opened to merged, p90 (h)',
};

/** A headline figure as shown: a dash when there is none, percentages with one decimal. */
function figureText(key: string, value: number | null): string {
  if (value === null) return '–';
  return key.endsWith('Pct') ? `${value.toFixed(1)} %` : value.toLocaleString('en-GB', { maximumFractionDigits: 1 });
}

function figures(view: View): Html {
  return html`<dl class="figures">
    ${Object.entries(view.figures).map(
      ([key, value]) =>
        html`<div>
          <dt>${FIGURE_LABELS[key] ?? key}</dt>
          <dd data-figure="${key}">${figureText(key, value)}</dd>
        </div>`,
    )}
  </dl>`;
}

function breadcrumbs(view: View): Html {
  const { place, period } = view;
  const crumbs: { label: string; href: string }[] = [{ label: 'All organisations', href: placeHref({}, period) }];
  if (place.owner !== undefined) crumbs.push({ label: place.owner, href: placeHref({ owner: place.owner }, period) });
  if (place.repository !== undefined)
    crumbs.push({
      label: place.repository.split('/')[1]!,
      href: placeHref({ owner: place.owner!, repository: place.repository }, period),
    });
  if (place.gate !== undefined) crumbs.push({ label: place.gate, href: placeHref(place, period) });
  return html`<nav aria-label="Breadcrumb" class="crumbs">
    <ol>
      ${crumbs.map((c, i) =>
        i === crumbs.length - 1
          ? html`<li><span aria-current="page">${c.label}</span></li>`
          : html`<li><a href="${c.href}">${c.label}</a></li>`,
      )}
    </ol>
  </nav>`;
}

function periodForm(view: View): Html {
  const w = view.whatIf;
  return html`<form class="period" method="get" action="${placePath('/insights', view.place)}">
    <label>From <input type="date" name="from" value="${view.period.from}" required /></label>
    <label>To <input type="date" name="to" value="${view.period.to}" required /></label>
    ${w ? html`<input type="hidden" name="max_lines" value="${w.maxLines}" /><input type="hidden" name="max_files" value="${w.maxFiles}" /><input type="hidden" name="default_excludes" value="${w.defaultExcludes ? 'on' : 'off'}" />` : ''}
    <button type="submit">Show</button>
  </form>`;
}

function whatIfForm(view: View): Html {
  const w = view.whatIf!;
  return html`<form class="what-if" method="get" action="${placePath('/insights', view.place)}#what-if">
      <input type="hidden" name="from" value="${view.period.from}" /><input
        type="hidden"
        name="to"
        value="${view.period.to}"
      />
      <label
        >max_lines <input type="number" name="max_lines" min="1" max="1000000" value="${w.maxLines}" required
      /></label>
      <label
        >max_files <input type="number" name="max_files" min="1" max="1000000" value="${w.maxFiles}" required
      /></label>
      <input type="hidden" name="default_excludes" value="off" />
      <label
        ><input type="checkbox" name="default_excludes" value="on" ${w.defaultExcludes ? ' checked' : ''} /> default
        excludes</label
      >
      <button type="submit">Try</button>
    </form>
    <p class="note">
      Computed from the counted lines and files recorded for each pull request's latest evaluation; no request to
      GitHub. “Failing now” is batch-size's verdict under the limits in force then.
    </p>`;
}

function heading(view: View): string {
  const { place } = view;
  const where = place.repository ?? place.owner ?? 'All organisations';
  return place.gate === undefined ? where : `${GATE_TITLES.get(place.gate) ?? place.gate} (${place.gate}) · ${where}`;
}

export function viewPage(view: View, user: string): string {
  const title = heading(view);
  const sections = view.tables.map((t) => section(t, view, t.id === 'what-if' ? whatIfForm(view) : ''));
  const repos = view.place.repositories.length;
  return layout(
    title,
    html`${breadcrumbs(view)}
      <main>
        <h1>${title}</h1>
        <p class="scope">
          ${view.period.from} to ${view.period.to} (UTC days, both included) · ${repos}
          ${repos === 1 ? 'repository' : 'repositories'} you can read
        </p>
        ${periodForm(view)} ${figures(view)} ${sections}
        <p class="api">
          The same data as JSON:
          <a href="${placePath('/api/insights', view.place)}?${query(view.period, view.whatIf)}"
            >${placePath('/api/insights', view.place)}</a
          >
        </p>
      </main>`,
    user,
  );
}
