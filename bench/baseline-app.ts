/**
 * The baseline: a bare Probot 14 app doing the minimum any gate app must do, with Probot's
 * defaults (its `run()`, the default ProbotOctokit with `@octokit/plugin-throttling` and
 * `@octokit/plugin-retry`). On `pull_request.opened` it sends ONE GraphQL read (the same
 * snapshot query as Quality Gates, so the stand-in does the same work for both) and ONE
 * `checks.create` with status `completed`, inside the webhook handler, as a typical app does.
 *
 *   node dist/bench/baseline-app.js   (with APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, GHE_HOST, …)
 */
import { run, type Probot } from 'probot';
import { snapshotVariables } from '../src/load/loader.js';
import { SNAPSHOT_QUERY } from '../src/load/queries.js';

export const BASELINE_CHECK_NAME = 'Baseline';

export function baselineApp(app: Probot): void {
  app.on('pull_request.opened', async (context) => {
    const { owner, repo } = context.repo();
    const pr = context.payload.pull_request;
    const base = pr.base.sha;
    try {
      await context.octokit.graphql(
        SNAPSHOT_QUERY,
        snapshotVariables({
          owner,
          repo,
          number: pr.number,
          appId: Number(process.env.APP_ID),
          baseSha: base,
          headSha: pr.head.sha,
        }),
      );
    } catch (error) {
      // A partial answer (the organisation has no `.github` repository) is still an answer.
      if (!(error as { data?: unknown }).data) throw error;
    }
    await context.octokit.rest.checks.create({
      owner,
      repo,
      name: BASELINE_CHECK_NAME,
      head_sha: pr.head.sha,
      status: 'completed',
      conclusion: 'success',
      output: { title: 'Baseline', summary: 'One read, one write.' },
    });
  });
}

if (process.argv[1]?.endsWith('baseline-app.js')) {
  run(baselineApp).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
