/**
 * The history store's public face (docs/deploy.md, "The history database"): everything the app,
 * the insights pages and the organisation policy preview use. The rest of `src/store/` is its
 * inside; import from here only. (Tests and benches also use `seed.ts`, `database.ts` and
 * `migrations.ts` directly.)
 *
 * Wiring. Nothing in the app calls this yet; the integration does exactly this:
 *
 * 1. Start (src/server/main.ts), before the server listens:
 *
 *      const history = startHistory({ settings: historySettingsFromEnv(process.env), log, metrics });
 *
 *    `historySettingsFromEnv` throws `HistorySettingsError` (its message says the fix) for a value
 *    that cannot be meant, e.g. `HISTORY=of`: stop the start with it, as for other settings.
 *    `metrics` is `createMetrics()` (its `history` field holds the history's metrics). The call
 *    returns at once; the database opens and migrates in the background (`health()` says
 *    `starting` meanwhile), and webhooks are evaluated whatever it does. `HISTORY=off` opens
 *    nothing and makes every call below a no-op.
 *
 * 2. After an evaluation wrote its check run, or found it already up to date (src/pipeline/evaluate.ts),
 *    once per pull request judged (the one of the job and each twin on the same head commit):
 *
 *      history.recordVerdict({ repository, number, headSha, event, deliveryId, at, verdict, pr, repoConfig, overrides });
 *
 *    `repository`: `{ id, fullName, installationId }` (the id is the key: names change);
 *    `number`, `headSha`; `event`: the job's event and action (`pull_request.synchronize`);
 *    `deliveryId`: the job's delivery id (with the rest, it makes the record idempotent: a retry
 *    or a second replica recording the same delivery adds nothing); `at`: when the run was
 *    written (epoch ms); `verdict`: the `Verdict` the run shows; `pr`: the snapshot it was reached
 *    on (after team resolution), absent when the pull request could not be read (then `author`
 *    from the webhook, if known); `repoConfig`: the text of the repository's
 *    `.github/quality-gates.yml` on the base branch, or null (kept with the open-PR snapshot for
 *    the policy preview); `overrides`: every override comment judged, applied or refused
 *    (`OverrideRecord`, the overrides module builds them). Not for an evaluation that ended
 *    without a run (not open, moved to a new head, deferred, or its write failed).
 *
 * 3. On every `pull_request` and `pull_request_review` webhook, after it is acknowledged, whether
 *    or not it starts an evaluation (`pull_request.closed` must be routed for this: it ends the
 *    pull request's life and deletes its open-PR snapshot; it writes no check run):
 *
 *      history.recordWebhook(name, payload);
 *
 *    Other events and actions are ignored; nothing is read from GitHub.
 *
 * 4. `/readyz`: merge `history.health()` into its JSON. `history: "degraded"` (database down, or
 *    the buffer nearly full) keeps the answer 200: check runs never wait for the history.
 *
 * 5. Insights (`/insights`, `/api/insights/…`): `const db = await history.database()` (rejects with
 *    `HISTORY=off` or while the database cannot be opened: answer 503 then), and the queries of
 *    `insights`, each given an `InsightsScope`: the ids of the repositories GitHub says the user can
 *    read, and a period. `insights.repositories(db, ids)` names those the history knows (pickers).
 *    On the server the queries of one page may run at once (a pool of 4 connections); the
 *    embedded database answers one at a time.
 *
 * 6. Organisation policy preview: `loadOpenPullRequests(db, { owner })` (or `{ repositoryIds }`)
 *    returns each stored open pull request whole again (`snapshot`, `repoConfig`), to re-run the
 *    pure gates on; `openPullRequestCounts` counts them without reading the snapshots.
 *
 * 7. Shutdown, after the last evaluation: `await history.close(graceMs)` writes what is buffered
 *    for up to `graceMs`, counts the rest as dropped, and closes the database.
 *
 * `recordVerdict`, `recordWebhook` and the lower-level `recordEvaluation` / `recordPullRequest`
 * return at once and never throw: records go to a bounded buffer written in the background.
 */
export { startHistory, type History, type StartHistoryOptions } from './history.js';
export { historySettingsFromEnv, HistorySettingsError, type HistorySettings } from './settings.js';
export type { EvaluationInput } from './record-builders.js';
export type { EvaluationRecord, OverrideRecord, PullRequestRecord, RepositoryKey } from './records.js';
export type { HistoryHealth } from './recorder.js';
export type { HistoryTables } from './tables.js';
export {
  knownRepositories,
  loadOpenPullRequests,
  openPullRequestCounts,
  openPullRequestPages,
  unseenOpenPullRequests,
  type KnownRepository,
  type OpenPullRequestFilter,
  type StoredOpenPullRequest,
  type UnseenPullRequest,
} from './open-pull-requests.js';
export * as insights from './insights-queries.js';
