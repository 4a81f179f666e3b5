/**
 * Writes a long linear git history fast, for the command line's bench and tests: commit,
 * tree and blob objects are hashed here and handed to git as one pack (`git index-pack`), so
 * 3,500 commits take a second or two and the repository reads like a cloned one (packed, not
 * thousands of loose objects). Each commit adds one small file under `gen/` (100 to a
 * directory) and may carry a `gpgsig` header, such as the signature GitHub puts on a squash
 * merge — which `git commit` cannot write without the key.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
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
  const pack: Buffer[] = [];
  const write = (type: keyof typeof PACK_TYPES, body: Buffer): Buffer => {
    const id = createHash('sha1').update(`${type} ${body.length}\0`).update(body).digest();
    pack.push(packHeader(PACK_TYPES[type], body.length), deflateSync(body, { level: 1 }));
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
  const objects = Buffer.concat([Buffer.from('PACK'), u32(2), u32(pack.length / 2), ...pack]);
  const packed = Buffer.concat([objects, createHash('sha1').update(objects).digest()]);
  execFileSync('git', ['index-pack', '--stdin'], { cwd: options.dir, env: options.env, input: packed, stdio: ['pipe', 'ignore', 'inherit'], maxBuffer: 1024 * 1024 * 1024 });
  git('update-ref', 'HEAD', parent);
  git('reset', '-q', '--hard', 'HEAD'); // the working tree and index follow, so nothing looks uncommitted
  return parent;
}

const PACK_TYPES = { commit: 1, tree: 2, blob: 3 } as const;

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** A pack entry's header: the type and the inflated size, 4 bits then 7 bits a byte. */
function packHeader(type: number, size: number): Buffer {
  const bytes: number[] = [];
  let byte = (type << 4) | (size & 0x0f);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    bytes.push(byte | 0x80);
    byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  bytes.push(byte);
  return Buffer.from(bytes);
}
