/**
 * Commit signatures as local git can check them, for the command line's snapshot.
 *
 * git's `%G?` runs gpg (or ssh-keygen) once per signed commit, about 40 ms each: on a long
 * branch of commits GitHub signed, that was most of a minute. So only the commits the
 * snapshot lists (at most 250) are read, and git is asked only about those it can answer
 * for:
 *
 * 1. the raw commit objects (one `git cat-file --batch`) say which commits carry a signature
 *    (a `gpgsig` or `gpgsig-sha256` header) and of which kind; a commit without one is
 *    unsigned, with no process started;
 * 2. an OpenPGP signature names the key that made it (its issuer key id or fingerprint). When
 *    that key is not in the local keyring (one `gpg --list-keys`), gpg would answer "no public
 *    key" (`%G?` = `E`): the commit is `cannot_verify_locally` without asking. This is the
 *    common case of commits GitHub signed (web edits, squash merges) on a machine without
 *    GitHub's key;
 * 3. the rest go to `git log --no-walk %G?`, in a few processes side by side.
 *
 * When gpg cannot list the keyring, or a signature cannot be read, git decides, as before.
 * (A gpg configured with `auto-key-retrieve` would fetch a missing key while verifying; step 2
 * does not: the commit stays `cannot_verify_locally`.)
 */
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { CommitSignature } from '../../gates/snapshot.js';
import type { Git } from './git.js';

/** States this module adds to GitHub's signature vocabulary. */
export const LOCAL_SIGNATURE_STATES = {
  /** The commit is signed, but git cannot check the signature here (no public key, no allowed-signers file, no gpg). */
  cannotVerify: 'cannot_verify_locally',
  /** The signature is intact, but the key is not trusted here (GPG trust, or not in `gpg.ssh.allowedSignersFile`). */
  untrusted: 'untrusted_key',
  /** The commit is signed; the signature was not checked, because no enabled gate needs it. */
  notChecked: 'not_checked_locally',
} as const;

/** What `readSignatures` needs of each listed commit. */
export interface CommitRef {
  readonly sha: string;
  readonly committerEmail: string;
}

/** Most `git log %G?` processes run side by side. */
const MAX_VERIFIERS = 4;

/**
 * The signature of each commit (by sha): `null` when it carries none. With `verify: false`
 * a signed commit is `not_checked_locally` and no verifier runs.
 */
export async function readSignatures(
  git: Git,
  commits: readonly CommitRef[],
  options: { verify: boolean },
): Promise<Map<string, CommitSignature | null>> {
  const result = new Map<string, CommitSignature | null>();
  if (commits.length === 0) return result;
  const raw = await git.exec(['cat-file', '--batch'], { input: `${commits.map((c) => c.sha).join('\n')}\n` });
  const objects = raw.code === 0 ? parseCatFileBatch(raw.stdout) : new Map<string, string>();

  const ask: CommitRef[] = [];
  let keyring: Keyring | null | undefined; // undefined: not listed yet
  for (const commit of commits) {
    const object = objects.get(commit.sha);
    const signature = object === undefined ? undefined : signatureOf(object);
    const byGitHub = isGitHubCommitter(commit.committerEmail);
    if (signature === null) {
      result.set(commit.sha, null);
      continue;
    }
    if (!options.verify) {
      result.set(commit.sha, { isValid: false, state: LOCAL_SIGNATURE_STATES.notChecked, wasSignedByGitHub: byGitHub });
      continue;
    }
    const issuer = signature !== undefined && signatureKind(signature) === 'openpgp' ? openpgpIssuer(signature) : null;
    if (issuer) {
      if (keyring === undefined) keyring = await listKeyring(git);
      if (keyring && !keyring.has(issuer)) {
        result.set(commit.sha, signatureFromGit('E', true, commit.committerEmail));
        continue;
      }
    }
    ask.push(commit);
  }

  const statuses = await verifyWithGit(
    git,
    ask.map((c) => c.sha),
  );
  for (const commit of ask) {
    // Without the object (it could not be read), git's own N is taken at its word.
    const status = statuses.get(commit.sha) ?? 'E';
    result.set(commit.sha, signatureFromGit(status, objects.has(commit.sha) || status !== 'N', commit.committerEmail));
  }
  return result;
}

