/**
 * The mutation check's field removal (test/stand-in/mutation.ts): what each way of naming a
 * field removes, and that the document left is one GitHub would still run.
 */
import { validate } from '@octokit/graphql-schema';
import { describe, expect, it } from 'vitest';
import { removeFields } from './mutation.js';

const DOC = `
query Q($owner: String!, $name: String!, $withLabels: Boolean!, $expr: String!) {
  repository(owner: $owner, name: $name) {
    config: object(expression: $expr) { ... on Blob { oid text } }
    pullRequest(number: 1) {
      isDraft
      author { __typename login }
      labels(first: 100) @include(if: $withLabels) { nodes { name } }
      commits(first: 100) { nodes { commit { oid signature { isValid state } } } }
      reviews(first: 100) { nodes { author { login } commit { oid } } }
    }
  }
  org: repository(owner: $owner, name: ".github") { config: object(expression: $expr) { ... on Blob { text } } }
}`;

const removedAt = (fields: string[]) => removeFields(DOC, fields).removals.map((r) => r.at);

describe('removeFields', () => {
  it('a bare name removes every field of that name', () => {
    expect(removedAt(['oid'])).toEqual([
      'repository.config.oid',
      'repository.pullRequest.commits.nodes.commit.oid',
      'repository.pullRequest.reviews.nodes.commit.oid',
    ]);
  });

  it('a path is a suffix of the response path, aliases as the answer spells them', () => {
    expect(removedAt(['reviews.nodes.commit.oid'])).toEqual(['repository.pullRequest.reviews.nodes.commit.oid']);
    expect(removedAt(['config.text'])).toEqual(['repository.config.text', 'org.config.text']);
    expect(removedAt(['repository.config.text'])).toEqual(['repository.config.text']);
    expect(removedAt(['object.text'])).toEqual([]);
  });

  it('a schema coordinate Type.field removes the field wherever that type (or its interface) is selected', () => {
    expect(removedAt(['GitSignature.state'])).toEqual(['repository.pullRequest.commits.nodes.commit.signature.state']);
    expect(removedAt(['GpgSignature.state'])).toEqual(['repository.pullRequest.commits.nodes.commit.signature.state']);
    expect(removedAt(['Actor.login'])).toEqual([
      'repository.pullRequest.author.login',
      'repository.pullRequest.reviews.nodes.author.login',
    ]);
    expect(removedAt(['User.isDraft'])).toEqual([]);
  });

  it('an operation name and a colon limit either form to that operation', () => {
    expect(removedAt(['Q:config.text'])).toEqual(['repository.config.text', 'org.config.text']);
    expect(removedAt(['Q:GitSignature.state'])).toEqual([
      'repository.pullRequest.commits.nodes.commit.signature.state',
    ]);
    expect(removedAt(['Other:config.text', 'Other:isDraft'])).toEqual([]);
  });

  it('takes along what the removal empties, and variables no longer used, so GitHub would still run it', () => {
    const { query } = removeFields(DOC, ['labels.nodes.name', 'commit.oid', 'org.config.text']);
    expect(query).not.toMatch(/labels|withLabels|org:/);
    expect(query).toContain('reviews(first: 100)');
    expect(validate(query)).toEqual([]);
  });

  it('leaves a document without the field as it was', () => {
    expect(removeFields(DOC, ['noSuchField'])).toEqual({ query: DOC, removals: [] });
  });
});
