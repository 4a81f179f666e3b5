/**
 * The apps under test, each a child process started as `npm start` would start it (the
 * built entry point with the environment of docs/behaviour.md#running-it), bound to 127.0.0.1, pointed at the
 * stand-in through GHE_HOST / GHE_PROTOCOL=http. Every child is killed on stop, and on
 * the benchmark's own exit whatever happens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/stand-in/free-port.js';

/** The repository root (this file runs from `dist/bench/`). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const children = new Set<ChildProcess>();
const killAll = () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
};
process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

export { freePort };

export interface EvaluationLog {
  delivery?: string;
  outcome?: string;
  githubRequests?: number;
  durationMs?: number;
  level?: number;
  [key: string]: unknown;
}

export interface AppProcess {
  readonly name: string;
  readonly pid: number;
  readonly webhookUrl: string;
  readonly baseUrl: string;
  /** `evaluation finished` lines seen so far (ours only). */
  readonly finished: number;
  /** Log lines at level error or above. */
  readonly errors: string[];
  /** Resolves with the `evaluation finished` line of `delivery`. */
  evaluation(delivery: string, timeoutMs?: number): Promise<EvaluationLog>;
  /** Resident set size of the child, from /proc (bytes). */
  rss(): number;
  /** GET a path of the app (e.g. `/metrics`). */
  get(path: string): Promise<string>;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly name: string;
  /** Script relative to the repository root, e.g. `dist/src/server/main.js`. */
  readonly script: string;
  readonly ghHost: string;
  readonly appId: number;
  readonly privateKey: string;
  readonly secret: string;
  readonly env?: Record<string, string>;
  /** Extra `node` flags, e.g. `--cpu-prof` (BENCH_NODE_ARGS). */
  readonly nodeArgs?: readonly string[];
}

export async function startApp(options: StartOptions): Promise<AppProcess> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.script], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      APP_ID: String(options.appId),
      PRIVATE_KEY: options.privateKey,
      WEBHOOK_SECRET: options.secret,
      GHE_HOST: options.ghHost,
      GHE_PROTOCOL: 'http',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      // No history unless the run asks for one (bench/app-history.ts): never the repository's ./data.
      HISTORY: 'off',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let finished = 0;
  const errors: string[] = [];
  const seen = new Map<string, EvaluationLog>();
  const waiting = new Map<string, (log: EvaluationLog) => void>();
  let rest = '';
  const onLine = (line: string) => {
    if (line.includes('"evaluation finished"')) {
      finished++;
      const log = JSON.parse(line) as EvaluationLog;
      const delivery = String(log.delivery ?? '');
      const waiter = waiting.get(delivery);
      if (waiter) {
        waiting.delete(delivery);
        waiter(log);
      } else if (seen.size < 1000) seen.set(delivery, log);
    }
    if (/"level":(50|60)/.test(line) && errors.length < 100) errors.push(line.slice(0, 600));
  };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line) onLine(line);
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    if (errors.length < 100) errors.push(chunk.slice(0, 600));
  });

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    children.delete(child);
  };

  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`${options.name} exited during start-up (${child.exitCode}): ${errors.join('\n')}`);
      try {
        // Any HTTP answer means the server listens (the bare Probot app has no /healthz).
        await fetch(`${baseUrl}/healthz`);
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`${options.name} did not start: ${errors.join('\n')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    name: options.name,
    pid: child.pid!,
    webhookUrl: `${baseUrl}/api/github/webhooks`,
    baseUrl,
    get finished() {
      return finished;
    },
    errors,
    evaluation(delivery, timeoutMs = 60_000) {
      const done = seen.get(delivery);
      if (done) {
        seen.delete(delivery);
        return Promise.resolve(done);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(delivery);
          reject(new Error(`${options.name}: no evaluation finished for delivery ${delivery} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(delivery, (log) => {
          clearTimeout(timer);
          resolve(log);
        });
      });
    },
    rss() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? NaN);
      return kb * 1024;
    },
    async get(path) {
      return (await fetch(`${baseUrl}${path}`)).text();
    },
    stop,
  };
}
