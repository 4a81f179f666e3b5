/**
 * `quality-gates owners`, end to end, on GitHub's documented CODEOWNERS example
 * (https://docs.github.com/en/repositories/managing-your-repositorys-settings-and-features/customizing-your-repository/about-code-owners).
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Repo, cleanup, cli, hermeticEnv, scratch } from './support.js';
import { mkdirSync, writeFileSync } from 'node:fs';

afterAll(cleanup);

/** GitHub's example file, comments included, as the docs show it. */
const GITHUB_EXAMPLE = `# This is a comment.
# Each line is a file pattern followed by one or more owners.

# These owners will be the default owners for everything in
# the repo. Unless a later match takes precedence,
# @global-owner1 and @global-owner2 will be requested for
# review when someone opens a pull request.
*       @global-owner1 @global-owner2

# Order is important; the last matching pattern takes the most
# precedence. When someone opens a pull request that only
# modifies JS files, only @js-owner and not the global
# owner(s) will be requested for a review.
*.js    @js-owner #This is an inline comment.

# You can also use email addresses if you prefer. They'll be
# used to look up users just like we do for commit author
# emails.
*.go docs@example.com

# Teams can be specified as code owners as well. Teams should
# be identified in the format @org/team-name. Teams must have
# explicit write access to the repository. In this example,
# the octocats team in the octo-org organization owns all .txt files.
*.txt @octo-org/octocats

# In this example, @doctocat owns any files in the build/logs
# directory at the root of the repository and any of its
# subdirectories.
/build/logs/ @doctocat

# The \`docs/*\` pattern will match files like
# \`docs/getting-started.md\` but not further nested files like
# \`docs/build-app/troubleshooting.md\`.
docs/*  docs@example.com

# In this example, @octocat owns any file in an apps directory
# anywhere in your repository.
apps/ @octocat

# In this example, @doctocat owns any file in the \`/docs\`
# directory in the root of your repository and any of its
# subdirectories.
/docs/ @doctocat

# In this example, any change inside the \`/scripts\` directory
# will require approval from @doctocat or @octocat.
/scripts/ @doctocat @octocat

# In this example, @octocat owns any file in a \`/logs\` directory such as
# \`/build/logs\`, \`/scripts/logs\`, and \`/deeply/nested/logs\`. Any changes
# in a \`/logs\` directory will require approval from @octocat.
**/logs @octocat

# In this example, @octocat owns any file in the \`/apps\`
# directory in the root of your repository except for the \`/apps/github\`
# subdirectory, as its owners are left empty. Without an owner, changes
# to \`apps/github\` can be made with the approval of any user who has
# write access to the repository.
/apps/ @octocat
/apps/github

# In this example, @octocat owns any file in the \`/apps\`
# directory in the root of your repository except for the \`/apps/github\`
# subdirectory, as this subdirectory has its own owner @doctocat
/apps/ @octocat
/apps/github @doctocat
`;

/** Each path with the owners GitHub's docs describe for the whole file (the last matching line wins). */
const EXPECTED: [string, string][] = [
  ['README.md', '@global-owner1 @global-owner2'],
  ['src/index.js', '@js-owner'],
  ['cmd/server/main.go', 'docs@example.com'],
  ['notes.txt', '@octo-org/octocats'],
  ['build/logs/app.log', '@octocat'], // **/logs comes after /build/logs/
  ['docs/getting-started.md', '@doctocat'], // /docs/ comes after docs/*
  ['docs/build-app/troubleshooting.md', '@doctocat'],
  ['scripts/deploy.sh', '@doctocat @octocat'],
  ['scripts/logs/run.log', '@octocat'],
  ['deeply/nested/logs/x.log', '@octocat'],
  ['apps/web/index.js', '@octocat'],
  ['apps/github/index.js', '@doctocat'],
  ['lib/apps/util.rb', '@octocat'],
];

function repoWith(codeownersPath: string, text: string): Repo {
  const repo = Repo.init();
  repo.write({ [codeownersPath]: text });
  return repo;
}

