/**
 * Every GraphQL document the app sends. Each is validated against GitHub's
 * published schema (`@octokit/graphql-schema`) in `test/load/graphql-schema.test.ts`,
 * and no connection asks for more than 100 nodes.
 */
import { PULL_REQUEST_TEMPLATE_PATHS } from '../../gates/snapshot.js';

/** GitHub's hard cap on `first`/`last` for a connection. */
export const PAGE_SIZE = 100;

/** `text` is null for a binary blob. */
const BLOB = `... on Blob { oid byteSize isTruncated text }`;

/**
 * The pull-request template paths GitHub looks in (`PULL_REQUEST_TEMPLATE_PATHS`), each read at the
 * base commit as `template<i>: object(expression: $template<i>Expr)`: the base branch's templates,
 * never a fork's. The loader fills the variables `template<i>Expr` with `<base sha>:<path>`.
 */
const TEMPLATE_VARIABLES = PULL_REQUEST_TEMPLATE_PATHS.map((_, i) => `$template${i}Expr: String!`).join(', ');
const TEMPLATE_FIELDS = PULL_REQUEST_TEMPLATE_PATHS.map(
  (_, i) => `template${i}: object(expression: $template${i}Expr) { ${BLOB} }`,
).join('\n    ');

const COMMIT = `
  oid
  message
  parents { totalCount }
  author { name email user { login } }
  signature { isValid state }`;

/** No `totalCount`: GitHub's stops at the 3,000 files it lists; `PullRequest.changedFiles` is the true count. */
const FILES = `pageInfo { hasNextPage endCursor } nodes { path additions deletions changeType }`;
const COMMITS = `totalCount pageInfo { hasNextPage endCursor } nodes { commit { ${COMMIT} } }`;
const REVIEWS = `totalCount pageInfo { hasNextPage endCursor } nodes { author { __typename login } state submittedAt commit { oid } }`;
const LABELS = `totalCount pageInfo { hasNextPage endCursor } nodes { name }`;
/**
 * The conversation's comments, newest pages first (`last`/`before`): override commands are read
 * from them (src/pipeline/overrides.ts). An edit or a hidden comment never applies, so both are read.
 */
const COMMENTS = `totalCount pageInfo { hasPreviousPage startCursor } nodes { author { __typename login } body createdAt lastEditedAt includesCreatedEdit isMinimized url }`;

/**
 * Pull requests GitHub associates with the head commit, read to find its twins (other
 * open pull requests of the repository with the same head). GitHub lists every pull
 * request that contains the commit, most recently updated first here; twins are the ones
 * whose head it is. One page: the twins evaluated before are also recorded on the check
 * runs of the commit (src/pipeline/evaluate.ts).
 */
export const ASSOCIATED_PULLS_PAGE = PAGE_SIZE;

/**
 * The snapshot query: everything one evaluation needs, in one request for a PR
 * with up to 100 files, commits, reviews and labels. Files read from the base
 * branch are addressed as `<base sha>:<path>`, so a PR can never supply its own
 * config, CODEOWNERS or .gitattributes. The head's config file is read too, only to
 * preview what a proposed config would conclude; it never decides the verdict.
 *
 * `head` is the commit the evaluation is for (the job's), read by its id: this app's check
 * runs on it, and the pull requests that may share it. By id, it is that commit whatever
 * the pull request's commit list holds (GitHub caps it at 250 commits) and even when the
 * pull request has been pushed since (the evaluation then hands over to the new head).
 *
 * `baseRef.compare` counts how far that head commit is behind (and ahead of) the base branch's
 * tip, for branch-age: `$compareHead` is the head commit's id, which GitHub resolves in the base
 * repository for a fork's pull request too. `baseRef` is null when the base branch was deleted,
 * and `compare` null (or an error on its path, accepted by the loader) when GitHub cannot compare.
 */
