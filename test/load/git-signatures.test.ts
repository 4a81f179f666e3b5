/**
 * Reading commit signatures for the command line: `%G?` mapping, the parsing of commit objects,
 * OpenPGP issuers and the keyring, and — with the git and gpg on this machine — that gpg runs only
 * for signatures it can check (a wrapper as `gpg.program` counts its `--verify` runs).
 */
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { createGit } from '../../src/load/git.js';
import { LOCAL_ONLY_STATES } from '../../gates/signed-commits/index.js';
import {
  LOCAL_SIGNATURE_STATES,
  gpgProgramFrom,
  openpgpIssuer,
  parseCatFileBatch,
  parseKeyring,
  parseVerifyOutput,
  readSignatures,
  signatureFromGit,
  signatureKind,
  signatureOf,
} from '../../src/load/git-signatures.js';
import { FINGERPRINT, KEY_ID, SIGNATURE, SIGNED_COMMIT } from '../fixtures/openpgp-fixture.js';
import { Repo, cleanup, countingGpg, hasGpg, importFixtureKey } from '../cli/support.js';

afterAll(cleanup);

describe('signatureFromGit (%G?)', () => {
  it.each([
    ['G', true, { isValid: true, state: 'valid' }],
    ['U', true, { isValid: false, state: 'untrusted_key' }],
    ['B', true, { isValid: false, state: 'invalid' }],
    ['X', true, { isValid: false, state: 'expired_signature' }],
    ['Y', true, { isValid: false, state: 'expired_key' }],
    ['R', true, { isValid: false, state: 'revoked_key' }],
    ['E', true, { isValid: false, state: 'cannot_verify_locally' }],
    // git says N for an SSH signature without gpg.ssh.allowedSignersFile: the commit still carries one.
    ['N', true, { isValid: false, state: 'cannot_verify_locally' }],
  ])('%s → %o', (status, hasSignature, expected) => {
    expect(signatureFromGit(status, hasSignature)).toEqual({ ...expected, wasSignedByGitHub: false });
  });

  it('its own states are the ones signed-commits words as "cannot be verified here"', () => {
    expect(new Set(Object.values(LOCAL_SIGNATURE_STATES))).toEqual(LOCAL_ONLY_STATES);
  });

  it('N without a signature header is unsigned (null), never "cannot verify"', () => {
    expect(signatureFromGit('N', false)).toBeNull();
  });

  it('marks commits GitHub signed (committer noreply@github.com)', () => {
    expect(signatureFromGit('E', true, 'noreply@github.com')).toEqual({
      isValid: false,
      state: 'cannot_verify_locally',
      wasSignedByGitHub: true,
    });
  });
});

describe('commit objects', () => {
  const unsigned =
    'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\nNot signed\n\ngpgsig in the message is not a header\n';

  it('cat-file --batch: objects by sha; missing ones left out; sizes in bytes, not characters', () => {
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    const body = 'tree x\n\nnaïve ✓\n';
    const out = Buffer.concat([
      Buffer.from(`${a} commit ${Buffer.byteLength(body)}\n${body}\n`),
      Buffer.from(`${'c'.repeat(40)} missing\n`),
      Buffer.from(`${b} commit ${Buffer.byteLength(unsigned)}\n${unsigned}\n`),
    ]);
    const objects = parseCatFileBatch(out);
    expect([...objects.keys()]).toEqual([a, b]);
    expect(objects.get(a)).toBe(body);
    expect(objects.get(b)).toBe(unsigned);
  });

  it('the gpgsig header, continuation lines joined; none in the message', () => {
    expect(signatureOf(SIGNED_COMMIT)).toBe(SIGNATURE);
    expect(signatureOf(SIGNED_COMMIT.replace('gpgsig ', 'gpgsig-sha256 '))).toBe(SIGNATURE);
    expect(signatureOf(unsigned)).toBeNull();
  });

  it.each([
    [SIGNATURE, 'openpgp'],
    ['-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----', 'ssh'],
    ['-----BEGIN SIGNED MESSAGE-----\nMIAG\n-----END SIGNED MESSAGE-----', 'x509'],
    ['garbage', 'unknown'],
  ])('the kind of %j is %s', (signature, kind) => {
    expect(signatureKind(signature)).toBe(kind);
  });
});

