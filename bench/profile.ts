/**
 * `npm run bench:profile -- burst|ack|heap`: the profiles behind the figures in
 * docs/performance.md ("What the benchmark found"), against the same stand-in as the benchmark.
 *
 * - `burst`: the app under `node --cpu-prof`, given bursts of 40 PRs opened at once across 8 fresh
 *   installations (50 ms GitHub latency). Prints each burst's acknowledgement p50/p99, then where
 *   the app's main thread spent its CPU while the bursts were being acknowledged, by kind of work.
 *   PROFILE_HISTORY=embedded|server records the history meanwhile (default off), as
 *   `npm run bench:history-overhead` does; the embedded database's own thread is not in the profile.
 * - `ack`: rounds of 40 webhooks at once while every GitHub call takes 500 ms; acknowledgement
 *   p50/p99 per round (the benchmark's section 4 has one such round per run).
 * - `heap`: the app under `node --heapsnapshot-signal`, given evaluations of distinct PRs (64
 *   outstanding); a heap snapshot after PROFILE_FIRST and after PROFILE_SECOND evaluations
 *   (default 2,000 and 12,000), and what the live heap gained in between, by object kind.
 *
 * Not part of `npm test`. Output files go to a temporary directory, named at the end.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppHistory, appHistoryMode } from './app-history.js';
import { Fleet } from './fleet.js';
import { newPull, pool, type NewPull } from './load.js';
import { startApp, type AppProcess } from './processes.js';
import { startStandInServer, type StandInServer } from '../test/stand-in/server.js';
import { median, ms, percentile, table } from './stats.js';
import { postWebhook, prPayload, signedDelivery } from './webhooks.js';

const APP_ID = 4242;
const SECRET = 'profile-webhook-secret';
const log = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (msToWait: number) => new Promise((r) => setTimeout(r, msToWait));
let deliveries = 0;

async function withApp<T>(
  latencyMs: number,
  nodeArgs: string[],
  fn: (app: AppProcess, fleet: Fleet, standIn: StandInServer) => Promise<T>,
): Promise<T> {
  const fleet = new Fleet(APP_ID);
  const history = await AppHistory.start(appHistoryMode(process.env.PROFILE_HISTORY, 'PROFILE_HISTORY'));
  const standIn = await startStandInServer(fleet.standIn, { latencyMs });
  const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs1', format: 'pem' })
    .toString();
  const app = await startApp({
    name: 'Quality Gates',
    script: 'dist/src/server/main.js',
    ghHost: standIn.host,
    appId: APP_ID,
    privateKey,
    secret: SECRET,
    nodeArgs,
    env: { SHUTDOWN_GRACE_MS: '1000', ...(await history.env()) },
  });
  try {
    await history.ready(app);
    return await fn(app, fleet, standIn);
  } finally {
    await app.stop();
    await standIn.close();
    await history.close();
  }
}

/** Sends one `pull_request.opened` per PR, all at once; resolves with the acknowledgement times once every run is written. */
async function send(app: AppProcess, fleet: Fleet, prs: readonly NewPull[]): Promise<number[]> {
  const done = prs.map((pr) => fleet.completion(pr.headSha));
  const signed = prs.map((pr) =>
    signedDelivery(SECRET, 'pull_request', prPayload(pr.model, pr.number), `profile-${++deliveries}`),
  );
  const acks = await Promise.all(signed.map(async (s) => (await postWebhook(app.webhookUrl, s)).ackMs));
  await Promise.all(done);
  return acks;
}

