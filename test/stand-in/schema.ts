/**
 * GitHub's GraphQL schema (`@octokit/graphql-schema`), built once per process, and the
 * rules GitHub applies on top of the GraphQL spec before it executes a document:
 *
 * - a connection that lists `nodes` or `edges` needs `first` or `last` (one of them, 1–100);
 *   one that only counts (`totalCount`, `pageInfo`) does not;
 * - a document may ask for at most 500,000 nodes (the product of the page sizes down each path).
 *
 * Documents are parsed and validated once per distinct text (the app sends a handful).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildClientSchema,
  getArgumentValues,
  getDirectiveValues,
  getVariableValues,
  getNamedType,
  GraphQLIncludeDirective,
  GraphQLObjectType,
  GraphQLSkipDirective,
  Kind,
  parse,
  validate,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** `schema.json` of `@octokit/graphql-schema` (the package exports only its validator), found up from here. */
function schemaFile(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'node_modules', '@octokit', 'graphql-schema', 'schema.json');
    if (existsSync(file)) return file;
    if (dirname(dir) === dir)
      throw new Error('@octokit/graphql-schema is not installed (npm ci installs it: it is a devDependency)');
  }
}

/** GitHub's hard cap on `first`/`last`. */
export const MAX_PAGE_SIZE = 100;
/** GitHub's cap on the nodes one document may request. */
export const MAX_NODES = 500_000;

let schema: GraphQLSchema | undefined;
/** Milliseconds it took to build the schema (once per process). */
export let schemaBuildMs = 0;

export function githubSchema(): GraphQLSchema {
  if (!schema) {
    const started = performance.now();
    const json = JSON.parse(readFileSync(schemaFile(), 'utf8'));
    schema = buildClientSchema(json, { assumeValid: true });
    schemaBuildMs = performance.now() - started;
  }
  return schema;
}

/** An error GitHub puts in `errors`, with its `type` (NOT_FOUND, MISSING_PAGINATION_BOUNDARIES, …). */
export interface GitHubGraphqlError {
  type?: string;
  message: string;
  path?: (string | number)[];
  locations?: { line: number; column: number }[];
  extensions?: Record<string, unknown>;
}

export interface PreparedDocument {
  readonly document?: DocumentNode;
  /** Syntax or schema-validation errors: GitHub answers these without executing anything. */
  readonly errors: GitHubGraphqlError[];
}

const documents = new Map<string, PreparedDocument>();

export function prepare(query: string): PreparedDocument {
  const cached = documents.get(query);
  if (cached) return cached;
  const s = githubSchema();
  let prepared: PreparedDocument;
  try {
    const document = parse(query);
    const errors = validate(s, document).map((e) => ({
      message: e.message,
      ...(e.locations ? { locations: [...e.locations] } : {}),
      extensions: { code: 'graphqlValidation' },
    }));
    prepared = { document, errors };
  } catch (error) {
    prepared = { errors: [{ message: (error as Error).message, extensions: { code: 'graphqlParseError' } }] };
  }
  if (documents.size > 500) documents.clear();
  documents.set(query, prepared);
  return prepared;
}

/** The root type an operation of `kind` starts from. */
function rootType(s: GraphQLSchema, kind: OperationDefinitionNode['operation']) {
  if (kind === 'query') return s.getQueryType();
  return kind === 'mutation' ? s.getMutationType() : s.getSubscriptionType();
}

/** The operation a request names (or the only one), or undefined. */
export function operationOf(document: DocumentNode, name?: string | null): OperationDefinitionNode | undefined {
  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (name) return ops.find((o) => o.name?.value === name);
  return ops.length === 1 ? ops[0] : undefined;
}

/** Whether a type is a Relay connection (it has `pageInfo` and lists `nodes` or `edges`). */
export function isConnection(type: unknown): type is GraphQLObjectType {
  if (!(type instanceof GraphQLObjectType)) return false;
  const fields = type.getFields();
  return type.name.endsWith('Connection') && 'pageInfo' in fields && ('nodes' in fields || 'edges' in fields);
}

/**
 * GitHub's pagination and node-limit rules for one operation with its variables. Errors
 * here fail the whole document (`data: null`), as GitHub checks them before executing.
 */
export function githubRules(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rawVariables: Record<string, unknown>,
): GitHubGraphqlError[] {
  // The answer depends on the document and on the variables that page sizes and @skip/@include use.
  let byVariables = ruleCache.get(operation);
  if (!byVariables)
    ruleCache.set(operation, (byVariables = { names: pagingVariables(operation, document), answers: new Map() }));
  const key = JSON.stringify(byVariables.names.map((n) => rawVariables[n] ?? null));
  const cached = byVariables.answers.get(key);
  if (cached) return cached;
  const errors = checkRules(document, operation, rawVariables);
  if (byVariables.answers.size < 1000) byVariables.answers.set(key, errors);
  return errors;
}

const ruleCache = new WeakMap<
  OperationDefinitionNode,
  { names: string[]; answers: Map<string, GitHubGraphqlError[]> }
>();

