// @ts-check
/**
 * `gates/` is the pure domain: its files import only other files under `gates/` and the few libraries the
 * gates are written with. The rule resolves every relative specifier against the importing file, so it holds
 * at every depth (`gates/x.ts`, `gates/<id>/index.ts`, `gates/lib/codeowners/match.ts`, …), and it checks
 * static imports, re-exports and dynamic `import()` alike.
 */
import path from 'node:path';

/** Packages a gate may import: validation, linear-time regular expressions, YAML. */
export const GATE_PACKAGES = ['zod', 're2js', 'picomatch', 'yaml'];

const GATES_DIR = path.resolve(import.meta.dirname, '..', 'gates');

/** Why `specifier`, imported from `file`, breaks the rule; `undefined` when it keeps it. */
export function gateImportProblem(file, specifier) {
  if (specifier.startsWith('.')) {
    const target = path.resolve(path.dirname(file), specifier);
    return target.startsWith(GATES_DIR + path.sep) ? undefined : `gates are pure: "${specifier}" leaves gates/`;
  }
  const pkg = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
  return GATE_PACKAGES.includes(pkg ?? '')
    ? undefined
    : `gates are pure: "${specifier}" is not one of ${GATE_PACKAGES.join(', ')}`;
}

/** @type {import('eslint').Rule.RuleModule} */
const importsStayInGates = {
  meta: {
    type: 'problem',
    schema: [],
    docs: { description: 'files under gates/ import only gates/ and its libraries' },
  },
  create(context) {
    /** @param {any} node */
    const check = (node) => {
      const source = node.source;
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
      const problem = gateImportProblem(context.filename, source.value);
      if (problem !== undefined) context.report({ node: source, message: problem });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export default { rules: { 'imports-stay-in-gates': importsStayInGates } };
