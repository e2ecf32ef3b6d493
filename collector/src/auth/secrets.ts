// The collector's secrets: random, prefixed by kind (so a leaked one is recognised, and a read
// token pasted where an ingest key belongs is refused), and, for tokens, stored only as hashes.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type SecretKind = 'ingest' | 'read' | 'admin';

/** Distinct prefixes: the ingest key is public, the two tokens are secrets. */
export const SECRET_PREFIX: Readonly<Record<SecretKind, string>> = { ingest: 'ek_', read: 'er_', admin: 'ea_' };

/** 32 random bytes (256 bits) after the prefix, base64url: 43 characters. */
export const newSecret = (kind: SecretKind): string => SECRET_PREFIX[kind] + randomBytes(32).toString('base64url');

/** The kind a secret's prefix says, whatever the rest. */
export function kindOf(secret: string): SecretKind | undefined {
  for (const kind of Object.keys(SECRET_PREFIX) as SecretKind[]) if (secret.startsWith(SECRET_PREFIX[kind])) return kind;
  return undefined;
}

/**
 * SHA-256 of a token, as stored in the config file. A plain hash is enough for 256-bit random
 * tokens (nothing to guess, so no slow hash needed); it keeps a copy of the file from being a
 * copy of the tokens.
 */
export const hashToken = (token: string): string => 'sha256:' + createHash('sha256').update(token, 'utf8').digest('hex');

/** Compares two hashes in constant time (strings of different lengths are simply unequal). */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
