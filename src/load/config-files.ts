/**
 * The loader's config reads: the effective config of a loaded pull request, with the `_extends`
 * files it names read here (one small GraphQL read each, only when a config extends another
 * repository's file), and the base branch's config of a merge group (one read). Reading GitHub
 * stays in src/load; src/pipeline only asks for a config.
 */
import { CONFIG_PATH } from '../../gates/config.js';
import { resolveConfig, type ConfigResult, type ConfigSource, type ExtendsTarget } from './config/resolve.js';
import { query, type GraphqlClient, type LoadedPullRequest } from './loader.js';
import { EXTENDS_QUERY, MERGE_GROUP_CONFIG_QUERY } from './queries.js';

/**
 * The effective config of `loaded`: the base branch's file, or with `proposed` the pull request's
 * own file (for the preview), whose `_extends` is followed only within this repository and to
 * the org file at hand: a proposed file cannot make the app read another repository.
 */
export function readConfig(
  graphql: GraphqlClient,
  loaded: LoadedPullRequest,
  owner: string,
  proposed = false,
): Promise<ConfigResult> {
  return resolveConfig({
    owner,
    repo: loaded.snapshot.repository.name,
    followExtends: proposed ? 'same-repository' : 'anywhere',
    repoFile: proposed ? loaded.proposedConfig : loaded.repoConfig,
    orgFile: loaded.orgConfig,
    fetchFile: (target) => readExtendsFile(graphql, target),
  });
}

/** An `_extends` target at its repository's default branch; null when it or its repository cannot be seen. */
async function readExtendsFile(graphql: GraphqlClient, target: ExtendsTarget): Promise<ConfigSource | null> {
  let data: { repository?: { object?: { text?: string | null } | null } | null };
  try {
    data = (await graphql(EXTENDS_QUERY, {
      owner: target.owner,
      name: target.repo,
      expression: `HEAD:${target.path}`,
    })) as typeof data;
  } catch (error) {
    // A repository the installation cannot see is answered like a missing file.
    if ((error as { errors?: { type?: string }[] }).errors?.some((e) => e.type === 'NOT_FOUND')) return null;
    throw error;
  }
  const text = data.repository?.object?.text;
  return typeof text === 'string' ? { file: `${target.owner}/${target.repo}:${target.path}`, text } : null;
}

/**
 * The config a merge group's base commit holds (the repository's file at `baseSha`, and the
 * organisation's at hand), resolved without following `_extends` to other repositories.
 * One GraphQL read; an organisation without a `.github` repository is a missing file, as for a
 * pull request (the loader's partial-error handling).
 */
export async function readMergeGroupConfig(
  graphql: GraphqlClient,
  group: { readonly owner: string; readonly repo: string; readonly baseSha: string },
): Promise<ConfigResult> {
  const data = await query<{
    repository?: { config?: { text?: string | null } | null } | null;
    org?: { config?: { text?: string | null } | null } | null;
  }>(graphql, MERGE_GROUP_CONFIG_QUERY, {
    owner: group.owner,
    name: group.repo,
    configExpr: `${group.baseSha}:${CONFIG_PATH}`,
    orgConfigExpr: `HEAD:${CONFIG_PATH}`,
  });
  const source = (t: string | null | undefined, file: string) => (typeof t === 'string' ? { file, text: t } : null);
  return resolveConfig({
    owner: group.owner,
    repoFile: source(data.repository?.config?.text, `${group.owner}/${group.repo}:${CONFIG_PATH}`),
    orgFile: source(data.org?.config?.text, `${group.owner}/.github:${CONFIG_PATH}`),
  });
}
