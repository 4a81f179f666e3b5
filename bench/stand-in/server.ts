/**
 * A loopback GitHub Enterprise stand-in: serves the in-memory model over HTTP
 * at `/api/v3/*` (REST) and `/api/graphql`, as GHE_HOST/GHE_PROTOCOL reach it,
 * records every request, and can add latency to each answer.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { GitHubModel } from './github-model.js';

export interface StandIn {
  readonly host: string;
  readonly url: string;
  /** Milliseconds added before every answer; may be changed while running. */
  latencyMs: number;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Routes a request to the model that owns the repository (or the first model). */
export type ModelFor = (path: string, body: unknown) => GitHubModel;

export async function startStandIn(models: ModelFor | GitHubModel, options: { latencyMs?: number; port?: number } = {}): Promise<StandIn> {
  const pick: ModelFor = typeof models === 'function' ? models : () => models;
  const state = { latencyMs: options.latencyMs ?? 0 };
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://stand-in');
    let path = url.pathname;
    if (path === '/api/graphql') path = '/graphql';
    else if (path.startsWith('/api/v3/')) path = path.slice('/api/v3'.length);
    if (state.latencyMs > 0) await new Promise((r) => setTimeout(r, state.latencyMs));
    const model = pick(path, body);
    let status: number;
    let answer: unknown;
    try {
      [status, answer] = model.handle(req.method ?? 'GET', `${path}${url.search}`, body);
    } catch {
      req.socket.destroy(); // an injected dropped connection
      return;
    }
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-resource': path === '/graphql' ? 'graphql' : 'core',
      ...model.lastHeaders,
    });
    res.end(typeof answer === 'string' ? answer : JSON.stringify(answer));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const standIn: StandIn = {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(v: number) {
      state.latencyMs = v;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return standIn;
}