describe('OpenPGP issuers', () => {
  it('reads the issuer key id and fingerprint of a v4 signature (gpg 2.2, ed25519)', () => {
    expect(openpgpIssuer(SIGNATURE)).toEqual({ keyIds: [KEY_ID], fingerprints: [FINGERPRINT] });
  });

  it('reads the key id of a v3 signature in an old-format packet, past armor headers', () => {
    const keyId = Buffer.from('0123456789ABCDEF', 'hex');
    const body = Buffer.concat([
      Buffer.from([3, 5, 0x00, 0, 0, 0, 1]),
      keyId,
      Buffer.from([1, 8, 0xab, 0xcd, 0, 8, 0xff]),
    ]);
    const packet = Buffer.concat([Buffer.from([0x88, body.length]), body]);
    const armored = `-----BEGIN PGP SIGNATURE-----\nVersion: GnuPG v1\nComment: old\n\n${packet.toString('base64')}\n=abcd\n-----END PGP SIGNATURE-----`;
    expect(openpgpIssuer(armored)).toEqual({ keyIds: ['0123456789ABCDEF'], fingerprints: [] });
  });

  it.each([
    ['no armor', 'iIcEABYIAC8WIQRaRXqLq'],
    ['not base64', '-----BEGIN PGP SIGNATURE-----\n\n!!!!\n-----END PGP SIGNATURE-----'],
    [
      'a truncated packet',
      `-----BEGIN PGP SIGNATURE-----\n\n${Buffer.from([0xc2, 0x40, 4, 0, 22, 8]).toString('base64')}\n-----END PGP SIGNATURE-----`,
    ],
    [
      'no issuer subpacket',
      `-----BEGIN PGP SIGNATURE-----\n\n${Buffer.from([0xc2, 8, 4, 0, 22, 8, 0, 0, 0, 0]).toString('base64')}\n-----END PGP SIGNATURE-----`,
    ],
  ])('%s: null, so git decides', (_name, armored) => {
    expect(openpgpIssuer(armored)).toBeNull();
  });

  it('the keyring (gpg --with-colons --list-keys): primary keys, subkeys and fingerprints', () => {
    const keyring = parseKeyring(
      [
        'tru::1:1700000000:0:3:1:5',
        `pub:u:255:22:${KEY_ID}:1700000000:::u:::scSC:::::ed25519:::0:`,
        `fpr:::::::::${FINGERPRINT}:`,
        'uid:u::::1700000000::0FDD::Dana Developer <dana@example.com>::::::::::0:',
        'sub:u:255:18:1111222233334444:1700000000::::::e:::::cv25519::',
        'fpr:::::::::AAAABBBBCCCCDDDDEEEEFFFF1111222233334444:',
      ].join('\n'),
    );
    expect(keyring.has({ keyIds: [KEY_ID], fingerprints: [] })).toBe(true);
    expect(keyring.has({ keyIds: [], fingerprints: [FINGERPRINT] })).toBe(true);
    expect(keyring.has({ keyIds: ['1111222233334444'], fingerprints: [] })).toBe(true);
    expect(
      keyring.has({ keyIds: ['4AEE18F83AFDEB23'], fingerprints: ['968479A1AFF927E37D1A566BB5690EEEBB952194'] }),
    ).toBe(false);
    expect(parseKeyring('').has({ keyIds: [KEY_ID], fingerprints: [] })).toBe(false);
  });

  it('the gpg program git runs: gpg.openpgp.program, else gpg.program, else gpg', () => {
    expect(gpgProgramFrom('')).toBe('gpg');
    expect(gpgProgramFrom('gpg.program /usr/bin/gpg2\n')).toBe('/usr/bin/gpg2');
    expect(gpgProgramFrom('gpg.openpgp.program /opt/gpg\ngpg.program /usr/bin/gpg2\n')).toBe('/opt/gpg');
    expect(gpgProgramFrom('gpg.program first\ngpg.program /usr/local/bin/my gpg\n')).toBe('/usr/local/bin/my gpg');
  });

  it('%H %G? lines', () => {
    expect([...parseVerifyOutput(`${'a'.repeat(40)} E\n${'b'.repeat(40)} G\nwarning: noise\n`)]).toEqual([
      ['a'.repeat(40), 'E'],
      ['b'.repeat(40), 'G'],
    ]);
  });
});

describe.skipIf(!hasGpg)('readSignatures with the git and gpg on this machine', () => {
  /** A repository with the fixture's signed commit, the same signature on another commit (bad), and an unsigned one. */
  function setup() {
    const repo = Repo.init();
    repo.commit('Initial');
    const hash = (text: string) =>
      execFileSync('git', ['hash-object', '-t', 'commit', '-w', '--stdin'], {
        cwd: repo.dir,
        env: repo.env,
        input: text,
        encoding: 'utf8',
      }).trim();
    const good = hash(SIGNED_COMMIT);
    const bad = hash(SIGNED_COMMIT.replace('\nSigned\n', '\nTampered\n'));
    const unsigned = repo.commit('Unsigned');
    const { env, verifications } = countingGpg(repo);
    const read = (verify = true) =>
      readSignatures(
        createGit(repo.dir, env),
        [good, bad, unsigned].map((sha) => ({ sha, committerEmail: 'dana@example.com' })),
        { verify },
      ).then((m) => [good, bad, unsigned].map((sha) => m.get(sha)?.state ?? null));
    const importKey = () => importFixtureKey(repo);
    return { read, verifications, importKey };
  }

  it('without the key in the keyring, a signed commit is cannot_verify_locally and gpg never verifies', async () => {
    const { read, verifications } = setup();
    expect(await read()).toEqual(['cannot_verify_locally', 'cannot_verify_locally', null]);
    expect(verifications()).toBe(0);
  });

  it('with the key, gpg verifies each signed commit once: valid, invalid; the unsigned one is not asked about', async () => {
    const { read, verifications, importKey } = setup();
    importKey();
    expect(await read()).toEqual(['valid', 'invalid', null]);
    expect(verifications()).toBe(2);
  });

  it('verify: false checks nothing: signed commits are not_checked_locally', async () => {
    const { read, verifications, importKey } = setup();
    importKey();
    expect(await read(false)).toEqual(['not_checked_locally', 'not_checked_locally', null]);
    expect(verifications()).toBe(0);
  });
});