/** Names of the variables used by `first`, `last`, `@skip(if:)` and `@include(if:)`, or by any input object argument. */
function pagingVariables(operation: OperationDefinitionNode, document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Argument(node) {
      if (!['first', 'last', 'if'].includes(node.name.value)) return;
      visit(node.value, { Variable: (v) => void names.add(v.name.value) });
    },
  });
  void operation;
  return [...names].sort();
}

function checkRules(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rawVariables: Record<string, unknown>,
): GitHubGraphqlError[] {
  const s = githubSchema();
  const coerced = getVariableValues(s, operation.variableDefinitions ?? [], rawVariables);
  if (coerced.errors)
    return coerced.errors.map((e) => ({ message: e.message, extensions: { code: 'variableMismatch' } }));
  const variables = coerced.coerced;
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f]),
  );
  const errors: GitHubGraphqlError[] = [];
  const included = (node: { directives?: readonly unknown[] }) => {
    const skip = getDirectiveValues(GraphQLSkipDirective, node as never, variables);
    const include = getDirectiveValues(GraphQLIncludeDirective, node as never, variables);
    return skip?.if !== true && include?.if !== false;
  };
  /** Field names selected directly in a selection set (through fragments). */
  const selected = (set: SelectionSetNode | undefined, out = new Set<string>()): Set<string> => {
    for (const sel of set?.selections ?? []) {
      if (!included(sel)) continue;
      if (sel.kind === Kind.FIELD) out.add(sel.name.value);
      else if (sel.kind === Kind.INLINE_FRAGMENT) selected(sel.selectionSet, out);
      else {
        const f = fragments.get(sel.name.value);
        if (f) selected(f.selectionSet, out);
      }
    }
    return out;
  };
  let nodes = 0;
  const walk = (set: SelectionSetNode | undefined, multiplier: number, path: string[]) => {
    for (const sel of set?.selections ?? []) {
      if (!included(sel)) continue;
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const narrowed = sel.typeCondition ? s.getType(sel.typeCondition.name.value) : parents.at(-1);
        withParent(narrowed, () => walk(sel.selectionSet, multiplier, path));
        continue;
      }
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const f = fragments.get(sel.name.value);
        if (f) withParent(s.getType(f.typeCondition.name.value), () => walk(f.selectionSet, multiplier, path));
        continue;
      }
      field(sel, multiplier, path);
    }
  };
  const parents: unknown[] = [];
  const withParent = (type: unknown, fn: () => void) => {
    parents.push(type);
    fn();
    parents.pop();
  };
  const field = (node: FieldNode, multiplier: number, path: string[]) => {
    const parent = parents.at(-1);
    // On an interface or union the field is looked up on the interface; a union has only __typename.
    if (!parent || typeof parent !== 'object' || !('getFields' in parent)) return;
    const def = (parent as GraphQLObjectType).getFields()[node.name.value];
    if (!def) return;
    const named = getNamedType(def.type);
    const at = [...path, node.alias?.value ?? node.name.value];
    let next = multiplier;
    if (isConnection(named)) {
      const args = getArgumentValues(def, node, variables) as { first?: number | null; last?: number | null };
      const listed = selected(node.selectionSet);
      const lists = listed.has('nodes') || listed.has('edges');
      const first = args.first ?? undefined;
      const last = args.last ?? undefined;
      const name = node.name.value;
      if (first !== undefined && last !== undefined) {
        errors.push({
          type: 'ARGUMENT_LIMIT',
          path: at,
          message: `Passing both \`first\` and \`last\` to paginate the \`${name}\` connection is not supported.`,
        });
      } else if (first === undefined && last === undefined) {
        if (lists)
          errors.push({
            type: 'MISSING_PAGINATION_BOUNDARIES',
            path: at,
            message: `You must provide a \`first\` or \`last\` value to properly paginate the \`${name}\` connection.`,
          });
      } else {
        const [argName, value] = first !== undefined ? ['first', first] : ['last', last!];
        if (value > MAX_PAGE_SIZE)
          errors.push({
            type: 'EXCESSIVE_PAGINATION',
            path: at,
            message: `Requesting ${value} records on the \`${name}\` connection exceeds the \`${argName}\` limit of ${MAX_PAGE_SIZE} records.`,
          });
        else if (value < 0)
          errors.push({
            type: 'INVALID_PAGINATION',
            path: at,
            message: `\`${argName}\` on the \`${name}\` connection cannot be less than zero.`,
          });
        else if (lists) {
          next = multiplier * value;
          nodes += next;
        }
      }
    }
    if (node.selectionSet) withParent(named, () => walk(node.selectionSet, next, at));
  };
  withParent(rootType(s, operation.operation), () => walk(operation.selectionSet, 1, []));
  if (nodes > MAX_NODES) {
    errors.push({
      type: 'MAX_NODE_LIMIT_EXCEEDED',
      message: `This query requests up to ${nodes.toLocaleString('en-US')} possible nodes which exceeds the maximum limit of ${MAX_NODES.toLocaleString('en-US')}.`,
    });
  }
  return errors;
}