// ---- burst: CPU profile ------------------------------------------------------------------

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Kinds of work, tested in order on a sample's stack (innermost frame first); the first kind any frame matches wins. */
const KINDS: [string, (frame: { functionName: string; url: string }) => boolean][] = [
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['token JWT signing', (f) => f.url.includes('universal-github-app-jwt')],
  [
    'requests to GitHub (auth, fetch)',
    (f) => f.url.includes('@octokit/auth-app') || (f.url.includes('undici') && f.functionName === 'fetch'),
  ],
  // The native `postMessage` under the embedded database's client: its time includes waiting for
  // the core back when waking the worker cost the main thread its time slice (docs/performance.md).
  ['history: handing queries to the embedded database', (f) => f.functionName === 'postMessage' && f.url === ''],
  ['history (records, buffer, database client)', (f) => /dist\/src\/store\/|kysely|[\\/]pg[\\/]/.test(f.url)],
  ['evaluation (loader, gates, writer)', (f) => /dist\/(src\/(pipeline|checks|load)|gates)\//.test(f.url)],
  ["Probot's context Octokit per webhook", (f) => f.functionName === 'webhookTransform'],
  ['our webhook handlers and queue', (f) => /dist\/src\/(server|queue)\//.test(f.url)],
  ['webhook verification and routing', (f) => f.url.includes('@octokit/webhooks')],
  ['request log (pino-http)', (f) => f.url.includes('pino-http')],
  ['HTTP server', (f) => /_http_server|_http_common|node:net/.test(f.url)],
  ['other logging', (f) => /pino|sonic-boom/.test(f.url)],
];

async function burst(): Promise<void> {
  const runs = Number(process.env.PROFILE_RUNS ?? 9);
  const dir = mkdtempSync(join(tmpdir(), 'qg-cpu-'));
  /** Per measured burst: when it was sent and when its last acknowledgement arrived (µs, the profile's clock). */
  const windows: { start: number; end: number }[] = [];
  const rows: string[][] = [];
  await withApp(50, ['--cpu-prof', `--cpu-prof-dir=${dir}`], async (app, fleet) => {
    for (let r = 0; r <= runs; r++) {
      const models = Array.from({ length: 8 }, () => fleet.add('burst'));
      const prs = models.flatMap((m) => Array.from({ length: 5 }, () => newPull(m)));
      // The profile's clock is the monotonic clock, as process.hrtime's, in microseconds.
      const at = Number(process.hrtime.bigint() / 1000n);
      const acks = await send(app, fleet, prs);
      if (r > 0) {
        windows.push({ start: at, end: at + Math.max(...acks) * 1000 });
        rows.push([String(r), ms(percentile(acks, 50)), ms(percentile(acks, 99))]);
      }
      await sleep(300);
    }
  });
  log(
    `## Acknowledgement of ${runs} bursts of 40 webhooks (8 fresh installations, 50 ms GitHub latency; one warm-up burst not shown)\n`,
  );
  log(table(['burst', 'ack p50', 'ack p99'], rows));
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no CPU profile in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const idle = profile.nodes.find((n) => n.callFrame.functionName === '(idle)')?.id;
  const spent = new Map<string, number>();
  const busy: number[] = windows.map(() => 0);
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    const b = windows.findIndex((w) => t >= w.start && t < w.end);
    if (b === -1 || id === idle) return;
    const d = profile.timeDeltas[i] ?? 0;
    busy[b]! += d;
    const frames: { functionName: string; url: string }[] = [];
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) frames.push(byId.get(x)!.callFrame);
    const kind = KINDS.find(([, test]) => frames.some(test))?.[0] ?? 'other';
    spent.set(kind, (spent.get(kind) ?? 0) + d);
  });
  const span = median(windows.map((w) => w.end - w.start));
  log(
    `\n## Where the app's CPU went while a burst was being acknowledged (first webhook sent → last answer in; median ${ms(span / 1000)}, of which the app was busy ${ms(median(busy) / 1000)})\n`,
  );
  log(
    table(
      ['work', 'ms per burst'],
      [...spent].sort((a, b) => b[1] - a[1]).map(([kind, us]) => [kind, ms(us / 1000 / windows.length)]),
    ),
  );
  log(`\nCPU profile: ${join(dir, file)} (open it in Chrome DevTools → Performance).`);
}

// ---- ack: acknowledgement while GitHub is slow ----------------------------------------------

/** Rounds of 40 webhooks at once while every GitHub call takes 500 ms and evaluations are in flight. */
async function ack(): Promise<void> {
  const rounds = Number(process.env.PROFILE_RUNS ?? 6);
  const rows: string[][] = [];
  await withApp(0, [], async (app, fleet, standIn) => {
    const installations = Array.from({ length: 40 }, () => fleet.add('ack'));
    await send(
      app,
      fleet,
      installations.map((m) => newPull(m)),
    ); // warm: tokens cached, JIT warm
    standIn.latencyMs = 500;
    for (let r = 1; r <= rounds; r++) {
      const prs = installations.map((m) => newPull(m));
      const signed = prs.map((pr) =>
        signedDelivery(SECRET, 'pull_request', prPayload(pr.model, pr.number), `profile-${++deliveries}`),
      );
      const acks = await Promise.all(signed.map(async (d) => (await postWebhook(app.webhookUrl, d)).ackMs));
      rows.push([String(r), ms(percentile(acks, 50)), ms(percentile(acks, 99))]);
      await sleep(1500);
    }
  });
  log(
    `## ${rounds} rounds of 40 webhooks at once, every GitHub call taking 500 ms (evaluations of earlier rounds in flight)\n`,
  );
  log(table(['round', 'ack p50', 'ack p99'], rows));
}

