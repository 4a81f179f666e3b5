/**
 * A real OpenPGP signature for the signature tests, made once with a throwaway ed25519 key
 * (`gpg --quick-gen-key 'Dana Developer <dana@example.com>' ed25519`, then `git commit -S`
 * of an empty tree): the public key, the signed commit object as git stored it, and the key's
 * ids. Writing `SIGNED_COMMIT` into a repository gives a commit whose signature verifies
 * against `PUBLIC_KEY`; the same `gpgsig` header on any other commit is a bad signature.
 */
export const PUBLIC_KEY = `-----BEGIN PGP PUBLIC KEY BLOCK-----

mDMEaxPMnBYJKwYBBAHaRw8BAQdA2QzJfkeUThEuwpvpOQOSV66DHLSyS5ZDrN7a
zDXAeuC0IURhbmEgRGV2ZWxvcGVyIDxkYW5hQGV4YW1wbGUuY29tPoiQBBMWCAA4
FiEEWkV6i6vwoxV8gsrjZFIkzMsQw8gFAmsTzJwCGwMFCwkIBwIGFQoJCAsCBBYC
AwECHgECF4AACgkQZFIkzMsQw8i8FwD+Ois2qLBGF5zTmiAkt0VQ4CLXTaG7AV6B
NSZbivcSNcEBAMZiGbwhRKrWKu22yqvJyEZs5Y37HtAC6UytNsgqTf8M
=LtgY
-----END PGP PUBLIC KEY BLOCK-----
`;

export const KEY_ID = '645224CCCB10C3C8';
export const FINGERPRINT = '5A457A8BABF0A3157C82CAE3645224CCCB10C3C8';

/** The signature, as the `gpgsig` header holds it (continuation lines without their leading space). */
export const SIGNATURE = `-----BEGIN PGP SIGNATURE-----

iIcEABYIAC8WIQRaRXqLq/CjFXyCyuNkUiTMyxDDyAUCaxPMnBEcZGFuYUBleGFt
cGxlLmNvbQAKCRBkUiTMyxDDyBXzAQDt+83Q9VPANSAHdgGGTjAF51ubyBucjx1w
+WP/b5EEqwD/enhQrCTxobIV7MUR9B2EZijurmIn9wKdVKakgP5mvAk=
=bIkp
-----END PGP SIGNATURE-----`;

/** `git cat-file commit` of the signed commit. */
export const SIGNED_COMMIT = `tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904
author Dana Developer <dana@example.com> 1796459676 +0000
committer Dana Developer <dana@example.com> 1796459676 +0000
gpgsig ${SIGNATURE.split('\n').join('\n ')}

Signed
`;