/** `git log --no-walk=unsorted --stdin --format=%H %G?` over a few processes; sha → status letter. */
async function verifyWithGit(git: Git, shas: readonly string[]): Promise<Map<string, string>> {
  const statuses = new Map<string, string>();
  if (shas.length === 0) return statuses;
  const workers = Math.max(1, Math.min(MAX_VERIFIERS, availableParallelism(), shas.length));
  const size = Math.ceil(shas.length / workers);
  const chunks = Array.from({ length: workers }, (_, i) => shas.slice(i * size, (i + 1) * size)).filter(
    (c) => c.length > 0,
  );
  // gpg and ssh-keygen complain on stderr about keys they lack: ignored, the letter says it.
  const outputs = await Promise.all(
    chunks.map((chunk) =>
      git.exec(['log', '--no-walk=unsorted', '--stdin', '--no-color', '--format=%H %G?'], {
        input: `${chunk.join('\n')}\n`,
      }),
    ),
  );
  for (const out of outputs)
    for (const [sha, status] of parseVerifyOutput(out.stdout.toString('utf8'))) statuses.set(sha, status);
  return statuses;
}

/** `%H %G?` lines → sha → letter. */
export function parseVerifyOutput(out: string): Map<string, string> {
  const statuses = new Map<string, string>();
  for (const line of out.split('\n')) {
    const match = /^([0-9a-f]{40,64}) ([A-Z])$/.exec(line.trim());
    if (match) statuses.set(match[1]!, match[2]!);
  }
  return statuses;
}

const isGitHubCommitter = (email: string) => email.trim().toLowerCase() === 'noreply@github.com';

/**
 * Maps git's `%G?` to the snapshot's signature (GitHub's vocabulary where it has a word):
 *
 * | `%G?` | meaning (git)                                  | snapshot                                  |
 * |-------|------------------------------------------------|-------------------------------------------|
 * | G     | good signature                                 | valid (verified)                          |
 * | U     | good signature, key not trusted / not allowed  | `untrusted_key`, not verified             |
 * | B     | bad signature                                  | `invalid`, not verified                   |
 * | X     | good signature that has expired                | `expired_signature`, not verified         |
 * | Y     | good signature by an expired key               | `expired_key`, not verified               |
 * | R     | good signature by a revoked key                | `revoked_key`, not verified               |
 * | E     | signature cannot be checked (e.g. missing key) | `cannot_verify_locally`, not verified     |
 * | N     | no signature                                   | `null` (unsigned) — unless the commit does carry one, then `cannot_verify_locally` |
 *
 * `wasSignedByGitHub` is true for a signed commit whose committer is GitHub (`noreply@github.com`:
 * web edits, merges in the UI); git can check GitHub's signature only with GitHub's key imported.
 */
export function signatureFromGit(status: string, hasSignature: boolean, committerEmail = ''): CommitSignature | null {
  const sig = (isValid: boolean, state: string): CommitSignature => ({
    isValid,
    state,
    wasSignedByGitHub: isGitHubCommitter(committerEmail),
  });
  switch (status) {
    case 'G':
      return sig(true, 'valid');
    case 'U':
      return sig(false, LOCAL_SIGNATURE_STATES.untrusted);
    case 'B':
      return sig(false, 'invalid');
    case 'X':
      return sig(false, 'expired_signature');
    case 'Y':
      return sig(false, 'expired_key');
    case 'R':
      return sig(false, 'revoked_key');
    case 'N':
      return hasSignature ? sig(false, LOCAL_SIGNATURE_STATES.cannotVerify) : null;
    default:
      return sig(false, LOCAL_SIGNATURE_STATES.cannotVerify);
  }
}

// ---- commit objects ----------------------------------------------------------------------

/** `git cat-file --batch` output → sha → the object's text, for the commits in it ("<sha> missing" is left out). */
export function parseCatFileBatch(buf: Buffer): Map<string, string> {
  const objects = new Map<string, string>();
  let at = 0;
  while (at < buf.length) {
    const eol = buf.indexOf(0x0a, at);
    if (eol < 0) break;
    const [sha = '', type = '', size = ''] = buf.subarray(at, eol).toString('utf8').split(' ');
    at = eol + 1;
    if (!/^\d+$/.test(size)) continue; // "<sha> missing", "<name> ambiguous"
    const length = Number(size);
    if (type === 'commit') objects.set(sha, buf.subarray(at, at + length).toString('utf8'));
    at += length + 1; // the object, then a newline
  }
  return objects;
}

