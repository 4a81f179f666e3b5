/**
 * Writes a long linear git history fast, for the command line's bench and tests: commit,
 * tree and blob objects are hashed and written as loose objects directly (no process per
 * commit), so 3,500 commits take about a second. Each commit adds one small file under
 * `gen/` (100 to a directory) and may carry a `gpgsig` header, such as the signature GitHub
 * puts on a squash merge — which `git commit` cannot write without the key.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';

export interface Person {
  readonly name: string;
  readonly email: string;
}

export interface GeneratedCommit {
  readonly message: string;
  readonly author: Person;
  /** Default: the author. */
  readonly committer?: Person;
  /** An armored signature for the `gpgsig` header. */
  readonly gpgsig?: string;
}

export interface HistoryOptions {
  /** The repository's working directory (git runs there to read the parent and move the branch). */
  readonly dir: string;
  /** Commits to add on top of HEAD. */
  readonly count: number;
  /** The i-th commit (0 = oldest). */
  readonly commit: (i: number) => GeneratedCommit;
  readonly env?: NodeJS.ProcessEnv;
  /** Seconds since the epoch of the first commit; one second apart. */
  readonly startTime?: number;
}

interface TreeEntry {
  readonly mode: string;
  readonly name: string;
  /** Binary object id. */
  readonly id: Buffer;
}

/** Adds `count` commits on top of HEAD, moves the current branch there and checks it out; returns the new HEAD. */
export function writeHistory(options: HistoryOptions): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: options.dir, env: options.env, encoding: 'utf8' });
  const objects = path.resolve(options.dir, git('rev-parse', '--git-path', 'objects').trim());
  const write = (type: string, body: Buffer): Buffer => {
    const data = Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body]);
    const id = createHash('sha1').update(data).digest();
    const hex = id.toString('hex');
    const dir = path.join(objects, hex.slice(0, 2));
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, hex.slice(2)), deflateSync(data, { level: 1 }), { flag: 'w' });
    return id;
  };
  const tree = (entries: readonly TreeEntry[]): Buffer => {
    const key = (e: TreeEntry) => (e.mode === '40000' ? `${e.name}/` : e.name);
    const sorted = [...entries].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    return write('tree', Buffer.concat(sorted.flatMap((e) => [Buffer.from(`${e.mode} ${e.name}\0`), e.id])));
  };

  let parent = git('rev-parse', 'HEAD').trim();
  const rootEntries: TreeEntry[] = git('ls-tree', '-z', 'HEAD')
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [meta = '', name = ''] = line.split('\t');
      const [mode = '', , id = ''] = meta.split(' ');
      return { mode: mode === '040000' ? '40000' : mode, name, id: Buffer.from(id, 'hex') };
    })
    .filter((e) => e.name !== 'gen');
  const dirs: TreeEntry[][] = [];
  const dirTrees: TreeEntry[] = [];
  const start = options.startTime ?? 1_700_000_000;
  for (let i = 0; i < options.count; i++) {
    const d = Math.floor(i / 100);
    (dirs[d] ??= []).push({ mode: '100644', name: `f${i % 100}.txt`, id: write('blob', Buffer.from(`${i}\n`)) });
    dirTrees[d] = { mode: '40000', name: `d${d}`, id: tree(dirs[d]) };
    const root = tree([...rootEntries, { mode: '40000', name: 'gen', id: tree(dirTrees) }]);
    const c = options.commit(i);
    const committer = c.committer ?? c.author;
    const when = `${start + i} +0000`;
    const headers = [
      `tree ${root.toString('hex')}`,
      `parent ${parent}`,
      `author ${c.author.name} <${c.author.email}> ${when}`,
      `committer ${committer.name} <${committer.email}> ${when}`,
      ...(c.gpgsig ? [`gpgsig ${c.gpgsig.trim().split('\n').join('\n ')}`] : []),
    ];
    parent = write('commit', Buffer.from(`${headers.join('\n')}\n\n${c.message.replace(/\n*$/, '\n')}`)).toString('hex');
  }
  git('update-ref', 'HEAD', parent);
  git('reset', '-q', '--hard', 'HEAD'); // the working tree and index follow, so nothing looks uncommitted
  return parent;
}
