/**
 * The tests and the benchmark share one GitHub stand-in (test/stand-in/, docs/testing.md#the-github-stand-in):
 * `bench/` may import from `test/`, never the reverse, so a test never depends on benchmark code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = process.cwd();
const bench = resolve(root, 'bench');

/** Every module specifier of a TypeScript file: static imports and exports, `import()`, `vi.mock()`. */
export function specifiers(code: string): string[] {
  const found: string[] = [];
  for (const m of code.matchAll(/\b(?:from|import|mock)\s*\(?\s*['"]([^'"]+)['"]/g)) found.push(m[1]!);
  return found;
}

/** The specifiers of `file` (relative to the repository) that resolve into `bench/`. */
export function benchImports(file: string, code: string): string[] {
  return specifiers(code).filter(
    (s) => s.startsWith('.') && resolve(dirname(resolve(root, file)), s).startsWith(`${bench}/`),
  );
}

const testFiles = (readdirSync(join(root, 'test'), { recursive: true }) as string[])
  .filter((f) => /\.(?:ts|mts|mjs)$/.test(f))
  .map((f) => join('test', f))
  .filter((f) => f !== join('test', 'lint', 'test-imports.test.ts')); // its own examples above

describe('tests never import bench/', () => {
  it('finds an import into bench/ at any depth, static or dynamic', () => {
    expect(
      benchImports('test/store/x.test.ts', "import { PostgresServer } from '../../bench/postgres-server.js';"),
    ).toHaveLength(1);
    expect(benchImports('test/x.test.ts', "const m = await import('../bench/run.js');")).toHaveLength(1);
    expect(benchImports('test/x.test.ts', "export { a } from '../bench/stats.js';")).toHaveLength(1);
    expect(benchImports('test/stand-in/x.ts', "import { freePort } from './free-port.js';")).toEqual([]);
  });

  it('holds for every file under test/', () => {
    expect(testFiles.length).toBeGreaterThan(50);
    const offenders = testFiles.flatMap((file) =>
      benchImports(file, readFileSync(join(root, file), 'utf8')).map(
        (s) => `${relative(root, join(root, file))}: ${s}`,
      ),
    );
    expect(offenders).toEqual([]);
  });
});
