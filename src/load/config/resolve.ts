/**
 * Resolves the effective config (docs/behaviour.md#configuration):
 *
 * 1. `.github/quality-gates.yml` in the repository, read at the PR's base commit;
 * 2. else the same file in the organisation's `.github` repository (default branch);
 * 3. else the built-in defaults.
 *
 * `_extends` lets a file start from another one (Probot's convention): objects
 * merge key by key and the extending file wins; scalars and lists replace.
 *
 * Never throws: the result is tagged `missing | load-error | invalid | ok`.
 *
 * Files of other repositories (any `_extends` target but this repository's files and
 * the organisation's file at hand) may be private, and the check run that reports a
 * problem may be public: their problems name the file and say it is invalid, never
 * their keys, values or positions. A proposed file, which a pull request's author
 * wrote, is resolved with `followExtends: 'same-repository'`, so it cannot make the app
 * read another repository at all (docs/security.md).
 */
import { parseConfigText, type ConfigProblem } from './parse.js';
import { CONFIG_PATH, DEFAULT_CONFIG, QualityGatesConfig } from '../../../gates/config.js';

/** A config file as read from GitHub. */
export interface ConfigSource {
  /** Human-readable origin, e.g. `acme/api:.github/quality-gates.yml@0a1b2c3`. */
  readonly file: string;
  readonly text: string;
}

/** Where an `_extends` value points. */
export interface ExtendsTarget {
  readonly owner: string;
  readonly repo: string;
  readonly path: string;
}

export type ConfigResult =
  | { readonly kind: 'missing'; readonly config: QualityGatesConfig; readonly sources: readonly string[] }
  | { readonly kind: 'ok'; readonly config: QualityGatesConfig; readonly sources: readonly string[] }
  | { readonly kind: 'invalid'; readonly problems: readonly ConfigProblem[] }
  | { readonly kind: 'load-error'; readonly message: string; readonly cause?: unknown };

export interface ResolveInput {
  readonly owner: string;
  /**
   * This repository's name. With it, files of other repositories are reported without
   * their content; without it (the CLI, reading files the user has), every problem is shown.
   */
  readonly repo?: string;
  /**
   * `same-repository`: `_extends` is followed only to files of this repository (`repo`)
   * and to the organisation's file at hand; any other target makes the result a
   * `load-error` without a read. For proposed files. Default `anywhere`.
   */
  readonly followExtends?: 'anywhere' | 'same-repository';
  /** The repository file at the base commit, or null when absent. */
  readonly repoFile: ConfigSource | null;
  /** The organisation's file (`<owner>/.github`), or null when absent. */
  readonly orgFile: ConfigSource | null;
  /** Reads an `_extends` target other than the org file already at hand (default branch). */
  readonly fetchFile?: (target: ExtendsTarget) => Promise<ConfigSource | null>;
}

/** `_extends` chains longer than this are refused (they are almost always a cycle). */
export const MAX_EXTENDS_DEPTH = 5;

export function parseExtends(value: string, owner: string): ExtendsTarget | undefined {
  const match = /^(?:([A-Za-z0-9-]+)\/)?([A-Za-z0-9._-]+)(?::(.+))?$/.exec(value.trim());
  if (!match) return undefined;
  const [, targetOwner, repo, path] = match;
  if (!repo) return undefined;
  return { owner: targetOwner ?? owner, repo, path: path ?? CONFIG_PATH };
}

export async function resolveConfig(input: ResolveInput): Promise<ConfigResult> {
  const first = input.repoFile ?? input.orgFile;
  if (!first) return { kind: 'missing', config: DEFAULT_CONFIG, sources: [] };

  const layers: Record<string, unknown>[] = [];
  const sources: string[] = [];
  const seen = new Set<string>();
  let current: ConfigSource | null = first;
  /** The current file belongs to another repository: its content is never shown. */
  let foreign = false;
  let anyForeign = false;
  for (let depth = 0; current; depth++) {
    const parsed = parseConfigText(current.text, current.file);
    if (parsed.kind === 'invalid') {
      if (!foreign) return { kind: 'invalid', problems: parsed.problems };
      return invalidAt(
        current.file,
        '',
        'this file, which _extends names, is not a valid Quality Gates configuration; its content is not shown because it belongs to another repository. Fix it there (npx quality-gates validate checks a file locally)',
      );
    }
    layers.unshift(parsed.raw);
    sources.push(current.file);
    const ext = parsed.raw._extends;
    if (typeof ext !== 'string') break;
    const target = parseExtends(ext, input.owner);
    if (!target) {
      return invalidAt(
        current.file,
        '_extends',
        `"${ext}" is not a repository: use .github, repo, owner/repo or owner/repo:path`,
      );
    }
    const key = `${target.owner}/${target.repo}:${target.path}`.toLowerCase();
    if (seen.has(key) || depth + 1 >= MAX_EXTENDS_DEPTH) {
      return invalidAt(current.file, '_extends', `extends chain is circular or deeper than ${MAX_EXTENDS_DEPTH} files`);
    }
    seen.add(key);
    const sameOwner = target.owner.toLowerCase() === input.owner.toLowerCase();
    const isOrgFile = sameOwner && target.repo === '.github' && target.path === CONFIG_PATH;
    const isOwnRepo = sameOwner && input.repo !== undefined && target.repo.toLowerCase() === input.repo.toLowerCase();
    if (input.followExtends === 'same-repository' && !isOrgFile && !isOwnRepo) {
      return {
        kind: 'load-error',
        message: `_extends names "${ext}", outside this repository; a proposed file is previewed only with _extends within this repository or to the organisation's .github file`,
      };
    }
    foreign = input.repo !== undefined && !isOrgFile && !isOwnRepo;
    anyForeign ||= foreign;
    try {
      current = isOrgFile ? input.orgFile : ((await input.fetchFile?.(target)) ?? null);
    } catch (error) {
      return { kind: 'load-error', message: `could not read the config that _extends names (${ext})`, cause: error };
    }
    if (!current) {
      const named = `${target.owner}/${target.repo}:${target.path}`;
      // Another repository: a file that is not there and one the app may not read look the same.
      const why = foreign
        ? `names ${named}, which does not exist or cannot be read by the app`
        : `names a file that does not exist (${named})`;
      return invalidAt(sources[sources.length - 1] ?? '', '_extends', `"${ext}" ${why}`);
    }
  }

  const merged = layers.reduce<Record<string, unknown>>((acc, layer) => mergeConfig(acc, layer), {});
  delete merged._extends;
  const checked = QualityGatesConfig.safeParse(merged);
  if (!checked.success) {
    // Each file was valid on its own, so this is a conflict between layers; say so.
    if (anyForeign)
      return invalidAt(
        sources.join(' + '),
        '',
        'these files are valid one by one but not merged; one of them belongs to another repository, so no key or value is shown',
      );
    return invalidAt(
      sources.join(' + '),
      checked.error.issues[0]?.path.join('.') ?? '',
      checked.error.issues[0]?.message ?? 'invalid',
    );
  }
  return { kind: 'ok', config: checked.data, sources };
}

function invalidAt(file: string, path: string, message: string): ConfigResult {
  return { kind: 'invalid', problems: [{ file, line: 0, column: 0, path, message }] };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects merge key by key (the override wins); scalars and lists replace. */
export function mergeConfig(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? mergeConfig(prev, value) : value;
  }
  return out;
}