describe('quality-gates owners', () => {
  it('prints path, a tab, then the owners as written, for paths given as arguments', async () => {
    const repo = repoWith('.github/CODEOWNERS', GITHUB_EXAMPLE);
    const result = await cli(['owners', ...EXPECTED.map(([p]) => p)], { cwd: repo.dir, env: repo.env });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(EXPECTED.map(([p, owners]) => `${p}\t${owners}\n`).join(''));
  });

  it('reads paths from standard input, one per line, when none are given', async () => {
    const repo = repoWith('CODEOWNERS', GITHUB_EXAMPLE);
    const stdin = EXPECTED.map(([p]) => p).join('\r\n') + '\n\n';
    const result = await cli(['owners'], { cwd: repo.dir, env: repo.env, stdin });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(EXPECTED.map(([p, owners]) => `${p}\t${owners}\n`).join(''));
  });

  it('prints "-" for unowned paths: no matching line, or a line without owners', async () => {
    const text = '/apps/ @octocat\n/apps/github\n*.md   @Docs-Team   @octo-org/Writers\n';
    const result = await cli(
      ['owners', '--codeowners', 'CO', 'apps/github/x.go', 'src/main.go', 'README.md', 'apps/a.go'],
      {
        cwd: repoWith('CO', text).dir,
        env: hermeticEnv(scratch()),
      },
    );
    expect(result.stdout).toBe(
      'apps/github/x.go\t-\nsrc/main.go\t-\nREADME.md\t@Docs-Team @octo-org/Writers\napps/a.go\t@octocat\n',
    );
  });

  it('finds CODEOWNERS the way GitHub does: .github/ first, then the root, then docs/', async () => {
    const repo = Repo.init();
    repo.write({ 'docs/CODEOWNERS': '* @from-docs\n', CODEOWNERS: '* @from-root\n' });
    const sub = path.join(repo.dir, 'docs');
    expect((await cli(['owners', 'a.txt'], { cwd: sub, env: repo.env })).stdout).toBe('a.txt\t@from-root\n');
    repo.write({ '.github/CODEOWNERS': '* @from-github\n' });
    expect((await cli(['owners', 'a.txt'], { cwd: sub, env: repo.env })).stdout).toBe('a.txt\t@from-github\n');
  });

  it('reports skipped CODEOWNERS lines on stderr with their line numbers', async () => {
    const text = [
      '* @all',
      '!docs/secret.md @nobody',
      'src/[ab].ts @ranges',
      '\\#notes @escaped',
      'lib/ @ok',
      'bad @not an owner',
      '',
    ].join('\n');
    const repo = repoWith('.github/CODEOWNERS', text);
    const result = await cli(['owners', 'lib/x.ts', 'src/a.ts'], { cwd: repo.dir, env: repo.env });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('lib/x.ts\t@ok\nsrc/a.ts\t@all\n');
    const lines = result.stderr.trim().split('\n');
    expect(lines.map((l) => l.split(':').slice(0, 2).join(':'))).toEqual([
      '.github/CODEOWNERS:2',
      '.github/CODEOWNERS:3',
      '.github/CODEOWNERS:4',
      '.github/CODEOWNERS:6',
    ]);
    expect(lines[0]).toMatch(/^\.github\/CODEOWNERS:2: skipped: .+: !docs\/secret\.md @nobody$/);
  });

  it('handles thousands of paths from standard input in one run', async () => {
    const repo = repoWith('.github/CODEOWNERS', GITHUB_EXAMPLE);
    const paths = Array.from({ length: 20_000 }, (_, i) => (i % 2 ? `apps/svc${i}/main.go` : `pkg/m${i}/x.go`));
    const started = Date.now();
    const result = await cli(['owners'], { cwd: repo.dir, env: repo.env, stdin: paths.join('\n') });
    expect(Date.now() - started).toBeLessThan(5_000);
    const out = result.stdout.split('\n');
    expect(out).toHaveLength(20_001);
    expect(out[0]).toBe('pkg/m0/x.go\tdocs@example.com');
    expect(out[1]).toBe('apps/svc1/main.go\t@octocat');
  });

  it('exits 2 with a message when there is no CODEOWNERS, or --codeowners cannot be read', async () => {
    const dir = scratch();
    mkdirSync(path.join(dir, 'docs'));
    writeFileSync(path.join(dir, 'docs', 'README.md'), '');
    const env = hermeticEnv(dir, { GIT_CEILING_DIRECTORIES: path.dirname(dir) });
    const none = await cli(['owners', 'a'], { cwd: dir, env });
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(
      `quality-gates: no CODEOWNERS file in ${dir} (looked for .github/CODEOWNERS, CODEOWNERS, docs/CODEOWNERS); pass --codeowners FILE\n`,
    );
    const missing = await cli(['owners', '--codeowners', 'nope', 'a'], { cwd: dir, env });
    expect(missing).toEqual({ code: 2, stdout: '', stderr: 'quality-gates: cannot read nope: no such file\n' });
  });
});
