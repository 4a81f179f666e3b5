/**
 * Every GraphQL document the app sends validates against GitHub's published
 * schema, and no connection asks for more than GitHub's 100 nodes a page.
 */
import { validate } from '@octokit/graphql-schema';
import { Kind, parse, visit } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ALL_QUERIES, PAGE_SIZE } from '../../src/load/queries.js';
import {
  buildTeamMembersQuery,
  MEMBERS_PAGE_SIZE,
  TEAM_MEMBERS_PAGE_QUERY,
  TEAMS_PER_QUERY,
} from '../../src/load/teams.js';

const documents = [
  ...Object.entries(ALL_QUERIES),
  ['TEAM_MEMBERS_QUERY(1)', buildTeamMembersQuery(1)],
  [`TEAM_MEMBERS_QUERY(${TEAMS_PER_QUERY})`, buildTeamMembersQuery(TEAMS_PER_QUERY)],
  ['TEAM_MEMBERS_PAGE_QUERY', TEAM_MEMBERS_PAGE_QUERY],
] as const;

describe('GraphQL documents', () => {
  it('covers every document the app sends', () => {
    expect(Object.keys(ALL_QUERIES).sort()).toEqual([
      'BASE_FILES_QUERY',
      'EXTENDS_QUERY',
      'MERGE_GROUP_CONFIG_QUERY',
      'PAGE_QUERY',
      'PULL_BASE_QUERY',
      'SNAPSHOT_QUERY',
    ]);
  });

  it.each(documents)('%s validates against GitHub’s schema', (_name, document) => {
    expect(validate(document).map((e) => e.message)).toEqual([]);
  });

  /** GitHub refuses `first`/`last` over 100 (EXCESSIVE_PAGINATION): the literal, not the app's own constant. */
  const GITHUB_MAX_PAGE = 100;

  it.each(documents)('%s never asks for more than 100 nodes', (_name, document) => {
    const sizes: number[] = [];
    visit(parse(document), {
      Argument(node) {
        if (node.name.value !== 'first' && node.name.value !== 'last') return;
        // A page size the document does not state cannot be checked here: every one is a literal.
        expect(node.value.kind, `${node.name.value}: a literal page size`).toBe(Kind.INT);
        if (node.value.kind === Kind.INT) sizes.push(Number(node.value.value));
      },
    });
    for (const size of sizes) expect(size).toBeLessThanOrEqual(GITHUB_MAX_PAGE);
  });

  it('pages as much as GitHub allows: 100 a page', () => {
    expect([PAGE_SIZE, MEMBERS_PAGE_SIZE]).toEqual([GITHUB_MAX_PAGE, GITHUB_MAX_PAGE]);
  });

  it('rejects a document GitHub would reject (the check can fail)', () => {
    expect(validate('query { repository(owner: "a", name: "b") { noSuchField } }').length).toBeGreaterThan(0);
  });
});
