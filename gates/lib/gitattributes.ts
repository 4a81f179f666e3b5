/**
 * Reads `linguist-generated` from a `.gitattributes` file (base branch).
 *
 * Only the attribute batch-size needs is interpreted: `path linguist-generated`,
 * `linguist-generated=true` mark files generated; `-linguist-generated`,
 * `!linguist-generated` and `linguist-generated=false` unmark them. As in git,
 * the last matching line decides. Malformed lines, and patterns that `globProblem`
 * refuses, are ignored, never fatal.
 *
 * Only the last `MAX_GITATTRIBUTES_RULES` such lines are read: the file is compiled for every
 * evaluation, and 1,000 lines took 0.2 s. Dropping the earliest lines can only count more files,
 * never fewer: a file whose deciding line was dropped is counted, as if no line named it.
 */
import { compileGlobs, type GlobMatcher, type GlobWork, type PathParts } from './glob.js';

interface Rule {
  readonly pattern: string;
  readonly match: GlobMatcher;
  readonly generated: boolean;
}

/** Most `linguist-generated` lines read, the last ones of the file. */
export const MAX_GITATTRIBUTES_RULES = 200;

/** The `linguist-generated` lines of a `.gitattributes` file, compiled. */
export interface GeneratedTest {
  /** The pattern of the line that marks a path (as its parts, see `pathPartsOf`) generated, or undefined. */
  (parts: PathParts, work: GlobWork): string | undefined;
  /** `linguist-generated` lines not read (over `MAX_GITATTRIBUTES_RULES`). */
  readonly dropped: number;
}

export function parseLinguistGenerated(text: string | null | undefined): GeneratedTest {
  const found: Omit<Rule, 'match'>[] = [];
  for (const raw of text ? text.split(/\r?\n/) : []) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [pattern, ...attrs] = line.split(/\s+/);
    if (!pattern || pattern.startsWith('[')) continue; // macro definitions
    for (const attr of attrs) {
      const generated = linguistGenerated(attr);
      if (generated !== undefined) found.push({ pattern, generated });
    }
  }
  const dropped = Math.max(0, found.length - MAX_GITATTRIBUTES_RULES);
  const rules: Rule[] = found.slice(dropped).map((r) => ({ ...r, match: compileGlobs([r.pattern]) }));
  const test = (parts: PathParts, work: GlobWork) => {
    for (let i = rules.length - 1; i >= 0; i--) {
      const rule = rules[i]!;
      if (rule.match.parts(parts, work)) return rule.generated ? rule.pattern : undefined;
    }
    return undefined;
  };
  return Object.assign(test, { dropped });
}

function linguistGenerated(attr: string): boolean | undefined {
  if (attr === 'linguist-generated' || attr === 'linguist-generated=true') return true;
  if (attr === '-linguist-generated' || attr === '!linguist-generated' || attr === 'linguist-generated=false')
    return false;
  return undefined;
}
