/**
 * The mutation check's one tool: a GraphQL document with fields removed, as if the app's
 * query had never asked for them. The stand-in applies it to every document it receives when
 * `QG_MUTATION_REMOVE` names fields (`npm run test:mutation`, test/mutation/run.mjs), so the
 * app's own documents are rewritten on the wire and production code knows nothing about it.
 *
 * A field is named in one of two ways (docs/testing.md#the-mutation-check):
 * - a response path, as the JSON answer spells it (an aliased field by its alias), matched as
 *   a suffix of the path from the operation's root: `signature` (every field of that name),
 *   `signature.state`, `reviews.nodes.commit.oid`, `config.text` (the blobs aliased `config`,
 *   the repository's and the organisation's), `repository.config.text` (the repository's only:
 *   the organisation's is `org.config.text`);
 * - a schema coordinate `Type.field`, the type as GitHub's schema names it (an interface
 *   matches its implementations and the reverse): `GitSignature.state`, `Bot.databaseId`;
 * - either, prefixed with an operation name and a colon, in that operation only:
 *   `QualityGatesExtends:object.text`, `QualityGatesBaseFiles:config.text`.
 *
 * What the removal leaves invalid is removed with it, as a person editing the query would:
 * a selection set left empty takes its field (or inline fragment) along, and a variable no
 * longer used loses its definition (GitHub ignores variables a document does not define).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import {
  isAbstractType,
  isInterfaceType,
  isObjectType,
  parse,
  print,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type InlineFragmentNode,
  type DocumentNode,
  type FieldNode,
  type GraphQLNamedType,
  type OperationDefinitionNode,
} from 'graphql';
import { githubSchema } from './schema.js';

/** One field removed from one document: the name it was asked by, and where it was. */
export interface Removal {
  readonly field: string;
  readonly operation: string;
  /** Response path of the removed field, aliases as written: `repository.pullRequest.isDraft`. */
  readonly at: string;
}

interface Matcher {
  readonly field: string;
  /** The operation it is limited to (`QualityGatesExtends:object.text`), or every operation. */
  readonly operation?: string;
  readonly matches: (path: readonly FieldNode[], parent: GraphQLNamedType | null | undefined) => boolean;
}

const isCoordinate = (segments: readonly string[]) => segments.length === 2 && /^[A-Z]/.test(segments[0]!);

/** Whether `named` is `parent`, or one is an interface the other implements. */
function sameOrRelated(named: string, parent: GraphQLNamedType | null | undefined): boolean {
  if (!parent) return false;
  if (parent.name === named) return true;
  const schema = githubSchema();
  const other = schema.getType(named);
  if (!other) return false;
  if (isAbstractType(parent) && isObjectType(other)) return schema.isSubType(parent, other);
  if (isInterfaceType(other) && (isObjectType(parent) || isInterfaceType(parent)))
    return schema.isSubType(other, parent);
  return false;
}

function matcher(field: string): Matcher {
  const qualified = /^([A-Za-z_]\w*):(.*)$/.exec(field);
  if (qualified) return { ...unqualified(field, qualified[2]!), operation: qualified[1]! };
  return unqualified(field, field);
}

function unqualified(field: string, name: string): Matcher {
  const segments = name.split('.').filter((s) => s !== '');
  if (segments.length === 0) throw new Error(`not a field path: "${field}"`);
  if (isCoordinate(segments)) {
    const [type, name] = segments as [string, string];
    return { field, matches: (path, parent) => path.at(-1)!.name.value === name && sameOrRelated(type, parent) };
  }
  return {
    field,
    matches: (path) => {
      if (path.length < segments.length) return false;
      const tail = path.slice(path.length - segments.length);
      return tail.every((node, i) => (node.alias ?? node.name).value === segments[i]);
    },
  };
}

const isEmptySelection = (node: { selectionSet?: { selections: readonly unknown[] } | undefined }) =>
  node.selectionSet !== undefined && node.selectionSet.selections.length === 0;

/** Removes variable definitions the document no longer uses. */
function withoutUnusedVariables(document: DocumentNode): DocumentNode {
  const used = new Set<string>();
  visit(document, {
    VariableDefinition: () => false,
    Variable: (node) => void used.add(node.name.value),
  });
  return visit(document, {
    VariableDefinition: (node) => (used.has(node.variable.name.value) ? undefined : null),
  });
}

/** The document with every field some `fields` entry names removed, and what was removed. */
export function removeFields(query: string, fields: readonly string[]): { query: string; removals: Removal[] } {
  const matchers = fields.map(matcher);
  const document = parse(query);
  const typeInfo = new TypeInfo(githubSchema());
  const removals: Removal[] = [];
  const path: FieldNode[] = [];
  let operation = 'anonymous';
  const edited = visit(
    document,
    visitWithTypeInfo(typeInfo, {
      OperationDefinition: {
        enter: (node: OperationDefinitionNode) => void (operation = node.name?.value ?? 'anonymous'),
      },
      Field: {
        enter(node: FieldNode) {
          const at = [...path, node];
          const hit = matchers.find(
            (m) => (m.operation === undefined || m.operation === operation) && m.matches(at, typeInfo.getParentType()),
          );
          if (hit) {
            removals.push({ field: hit.field, operation, at: at.map((f) => f.alias?.value ?? f.name.value).join('.') });
            return null;
          }
          path.push(node);
          return undefined;
        },
        leave(node: FieldNode) {
          path.pop();
          return isEmptySelection(node) ? null : undefined;
        },
      },
      InlineFragment: { leave: (node: InlineFragmentNode) => (isEmptySelection(node) ? null : undefined) },
    }),
  );
  if (removals.length === 0) return { query, removals };
  return { query: print(withoutUnusedVariables(edited)), removals };
}

const splitFields = (text: string) => text.split(/[\s,]+/).filter((f) => f !== '');

/**
 * The fields to remove now: those `QG_MUTATION_REMOVE` names (space- or comma-separated), or
 * those in the file `QG_MUTATION_FILE` names, read at every document (the mutation check
 * rewrites it between runs that share worker processes). Empty outside the mutation check.
 */
export function mutationFields(): readonly string[] {
  const file = process.env.QG_MUTATION_FILE;
  const listed = file ? splitFields(readFileSync(file, 'utf8')) : [];
  return [...splitFields(process.env.QG_MUTATION_REMOVE ?? ''), ...listed];
}

const rewritten = new Map<string, string>();

/**
 * The document the stand-in executes: the app's, less `mutationFields()`. Each removal is
 * appended once per document to the file `QG_MUTATION_LOG` names, so the mutation check can
 * tell a field nothing selected (a misspelt path) from one no test needs.
 */
export function mutateDocument(query: string): string {
  if (!process.env.QG_MUTATION_REMOVE && !process.env.QG_MUTATION_FILE) return query;
  const fields = mutationFields();
  if (fields.length === 0) return query;
  const key = `${fields.join(' ')}\n${query}`;
  const known = rewritten.get(key);
  if (known !== undefined) return known;
  let result = query;
  try {
    const { query: mutated, removals } = removeFields(query, fields);
    result = mutated;
    const log = process.env.QG_MUTATION_LOG;
    if (log && removals.length > 0) appendFileSync(log, removals.map((r) => `${JSON.stringify(r)}\n`).join(''));
  } catch {
    // A document that does not parse is left as it is: the stand-in rejects it as GitHub would.
  }
  if (rewritten.size > 200) rewritten.clear();
  rewritten.set(key, result);
  return result;
}