/** The signature in a commit object's `gpgsig` / `gpgsig-sha256` header (continuation lines joined), or null. */
export function signatureOf(commitObject: string): string | null {
  const end = commitObject.indexOf('\n\n');
  const lines = (end >= 0 ? commitObject.slice(0, end) : commitObject).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^gpgsig(?:-sha256)? (.*)$/.exec(lines[i]!);
    if (!match) continue;
    const value = [match[1]!];
    while (i + 1 < lines.length && lines[i + 1]!.startsWith(' ')) value.push(lines[++i]!.slice(1));
    return value.join('\n');
  }
  return null;
}

export type SignatureKind = 'openpgp' | 'ssh' | 'x509' | 'unknown';

/** The kind of signature, from its armor, as git tells them apart. */
export function signatureKind(signature: string): SignatureKind {
  const first = signature.trimStart().split('\n')[0]?.trim() ?? '';
  if (first === '-----BEGIN PGP SIGNATURE-----' || first === '-----BEGIN PGP MESSAGE-----') return 'openpgp';
  if (first === '-----BEGIN SSH SIGNATURE-----') return 'ssh';
  if (first === '-----BEGIN SIGNED MESSAGE-----') return 'x509';
  return 'unknown';
}

// ---- OpenPGP -------------------------------------------------------------------------------

/** The key an OpenPGP signature names: 16-hex-digit key ids and fingerprints, upper case. */
export interface Issuer {
  readonly keyIds: readonly string[];
  readonly fingerprints: readonly string[];
}

/**
 * The issuer of an armored OpenPGP signature (RFC 9580 §5.2: the Issuer Key ID and Issuer
 * Fingerprint subpackets of v4/v6 signatures, the key id of v3 ones). `null` when the armor or
 * the packets cannot be read, or no issuer is named.
 */
export function openpgpIssuer(armored: string): Issuer | null {
  const data = dearmor(armored);
  if (!data) return null;
  const keyIds = new Set<string>();
  const fingerprints = new Set<string>();
  for (const packet of readPackets(data) ?? []) {
    if (packet.tag !== 2) continue; // signature packets only
    readSignaturePacket(packet.body, keyIds, fingerprints);
  }
  return keyIds.size + fingerprints.size > 0 ? { keyIds: [...keyIds], fingerprints: [...fingerprints] } : null;
}

/** The bytes inside ASCII armor: after the header lines and the blank line, up to the `=` checksum. */
function dearmor(armored: string): Buffer | null {
  const lines = armored.split(/\r?\n/).map((l) => l.trim());
  const begin = lines.findIndex((l) => /^-----BEGIN PGP (SIGNATURE|MESSAGE)-----$/.test(l));
  if (begin < 0) return null;
  let i = begin + 1;
  while (i < lines.length && lines[i] !== '' && lines[i]!.includes(':')) i++; // armor headers ("Version: …")
  let base64 = '';
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('-----END ') || line.startsWith('=')) break;
    base64 += line;
  }
  if (base64 === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return null;
  return Buffer.from(base64, 'base64');
}

/** The body length of an old-format packet whose length field (of `lengthType`) starts at `at`. */
function oldFormatLength(data: Buffer, at: number, lengthType: number): number {
  switch (lengthType) {
    case 0:
      return data[at]!;
    case 1:
      return data.readUInt16BE(at);
    case 2:
      return data.readUInt32BE(at);
    default:
      return data.length - at; // indeterminate: the packet runs to the end
  }
}

/** OpenPGP packets (old and new header formats); null when a header is malformed or lengths are partial. */
function readPackets(data: Buffer): { tag: number; body: Buffer }[] | null {
  const packets: { tag: number; body: Buffer }[] = [];
  let at = 0;
  while (at < data.length) {
    const header = data[at++]!;
    if ((header & 0x80) === 0) return null;
    let tag: number;
    let length: number;
    if (header & 0x40) {
      tag = header & 0x3f;
      const first = data[at++];
      if (first === undefined) return null;
      if (first < 192) length = first;
      else if (first < 224) {
        if (at >= data.length) return null;
        length = ((first - 192) << 8) + data[at++]! + 192;
      } else if (first === 255) {
        if (at + 4 > data.length) return null;
        length = data.readUInt32BE(at);
        at += 4;
      } else return null; // partial body lengths: not used for signatures
    } else {
      tag = (header >> 2) & 0x0f;
      const lengthType = header & 0x03;
      const size = [1, 2, 4, 0][lengthType]!;
      if (at + size > data.length) return null;
      length = oldFormatLength(data, at, lengthType);
      at += size;
    }
    if (at + length > data.length) return null;
    packets.push({ tag, body: data.subarray(at, at + length) });
    at += length;
  }
  return packets;
}

