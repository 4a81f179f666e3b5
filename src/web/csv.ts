/**
 * A table as CSV (RFC 4180: comma-separated, CRLF, quoted when needed), one header row of the
 * JSON keys. Text that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, CR first)
 * gets a leading `'`: titles and reasons are written by whoever opens a pull request.
 */
import type { Cell, Table } from './views.js';

function field(value: Cell | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  let text = typeof value === 'string' ? value : value.join(' ');
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(table: Table): string {
  const keys = table.columns.map((c) => c.key);
  const lines = [keys.join(','), ...table.rows.map((row) => keys.map((k) => field(row[k])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}
