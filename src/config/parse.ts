/**
 * Parses and validates one config file's text, locating every problem by line,
 * column and key path. Never throws: the result is tagged.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { QualityGatesConfig } from './schema.js';

/** One located problem in a config file. */
export interface ConfigProblem {
  /** Where the file was read, e.g. `acme/api:.github/quality-gates.yml@main`. */
  readonly file: string;
  /** 1-based; 0 when the problem has no place in the file. */
  readonly line: number;
  readonly column: number;
  /** Dotted key path, e.g. `gates.batch-size.max_lines`; empty for the whole file. */
  readonly path: string;
  /** What is wrong and what is allowed. */
  readonly message: string;
}

export type ParsedConfigFile =
  | { readonly kind: 'ok'; readonly file: string; readonly raw: Record<string, unknown> }
  | { readonly kind: 'invalid'; readonly file: string; readonly problems: readonly ConfigProblem[] };

/** Config files larger than this are refused: a config is a few hundred bytes. */
export const MAX_CONFIG_BYTES = 256 * 1024;
/** Guards against alias ("billion laughs") bombs. */
const MAX_ALIAS_COUNT = 100;

export function parseConfigText(text: string, file: string): ParsedConfigFile {
  const invalid = (problems: ConfigProblem[]): ParsedConfigFile => ({ kind: 'invalid', file, problems });
  if (Buffer.byteLength(text, 'utf8') > MAX_CONFIG_BYTES) {
    return invalid([{ file, line: 1, column: 1, path: '', message: `the file is larger than ${MAX_CONFIG_BYTES / 1024} KB` }]);
  }
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  } catch (error) {
    return invalid([{ file, line: 1, column: 1, path: '', message: `not valid YAML: ${messageOf(error)}` }]);
  }
  if (doc.errors.length > 0) {
    return invalid(
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { file, line: pos.line, column: pos.col, path: '', message: `not valid YAML: ${firstLine(e.message)}` };
      }),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // e.g. too many aliases: a problem of the whole document, reported at its start
    return invalid([{ file, line: 1, column: 1, path: '', message: `not valid YAML: ${messageOf(error)}` }]);
  }
  if (value === null || value === undefined) return { kind: 'ok', file, raw: {} };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return invalid([{ file, line: 1, column: 1, path: '', message: 'the file must be a YAML mapping of keys (defaults, checks, skip, on_error, gates)' }]);
  }
  const checked = QualityGatesConfig.safeParse(value);
  if (checked.success) return { kind: 'ok', file, raw: value as Record<string, unknown> };
  return invalid(checked.error.issues.flatMap((issue) => locateIssue(issue, doc, lineCounter, file)));
}

function locateIssue(issue: z.core.$ZodIssue, doc: Document.Parsed, lines: LineCounter, file: string): ConfigProblem[] {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeysAt(path);
    return issue.keys.map((key) => {
      const offset = keyOffset(doc, path, key);
      const pos = offset === undefined ? { line: 0, col: 0 } : lines.linePos(offset);
      return {
        file,
        line: pos.line,
        column: pos.col,
        path: [...path, key].join('.'),
        message: `unknown key "${key}"${allowed ? `; allowed here: ${allowed.join(', ')}` : ''}`,
      };
    });
  }
  const offset = valueOffset(doc, path);
  const pos = offset === undefined ? { line: 0, col: 0 } : lines.linePos(offset);
  return [{ file, line: pos.line, column: pos.col, path: path.join('.'), message: describeIssue(issue) }];
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `must be one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_type':
      return `must be ${article(issue.expected)}`;
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'string' ? issue.message : `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'array' || issue.origin === 'string' ? issue.message : `must be at most ${String(issue.maximum)}`;
    default:
      return issue.message;
  }
}

function article(type: string): string {
  const names: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string', number: 'a number', boolean: 'true or false' };
  return names[type] ?? `a value of type ${type}`;
}

/** The keys the schema allows at a path, for "allowed here" hints. */
function allowedKeysAt(path: readonly string[]): string[] | undefined {
  let schema: z.core.$ZodType = QualityGatesConfig;
  for (const key of [...path, '']) {
    const shape = objectShape(schema);
    if (!shape) return undefined;
    if (key === '') return Object.keys(shape);
    const next = shape[key];
    if (!next) return undefined;
    schema = next;
  }
  return undefined;
}

function objectShape(schema: z.core.$ZodType): Record<string, z.core.$ZodType> | undefined {
  let s: z.core.$ZodType | undefined = schema;
  for (let i = 0; i < 5 && s; i++) {
    const def = s._zod.def as unknown as { type: string; shape?: Record<string, z.core.$ZodType>; innerType?: z.core.$ZodType };
    if (def.type === 'object') return def.shape;
    s = def.innerType;
  }
  return undefined;
}

function nodeAt(doc: Document.Parsed, path: readonly string[]): Node | undefined {
  let node: unknown = doc.contents;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
      node = pair?.value ?? undefined;
    } else if (isSeq(node)) {
      node = node.items[Number(key)];
    } else {
      return undefined;
    }
  }
  return node as Node | undefined;
}

/** Offset of the value at `path`, falling back to the nearest ancestor that exists. */
function valueOffset(doc: Document.Parsed, path: readonly string[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = nodeAt(doc, path.slice(0, n));
    if (node?.range) return node.range[0];
  }
  return undefined;
}

function keyOffset(doc: Document.Parsed, path: readonly string[], key: string): number | undefined {
  const map = nodeAt(doc, path);
  if (isMap(map)) {
    const pair = map.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    if (pair && isScalar(pair.key) && pair.key.range) return pair.key.range[0];
  }
  return valueOffset(doc, path);
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

function messageOf(error: unknown): string {
  return firstLine(error instanceof Error ? error.message : String(error));
}

/** "file:line:column key: message" — the form used in logs and the check run. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  return `${where}${p.path ? ` ${p.path}` : ''}: ${p.message}`;
}
