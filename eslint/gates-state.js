// @ts-check
/**
 * Gates hold no state of their own: a gate's result depends on its snapshot and config alone, and
 * what is worth keeping between calls is kept by the caller (gates/context.ts) or in a compiled
 * config (`prepare`). So, at module level (outside any function or instance), a file under gates/
 * may not declare
 *
 * - a `let` or `var` binding;
 * - a `new Map`, `Set`, `WeakMap` or `WeakSet`, unless its binding is typed `ReadonlyMap` or
 *   `ReadonlySet` (a constant table the type system keeps read-only);
 * - a regular expression with the `g` or `y` flag, whose `lastIndex` is state shared by every
 *   caller (write it inside the function that uses it, or without the flag).
 */

const COLLECTIONS = new Set(['Map', 'Set', 'WeakMap', 'WeakSet']);
const READONLY_TYPES = new Set(['ReadonlyMap', 'ReadonlySet']);
const GLOBAL_REGEX =
  'gates hold no state: a module-level regular expression with the g or y flag keeps lastIndex between calls (write it inside the function, or drop the flag)';

/** True when `node` runs each time a function is called or an instance made, not once per module. */
function insideFunctionOrInstance(ancestors) {
  return ancestors.some(
    (a) =>
      a.type === 'FunctionDeclaration' ||
      a.type === 'FunctionExpression' ||
      a.type === 'ArrowFunctionExpression' ||
      ((a.type === 'PropertyDefinition' || a.type === 'AccessorProperty') && !a.static),
  );
}

/** The type name the declarator holding `node` is annotated with, if any. */
function declaredTypeName(ancestors) {
  const declarator = [...ancestors].reverse().find((a) => a.type === 'VariableDeclarator');
  const type = declarator?.id?.typeAnnotation?.typeAnnotation;
  return type?.type === 'TSTypeReference' && type.typeName.type === 'Identifier' ? type.typeName.name : undefined;
}

/** @type {import('eslint').Rule.RuleModule} */
const noModuleState = {
  meta: { type: 'problem', schema: [], docs: { description: 'files under gates/ hold no module-level mutable state' } },
  create(context) {
    const atModuleLevel = (node) => !insideFunctionOrInstance(context.sourceCode.getAncestors(node));
    /** @param {any} node */
    const checkCollection = (node) => {
      if (node.callee.type !== 'Identifier' || !atModuleLevel(node)) return;
      if (node.callee.name === 'RegExp') {
        const flags = node.arguments[1];
        if (flags?.type === 'Literal' && /[gy]/.test(String(flags.value)))
          context.report({ node, message: GLOBAL_REGEX });
        return;
      }
      if (!COLLECTIONS.has(node.callee.name)) return;
      if (READONLY_TYPES.has(declaredTypeName(context.sourceCode.getAncestors(node)) ?? '')) return;
      if (node.type !== 'NewExpression') return;
      context.report({
        node,
        message: `gates hold no state: a module-level new ${node.callee.name}() is shared by every evaluation (keep it in gates/context.ts's context or a compiled config, or type it Readonly${node.callee.name.replace('Weak', '')})`,
      });
    };
    return {
      /** @param {any} node */
      VariableDeclaration(node) {
        if (node.kind === 'const' || !atModuleLevel(node)) return;
        context.report({
          node,
          message: `gates hold no state: a module-level \`${node.kind}\` is shared by every evaluation`,
        });
      },
      NewExpression: checkCollection,
      CallExpression: checkCollection,
      /** @param {any} node */
      Literal(node) {
        const flags = node.regex?.flags ?? '';
        if (!/[gy]/.test(flags) || !atModuleLevel(node)) return;
        context.report({ node, message: GLOBAL_REGEX });
      },
    };
  },
};

export default { rules: { 'no-module-state': noModuleState } };
