/**
 * End-to-end smoke run, as GitHub would drive the app: starts `node dist/src/server/main.js`
 * with the environment of docs/behaviour.md#running-it against the loopback stand-in (GHE_HOST), sends signed
 * webhooks, and prints the check runs and request counts.
 *
 *   npm run build && node dist/bench/smoke-e2e.js
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { GitHubModel } from '../test/stand-in/github-model.js';
import { startStandInServer } from '../test/stand-in/server.js';
import { prPayload, signedDelivery } from './webhooks.js';

export { prPayload, signedDelivery } from './webhooks.js';

async function waitFor(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready: ${url}`);
}

async function main() {
  const model = new GitHubModel({ owner: 'acme', repo: 'api', appId: 4242, installationId: 7 });
  model.addPull({ number: 1, files: [{ path: 'src/a.ts', additions: 10, deletions: 2 }] });
  model.addPull({
    number: 2,
    headRefOid: 'b'.repeat(40),
    files: Array.from({ length: 14 }, (_, i) => ({ path: `src/f${i}.ts`, additions: i === 0 ? 92 : 40, deletions: 0 })),
  });
  const standIn = await startStandInServer(model.standIn);
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs1', format: 'pem' })
    .toString();
  const port = 3000 + Math.floor(Math.random() * 1000) + 1000;
  const secret = 'e2e-secret';
  const child = spawn(process.execPath, ['dist/src/server/main.js'], {
    env: {
      ...process.env,
      APP_ID: '4242',
      PRIVATE_KEY: key,
      WEBHOOK_SECRET: secret,
      GHE_HOST: standIn.host,
      GHE_PROTOCOL: 'http',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const logs: string[] = [];
  child.stdout.on('data', (d: Buffer) => logs.push(...d.toString().split('\n').filter(Boolean)));
  try {
    await waitFor(`http://127.0.0.1:${port}/healthz`, 10_000);
    for (const [i, n] of [1, 2, 2].entries()) {
      const d = signedDelivery(secret, 'pull_request', prPayload(model, n), `e2e-${i}`);
      const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
        method: 'POST',
        headers: d.headers,
        body: d.body,
      });
      console.log(`webhook ${i} (PR #${n}) → ${res.status}`);
    }
    const bad = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
      method: 'POST',
      headers: { ...signedDelivery('wrong', 'pull_request', {}, 'x').headers },
      body: '{}',
    });
    console.log(`webhook with a wrong signature → ${bad.status}`);
    await new Promise((r) => setTimeout(r, 1500));
    for (const run of model.checkRuns)
      console.log(
        `${run.head_sha.slice(0, 7)} ${run.name}: ${run.conclusion} — ${run.output.title}\n${run.output.summary.split('\n').slice(0, 3).join('\n')}\n`,
      );
    console.log('requests:', model.requests.map((r) => `${r.method} ${r.operation ?? r.path}`).join(', '));
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await standIn.close();
    console.log(logs.filter((l) => l.includes('evaluation finished')).join('\n'));
  }
}

if (process.argv[1]?.endsWith('smoke-e2e.js')) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
