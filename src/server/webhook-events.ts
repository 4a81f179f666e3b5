/**
 * The webhook events the app knows, with every action GitHub sends for each: the events of
 * `app.yml`, and those GitHub sends every app whatever it subscribes to (installation
 * changes, `ping`). The receiver answers other event names without reading them
 * (src/server/webhook-receiver.ts), and metric labels take only names from this table, so
 * made-up event or action names cannot add series to `/metrics`.
 *
 * Actions as listed by @octokit/webhooks (emitterEventNames) for Probot 14.
 */
export const KNOWN_EVENTS = {
  pull_request: [
    'assigned',
    'auto_merge_disabled',
    'auto_merge_enabled',
    'closed',
    'converted_to_draft',
    'demilestoned',
    'dequeued',
    'edited',
    'enqueued',
    'labeled',
    'locked',
    'milestoned',
    'opened',
    'ready_for_review',
    'reopened',
    'review_request_removed',
    'review_requested',
    'synchronize',
    'unassigned',
    'unlabeled',
    'unlocked',
  ],
  pull_request_review: ['dismissed', 'edited', 'submitted'],
  check_run: ['completed', 'created', 'requested_action', 'rerequested'],
  check_suite: ['completed', 'requested', 'rerequested'],
  issue_comment: ['created', 'deleted', 'edited'],
  merge_group: ['checks_requested', 'destroyed'],
  push: [],
  installation: ['created', 'deleted', 'new_permissions_accepted', 'suspend', 'unsuspend'],
  installation_repositories: ['added', 'removed'],
  installation_target: ['renamed'],
  github_app_authorization: ['revoked'],
  meta: ['deleted'],
  ping: [],
} as const satisfies Record<string, readonly string[]>;

export type KnownEvent = keyof typeof KNOWN_EVENTS;

/** The label for names outside the table. */
export const OTHER = 'other';

export function isKnownEvent(name: unknown): name is KnownEvent {
  return typeof name === 'string' && Object.hasOwn(KNOWN_EVENTS, name);
}

/**
 * Metric labels for an event: the event and action when the table knows them, `other` when
 * not, and an empty action for events without one.
 */
export function eventLabels(name: unknown, action: unknown): { event: string; action: string } {
  if (!isKnownEvent(name)) return { event: OTHER, action: action === undefined || action === '' ? '' : OTHER };
  if (action === undefined || action === '') return { event: name, action: '' };
  const actions: readonly string[] = KNOWN_EVENTS[name];
  return { event: name, action: typeof action === 'string' && actions.includes(action) ? action : OTHER };
}