const hex = (bytes: Buffer) => bytes.toString('hex').toUpperCase();

function readSignaturePacket(body: Buffer, keyIds: Set<string>, fingerprints: Set<string>): void {
  const version = body[0];
  if (version === 3) {
    // v3: version, hashed length (5), type, creation time (4), then the 8-byte key id.
    if (body.length >= 15) keyIds.add(hex(body.subarray(7, 15)));
    return;
  }
  if (version !== 4 && version !== 5 && version !== 6) return;
  const countSize = version === 6 ? 4 : 2;
  let at = 4; // version, type, public-key algorithm, hash algorithm
  for (let area = 0; area < 2; area++) {
    if (at + countSize > body.length) return;
    const count = countSize === 4 ? body.readUInt32BE(at) : body.readUInt16BE(at);
    at += countSize;
    if (at + count > body.length) return;
    readSubpackets(body.subarray(at, at + count), keyIds, fingerprints);
    at += count;
  }
}

function readSubpackets(area: Buffer, keyIds: Set<string>, fingerprints: Set<string>): void {
  let at = 0;
  while (at < area.length) {
    const first = area[at++]!;
    let length: number;
    if (first < 192) length = first;
    else if (first < 255) {
      if (at >= area.length) return;
      length = ((first - 192) << 8) + area[at++]! + 192;
    } else {
      if (at + 4 > area.length) return;
      length = area.readUInt32BE(at);
      at += 4;
    }
    if (length < 1 || at + length > area.length) return;
    const type = area[at]! & 0x7f; // the top bit marks a critical subpacket
    const data = area.subarray(at + 1, at + length);
    at += length;
    if (type === 16 && data.length === 8) keyIds.add(hex(data));
    if (type === 33 && data.length >= 21) {
      // Issuer Fingerprint: a key version, then the fingerprint (20 bytes for v4, 32 for v5/v6).
      const fingerprint = data.subarray(1);
      fingerprints.add(hex(fingerprint));
      keyIds.add(hex(data[0] === 4 ? fingerprint.subarray(fingerprint.length - 8) : fingerprint.subarray(0, 8)));
    }
  }
}

// ---- the keyring ---------------------------------------------------------------------------

/** The keys (and subkeys) of the local keyring, by key id and fingerprint. */
export interface Keyring {
  has(issuer: Issuer): boolean;
}

/** `gpg --with-colons --list-keys`: key ids (field 5 of `pub`/`sub`) and fingerprints (field 10 of `fpr`). */
export function parseKeyring(out: string): Keyring {
  const ids = new Set<string>();
  for (const line of out.split('\n')) {
    const fields = line.split(':');
    if ((fields[0] === 'pub' || fields[0] === 'sub') && fields[4]) ids.add(fields[4].toUpperCase());
    if (fields[0] === 'fpr' && fields[9]) ids.add(fields[9].toUpperCase());
  }
  return { has: (issuer) => [...issuer.keyIds, ...issuer.fingerprints].some((id) => ids.has(id)) };
}

/**
 * The keyring gpg verifies with, listed by the program git would run (`gpg.openpgp.program`,
 * else `gpg.program`, else `gpg`) in git's environment; null when it cannot be listed.
 */
async function listKeyring(git: Git): Promise<Keyring | null> {
  const program = gpgProgramFrom((await git.maybe(['config', '--get-regexp', '^gpg\\.(openpgp\\.)?program$'])) ?? '');
  return new Promise((resolve) => {
    execFile(
      program,
      ['--batch', '--no-tty', '--no-auto-check-trustdb', '--with-colons', '--list-keys'],
      { cwd: git.cwd, env: git.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, windowsHide: true },
      (error, stdout) => resolve(error ? null : parseKeyring(stdout)),
    );
  });
}

/** `git config --get-regexp '^gpg\.(openpgp\.)?program$'`: `gpg.openpgp.program` wins over `gpg.program`; the last value of each counts. */
export function gpgProgramFrom(out: string): string {
  const values = new Map<string, string>();
  for (const line of out.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0 && line.slice(space + 1).trim() !== '')
      values.set(line.slice(0, space).toLowerCase(), line.slice(space + 1).trim());
  }
  return values.get('gpg.openpgp.program') ?? values.get('gpg.program') ?? 'gpg';
}