export const SNAPSHOT_QUERY = `
query QualityGatesSnapshot(
  $owner: String!, $name: String!, $number: Int!, $appId: Int!, $headOid: GitObjectID!,
  $configExpr: String!, $attributesExpr: String!,
  $codeownersGithubExpr: String!, $codeownersRootExpr: String!, $codeownersDocsExpr: String!,
  $orgConfigExpr: String!, $proposedConfigExpr: String!, $compareHead: String!,
  ${TEMPLATE_VARIABLES}
) {
  repository(owner: $owner, name: $name) {
    id
    defaultBranchRef { name }
    config: object(expression: $configExpr) { ${BLOB} }
    proposedConfig: object(expression: $proposedConfigExpr) { ${BLOB} }
    gitattributes: object(expression: $attributesExpr) { ${BLOB} }
    codeownersGithub: object(expression: $codeownersGithubExpr) { ${BLOB} }
    codeownersRoot: object(expression: $codeownersRootExpr) { ${BLOB} }
    codeownersDocs: object(expression: $codeownersDocsExpr) { ${BLOB} }
    ${TEMPLATE_FIELDS}
    pullRequest(number: $number) {
      number
      title
      body
      createdAt
      isDraft
      state
      isCrossRepository
      author { __typename login ... on Bot { databaseId } }
      baseRefName
      baseRefOid
      baseRef { compare(headRef: $compareHead) { aheadBy behindBy } }
      headRefName
      headRefOid
      changedFiles
      additions
      deletions
      labels(first: ${PAGE_SIZE}) { ${LABELS} }
      files(first: ${PAGE_SIZE}) { ${FILES} }
      commits(first: ${PAGE_SIZE}) { ${COMMITS} }
      reviews(first: ${PAGE_SIZE}) { ${REVIEWS} }
      closingIssuesReferences(first: 25) { nodes { number repository { nameWithOwner } } }
      comments(last: ${PAGE_SIZE}) { ${COMMENTS} }
      forcePushes: timelineItems(last: 1, itemTypes: [HEAD_REF_FORCE_PUSHED_EVENT]) { nodes { ... on HeadRefForcePushedEvent { createdAt } } }
    }
    head: object(oid: $headOid) {
      ... on Commit {
        oid
        checkSuites(first: 10, filterBy: { appId: $appId }) {
          nodes { createdAt checkRuns(first: ${PAGE_SIZE}) { nodes { databaseId name status conclusion externalId } } }
        }
        associatedPullRequests(first: ${ASSOCIATED_PULLS_PAGE}, orderBy: { field: UPDATED_AT, direction: DESC }) {
          nodes { number state headRefOid baseRefOid baseRepository { id } }
        }
      }
    }
  }
  org: repository(owner: $owner, name: ".github") {
    config: object(expression: $orgConfigExpr) { ${BLOB} }
  }
}`;

/** Further pages of whichever connections had more than 100 nodes. */
export const PAGE_QUERY = `
query QualityGatesPage(
  $owner: String!, $name: String!, $number: Int!,
  $withFiles: Boolean!, $filesAfter: String,
  $withCommits: Boolean!, $commitsAfter: String,
  $withReviews: Boolean!, $reviewsAfter: String,
  $withLabels: Boolean!, $labelsAfter: String,
  $withComments: Boolean!, $commentsBefore: String
) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      files(first: ${PAGE_SIZE}, after: $filesAfter) @include(if: $withFiles) { ${FILES} }
      commits(first: ${PAGE_SIZE}, after: $commitsAfter) @include(if: $withCommits) { ${COMMITS} }
      reviews(first: ${PAGE_SIZE}, after: $reviewsAfter) @include(if: $withReviews) { ${REVIEWS} }
      labels(first: ${PAGE_SIZE}, after: $labelsAfter) @include(if: $withLabels) { ${LABELS} }
      comments(last: ${PAGE_SIZE}, before: $commentsBefore) @include(if: $withComments) { ${COMMENTS} }
    }
  }
}`;

/**
 * The base and head commits of a PR, for events that do not carry them (an
 * `issue_comment`), and to check a twin recorded on a check run is still open on the commit.
 */
export const PULL_BASE_QUERY = `
query QualityGatesPullBase($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) { baseRefOid headRefOid state }
  }
}`;

/**
 * The rule files at the PR's current base commit, when the event carried an older one
 * (the base branch moved, or an old delivery was replayed): the verdict always uses
 * the policy of the base as GitHub sees it now.
 */
export const BASE_FILES_QUERY = `
query QualityGatesBaseFiles(
  $owner: String!, $name: String!, $configExpr: String!, $attributesExpr: String!,
  $codeownersGithubExpr: String!, $codeownersRootExpr: String!, $codeownersDocsExpr: String!,
  ${TEMPLATE_VARIABLES}
) {
  repository(owner: $owner, name: $name) {
    config: object(expression: $configExpr) { ${BLOB} }
    gitattributes: object(expression: $attributesExpr) { ${BLOB} }
    codeownersGithub: object(expression: $codeownersGithubExpr) { ${BLOB} }
    codeownersRoot: object(expression: $codeownersRootExpr) { ${BLOB} }
    codeownersDocs: object(expression: $codeownersDocsExpr) { ${BLOB} }
    ${TEMPLATE_FIELDS}
  }
}`;

/** A config file that `_extends` names, read at the default branch (`HEAD:<path>`). */
export const EXTENDS_QUERY = `
query QualityGatesExtends($owner: String!, $name: String!, $expression: String!) {
  repository(owner: $owner, name: $name) {
    object(expression: $expression) { ... on Blob { text } }
  }
}`;

/** The base branch's check name for a merge group. */
export const MERGE_GROUP_CONFIG_QUERY = `
query QualityGatesMergeGroup($owner: String!, $name: String!, $configExpr: String!, $orgConfigExpr: String!) {
  repository(owner: $owner, name: $name) {
    config: object(expression: $configExpr) { ... on Blob { text } }
  }
  org: repository(owner: $owner, name: ".github") {
    config: object(expression: $orgConfigExpr) { ... on Blob { text } }
  }
}`;

/** Every document above, for the schema test. */
export const ALL_QUERIES = {
  SNAPSHOT_QUERY,
  PAGE_QUERY,
  PULL_BASE_QUERY,
  BASE_FILES_QUERY,
  EXTENDS_QUERY,
  MERGE_GROUP_CONFIG_QUERY,
} as const;
