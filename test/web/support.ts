/**
 * The insights under test: a seeded history in the embedded database (in memory), the OAuth and
 * user-API stand-in, and the insights handler on a loopback HTTP server, configured exactly as
 * `insightsSettingsFromEnv` reads the environment (GHE_HOST pointing at the stand-in).
 */
import { createServer, type Server } from 'node:http';
import { pino } from 'pino';
import { openDatabase, type OpenedDatabase } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrations.js';
import { seedHistory, type SeedResult } from '../../src/store/seed.js';
import { createInsightsHandler } from '../../src/web/insights.js';
import { insightsSettingsFromEnv, type InsightsSettings } from '../../src/web/settings.js';
import { startOAuthStandIn, type OAuthStandIn, type StandInUser } from './oauth-stand-in.js';

/** The seeded history ends here; the views' default period is the 90 days before. */
export const NOW = Date.parse('2026-03-01T12:00:00Z');
export const CLIENT = { id: 'Iv1.insightsclient', secret: 'insights-client-secret' };
export const SESSION_SECRET = 'a-session-secret-of-at-least-thirty-two-characters';

export interface InsightsUnderTest {
  readonly url: string;
  readonly opened: OpenedDatabase;
  readonly seeded: SeedResult;
  readonly github: OAuthStandIn;
  /** Logins → the repository ids they can read. */
  readonly access: ReadonlyMap<string, readonly number[]>;
  readonly logLines: () => Record<string, unknown>[];
  /** The handler's clock (starts at NOW; tests move it). */
  readonly clock: { now: number };
  readonly settings: InsightsSettings;
  close(): Promise<void>;
}

/**
 * `alice` reads every acme repository and one of globex's (two installations); `bob` reads acme's
 * except the busiest, `acme/service-001`; `carol` reads nothing this app is installed on.
 */
export async function startInsights(options: { pageSize?: number } = {}): Promise<InsightsUnderTest> {
  const opened = await openDatabase({ dataDir: ':memory:' }, pino({ level: 'silent' }));
  await migrate(opened.db);
  const seeded = await seedHistory(opened.db, {
    evaluations: 3000,
    days: 150,
    now: NOW,
    seed: 11,
    organisations: [
      { name: 'acme', repositories: 8, weight: 0.7 },
      { name: 'globex', repositories: 4, weight: 0.3 },
    ],
  });
  const repos = seeded.repositories.map((r) => ({ id: r.id, fullName: r.fullName, installationId: r.installationId }));
  const acme = repos.filter((r) => r.fullName.startsWith('acme/'));
  const globex2 = repos.filter((r) => r.fullName === 'globex/service-002');
  const users: StandInUser[] = [
    {
      id: 1,
      login: 'alice',
      installations: new Map([
        [acme[0]!.installationId, acme],
        [globex2[0]!.installationId, globex2],
      ]),
    },
    {
      id: 2,
      login: 'bob',
      installations: new Map([[acme[0]!.installationId, acme.filter((r) => r.fullName !== 'acme/service-001')]]),
    },
    { id: 3, login: 'carol', installations: new Map() },
  ];
  const github = await startOAuthStandIn({
    clientId: CLIENT.id,
    clientSecret: CLIENT.secret,
    users,
    pageSize: options.pageSize ?? 3,
  });
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  let url = '';
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const settings = insightsSettingsFromEnv({
    GITHUB_CLIENT_ID: CLIENT.id,
    GITHUB_CLIENT_SECRET: CLIENT.secret,
    SESSION_SECRET,
    GHE_HOST: github.host,
    GHE_PROTOCOL: 'http',
    PUBLIC_URL: url,
  });
  const clock = { now: NOW };
  const handler = createInsightsHandler({ settings, database: async () => opened.db, log, now: () => clock.now });
  server.on('request', (req, res) => {
    void handler(req, res).then((handled) => {
      if (!handled) res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
    });
  });
  const access = new Map(users.map((u) => [u.login, [...u.installations.values()].flat().map((r) => r.id)]));
  return {
    url,
    opened,
    seeded,
    github,
    access,
    clock,
    settings: settings!,
    logLines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await github.close();
      await opened.close();
    },
  };
}
