/**
 * A throwaway PostgreSQL server for the history tests and bench: `initdb` into a temporary
 * directory, `postgres` on a free loopback port with fsync off (acknowledged commits still reach
 * the WAL), stopped and started again on the same port and data at will. Binaries are found where Debian's `postgresql` package
 * puts them (`/usr/lib/postgresql/<version>/bin`, newest first), then on PATH. PostgreSQL refuses
 * to run as root: as root, the server runs as the `postgres` user the package creates.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../stand-in/free-port.js';

/** The directory holding `initdb` and `postgres`, or undefined when PostgreSQL is not installed. */
export function findPostgresBin(): string | undefined {
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (existsSync(join(debian, v, 'bin', 'postgres'))) return join(debian, v, 'bin');
  }
  try {
    const initdb = execFileSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).trim();
    return initdb ? initdb.slice(0, initdb.lastIndexOf('/')) : undefined;
  } catch {
    return undefined;
  }
}

/** uid and gid to run as: this process's own, or the `postgres` user's when this process is root. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(
      'running as root and there is no "postgres" user to run PostgreSQL as (the Debian package creates it: apt-get install postgresql)',
    );
  }
}

export class PostgresServer {
  #child: ChildProcess | undefined;
  #output = '';

  private constructor(
    readonly bin: string,
    readonly dir: string,
    readonly port: number,
    private readonly user: { uid: number; gid: number } | undefined,
  ) {}

  /** Creates a cluster and starts it. */
  static async start(options: { bin?: string } = {}): Promise<PostgresServer> {
    const bin = options.bin ?? findPostgresBin();
    if (!bin) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
    const user = runAs();
    const dir = mkdtempSync(join(tmpdir(), 'quality-gates-pg-'));
    if (user) chownSync(dir, user.uid, user.gid);
    const data = join(dir, 'data');
    execFileSync(
      join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'],
      {
        stdio: 'pipe',
        ...(user ? { uid: user.uid, gid: user.gid } : {}),
        env: { ...process.env, LC_ALL: 'C.UTF-8' },
      },
    );
    const server = new PostgresServer(bin, dir, await freePort(), user);
    await server.restart();
    return server;
  }

  /** A URL for the `postgres` database; `database` names another (see `createDatabase`). */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  get running(): boolean {
    const c = this.#child;
    return !!c && c.exitCode === null && c.signalCode === null;
  }

  /** Starts (again) on the same port and data. */
  async restart(): Promise<void> {
    if (this.running) return;
    this.#output = '';
    const child = spawn(
      join(this.bin, 'postgres'),
      // No fsync (a test database: the operating system keeps what a killed server wrote), but every
      // commit reaches the WAL before it is acknowledged (synchronous_commit stays on), so a server
      // killed mid-burst loses no acknowledged write. Sockets on loopback TCP and in the data directory.
      [
        '-D',
        join(this.dir, 'data'),
        '-p',
        String(this.port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${this.dir}`,
        '-c',
        'fsync=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=200',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], ...(this.user ? { uid: this.user.uid, gid: this.user.gid } : {}) },
    );
    this.#child = child;
    const reap = () => child.kill('SIGKILL');
    process.once('exit', reap);
    child.once('exit', () => process.off('exit', reap));
    child.stdout!.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`postgres exited: ${this.#output.slice(-2000)}`);
      if (await this.#answers()) return;
      if (Date.now() > deadline)
        throw new Error(`postgres did not answer on port ${this.port}: ${this.#output.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Stops the server. `immediate` (SIGQUIT) ends every connection at once without a clean shutdown,
   * as a crash would (recovery runs on the next start); `fast` (SIGINT) rolls back and exits cleanly.
   */
  async stop(mode: 'immediate' | 'fast' = 'immediate'): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(mode === 'immediate' ? 'SIGQUIT' : 'SIGINT');
    await exited;
  }

  /** Stops the server and deletes its data. */
  async destroy(): Promise<void> {
    await this.stop('fast');
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Creates a fresh database and returns its URL. */
  async createDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  async #answers(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.url(), connectionTimeoutMillis: 1000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  }
}
