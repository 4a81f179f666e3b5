/**
 * Reads `linguist-generated` from a `.gitattributes` file (base branch).
 *
 * Only the attribute batch-size needs is interpreted: `path linguist-generated`,
 * `linguist-generated=true` mark files generated; `-linguist-generated`,
 * `!linguist-generated` and `linguist-generated=false` unmark them. As in git,
 * the last matching line decides. Malformed lines, and patterns that `globProblem`
 * refuses, are ignored, never fatal.
 */
import { compileGlobs, type GlobMatcher, type GlobWork, type PathParts } from './glob.js';

interface Rule {
  readonly pattern: string;
  readonly match: GlobMatcher;
  readonly generated: boolean;
}

/** The pattern of the line that marks a path (as its parts, see `pathPartsOf`) generated, or undefined. */
export type GeneratedTest = (parts: PathParts, work: GlobWork) => string | undefined;

export function parseLinguistGenerated(text: string | null | undefined): GeneratedTest {
  if (!text) return () => undefined;
  const rules: Rule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [pattern, ...attrs] = line.split(/\s+/);
    if (!pattern || pattern.startsWith('[')) continue; // macro definitions
    for (const attr of attrs) {
      const generated = linguistGenerated(attr);
      if (generated !== undefined) rules.push({ pattern, match: compileGlobs([pattern]), generated });
    }
  }
  if (rules.length === 0) return () => undefined;
  return (parts, work) => {
    for (let i = rules.length - 1; i >= 0; i--) {
      const rule = rules[i]!;
      if (rule.match.parts(parts, work)) return rule.generated ? rule.pattern : undefined;
    }
    return undefined;
  };
}

function linguistGenerated(attr: string): boolean | undefined {
  if (attr === 'linguist-generated' || attr === 'linguist-generated=true') return true;
  if (attr === '-linguist-generated' || attr === '!linguist-generated' || attr === 'linguist-generated=false') return false;
  return undefined;
}
