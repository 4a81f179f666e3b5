/**
 * Signed webhook deliveries built from real example payloads
 * (`@octokit/webhooks-examples`), pointed at a stand-in installation and pull request.
 * Shared by the benchmark, the end-to-end smoke run and the bench smoke test.
 */
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import type { GitHubModel } from '../test/stand-in/github-model.js';

const require = createRequire(import.meta.url);
const examples = require('@octokit/webhooks-examples/api.github.com/index.json') as {
  name: string;
  examples: Record<string, any>[];
}[];

/** The `pull_request.opened` example that carries an installation: the template of every delivery. */
const PULL_REQUEST_TEMPLATE = examples
  .find((g) => g.name === 'pull_request')!
  .examples.find((e) => e.action === 'opened' && e.installation)!;

export interface SignedDelivery {
  readonly body: string;
  readonly headers: Record<string, string>;
}

/** A delivery as GitHub sends it: the JSON body and its `x-hub-signature-256`. */
export function signedDelivery(secret: string, event: string, payload: unknown, id: string): SignedDelivery {
  const body = JSON.stringify(payload);
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': id,
      'x-hub-signature-256': signature,
    },
  };
}

/** A `pull_request` payload for pull request `number` of `model` (its installation, repository, head and base). */
export function prPayload(model: GitHubModel, number: number, action = 'opened'): Record<string, any> {
  const pull = model.pulls.get(number);
  if (!pull) throw new Error(`the stand-in has no pull request #${number} in ${model.owner}/${model.repo}`);
  const p = structuredClone(PULL_REQUEST_TEMPLATE);
  p.action = action;
  p.installation = { id: model.installationId, node_id: `MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u${model.installationId}` };
  p.number = number;
  p.pull_request.number = number;
  p.pull_request.draft = pull.isDraft;
  p.pull_request.title = pull.title;
  p.pull_request.head.sha = pull.headRefOid;
  p.pull_request.base.sha = pull.baseRefOid;
  p.repository.owner.login = model.owner;
  p.repository.name = model.repo;
  p.repository.full_name = `${model.owner}/${model.repo}`;
  return p;
}

export interface WebhookAnswer {
  readonly status: number;
  /** Milliseconds from sending the request to the end of the response. */
  readonly ackMs: number;
}

/** POSTs one signed delivery and times the acknowledgement. */
export async function postWebhook(url: string, delivery: SignedDelivery): Promise<WebhookAnswer> {
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body });
  await res.arrayBuffer();
  return { status: res.status, ackMs: performance.now() - started };
}