// ---- heap: snapshot diff -----------------------------------------------------------------

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Live objects of a snapshot, by kind (type and constructor or string prefix): count and bytes. */
function census(path: string): Map<string, { count: number; bytes: number }> {
  const s = JSON.parse(readFileSync(path, 'utf8')) as HeapSnapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [ti, ni, si] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < s.nodes.length; i += fields.length) {
    const type = types[s.nodes[i + ti]!]!;
    const name = s.strings[s.nodes[i + ni]!]!;
    const key = `${type}: ${type.includes('string') ? `"${name.slice(0, 4)}…"` : name}`;
    const entry = out.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += s.nodes[i + si]!;
    out.set(key, entry);
  }
  return out;
}

/** Kinds always listed by `heap`, whatever their growth. */
const WATCHED = ['object: Timeout'];

async function heap(): Promise<void> {
  const first = Number(process.env.PROFILE_FIRST ?? 2000);
  const second = Number(process.env.PROFILE_SECOND ?? 12_000);
  const dir = mkdtempSync(join(tmpdir(), 'qg-heap-'));
  await withApp(0, ['--heapsnapshot-signal=SIGTTIN', `--diagnostic-dir=${dir}`], async (app, fleet) => {
    const installations = Array.from({ length: 1024 }, () => fleet.add('heap'));
    let cursor = 0;
    let done = 0;
    for (const target of [first, second]) {
      const prs = Array.from({ length: target - done }, () => newPull(installations[cursor++ % installations.length]!));
      await pool(prs.length, 64, async (i) => void (await send(app, fleet, [prs[i]!])));
      for (const pr of prs) pr.model.pulls.delete(pr.number);
      fleet.clearRequests();
      done = target;
      const before = readdirSync(dir).length;
      process.kill(app.pid, 'SIGTTIN');
      // The snapshot is written when the file appears and stops growing.
      for (let size = -1; ;) {
        await sleep(1000);
        const files = readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot'));
        if (files.length <= before) continue;
        const now = statSync(join(dir, files.sort().at(-1)!)).size;
        if (now === size) break;
        size = now;
      }
      log(
        `heap snapshot after ${target.toLocaleString('en-US')} evaluations, RSS ${(app.rss() / 1048576).toFixed(1)} MB`,
      );
    }
  });
  const [a, b] = readdirSync(dir)
    .filter((f) => f.endsWith('.heapsnapshot'))
    .sort()
    .map((f) => census(join(dir, f)));
  if (!a || !b) throw new Error(`expected two heap snapshots in ${dir}`);
  const total = (c: Map<string, { bytes: number }>) => [...c.values()].reduce((sum, e) => sum + e.bytes, 0);
  log(
    `\n## Live heap after ${first.toLocaleString('en-US')} and ${second.toLocaleString('en-US')} evaluations: ${(total(a) / 1e6).toFixed(1)} MB → ${(total(b) / 1e6).toFixed(1)} MB\n`,
  );
  const rows = [...b]
    .map(([key, e]) => ({
      key,
      before: a.get(key)?.count ?? 0,
      after: e.count,
      bytes: e.bytes - (a.get(key)?.bytes ?? 0),
    }))
    .sort((x, y) => y.bytes - x.bytes);
  // The largest growths, and always the timers (each request's timeout is one while it runs).
  const shown = [...rows.slice(0, 25), ...rows.filter((r, i) => i >= 25 && WATCHED.includes(r.key))];
  const count = (n: number) => n.toLocaleString('en-US');
  log(
    table(
      ['object kind', `objects after ${count(first)}`, `after ${count(second)}`, 'more KB'],
      shown.map((r) => [r.key, count(r.before), count(r.after), (r.bytes / 1000).toFixed(0)]),
    ),
  );
  log(`\nSnapshots: ${dir}`);
}

const mode = process.argv[2];
function runFor(name: string | undefined): (() => Promise<void>) | undefined {
  switch (name) {
    case 'burst':
      return burst;
    case 'heap':
      return heap;
    case 'ack':
      return ack;
    default:
      return undefined;
  }
}

const run = runFor(mode);
if (!run) {
  console.error('usage: node dist/bench/profile.js burst|ack|heap');
  process.exit(2);
}
run().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
