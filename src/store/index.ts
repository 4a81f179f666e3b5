/**
 * The history store's public face (docs/deploy.md, "The history database"): what the app, the
 * insights pages and the organisation policy preview use. Everything else in `src/store/` is its
 * inside.
 *
 * Wiring, in short:
 *   const history = startHistory({ settings: historySettingsFromEnv(env), log, metrics });
 *   // after a check run is written (never awaited):
 *   history.recordEvaluation(evaluationRecord({ repository, number, headSha, event, deliveryId, at, verdict, pr }));
 *   // on pull_request and pull_request_review webhooks (pull_request.closed included):
 *   const life = pullRequestRecordFromWebhook(name, payload); if (life) history.recordPullRequest(life);
 *   // /readyz: { ...history.health() }; shutdown: await history.close(graceMs);
 */
export { startHistory, type History, type StartHistoryOptions } from './history.js';
export { historySettingsFromEnv, HistorySettingsError, type HistorySettings } from './settings.js';
export { evaluationRecord, pullRequestRecordFromWebhook, factsFromSnapshot, type EvaluationInput } from './record-builders.js';
export type { EvaluationRecord, GateRecord, OverrideRecord, PullRequestFacts, PullRequestRecord, RecordedStatus, RepositoryKey } from './records.js';
export type { HistoryHealth } from './recorder.js';
export { registerHistoryMetrics, type HistoryMetrics } from './metrics.js';
export { loadOpenPullRequests, openPullRequestCounts, type OpenPullRequestFilter, type StoredOpenPullRequest } from './open-pull-requests.js';
export * as insights from './insights-queries.js';
export type { HistoryTables } from './tables.js';
export { seedHistory, type SeedOptions, type SeedResult } from './seed.js';
