/**
 * The stand-in over loopback HTTP, as a GitHub Enterprise host: REST at `/api/v3/*` and
 * GraphQL at `/api/graphql` (GHE_HOST / GHE_PROTOCOL=http reach it), for the benchmark and
 * end-to-end runs. Can add latency to every answer.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { githubSchema } from './schema.js';
import type { StandIn } from './stand-in.js';

export interface StandInServer {
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

export async function startStandInServer(
  standIn: StandIn,
  options: { latencyMs?: number; port?: number } = {},
): Promise<StandInServer> {
  githubSchema(); // built (~0.5–1 s, once per process) before listening, so no answer waits for it
  const state = { latencyMs: options.latencyMs ?? 0 };
  let origin = '';
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://stand-in');
    let path = url.pathname;
    if (path === '/api/graphql') path = '/graphql';
    else if (path.startsWith('/api/v3/')) path = path.slice('/api/v3'.length);
    if (state.latencyMs > 0) await new Promise((r) => setTimeout(r, state.latencyMs));
    const answer = standIn.handle({
      method: req.method ?? 'GET',
      path: `${path}${url.search}`,
      headers: req.headers,
      body,
      origin: `${origin}/api/v3`,
    });
    if (answer === 'drop') {
      req.socket.destroy();
      return;
    }
    res.writeHead(answer.status, answer.headers);
    res.end(
      typeof answer.body === 'string' || answer.body instanceof Uint8Array ? answer.body : JSON.stringify(answer.body),
    );
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  origin = `http://127.0.0.1:${port}`;
  return {
    host: `127.0.0.1:${port}`,
    url: origin,
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(v: number) {
      state.latencyMs = v;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
