/**
 * The Keystone token kept between agent invocations: Pacemaker forks an agent for every
 * operation, and a token issue costs a Keystone round trip (and, on busy clouds, seconds).
 *
 * One 0600 JSON file per identity under the agents' state directory. The file name is a
 * hash of auth_url, user, project and domains (or the application credential id/name):
 * never the password. A file that is group/other accessible or owned by someone else is
 * ignored, not trusted. Expiry is kept on the local clock (issue time + lifetime) so a
 * skewed clock on the controller does not make us use expired tokens.
 *
 * The file also keeps a salted digest of the password (or application credential secret)
 * the token was issued for: a token is reused only for the same secret, so an operator who
 * mistypes a new password learns it at once, not when the old token expires.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../runtime/errors';
import { log } from '../runtime/log';
import type { Catalog } from './catalog';
import type { AuthSpec } from './credentials';

export interface CachedToken {
  readonly token: string;
  /** Local-clock milliseconds when the token was obtained and when it expires. */
  readonly obtainedAt: number;
  readonly expiresAt: number;
  /** The v3 identity URL found by discovery, so a cached token needs no discovery either. */
  readonly identityUrl: string;
  readonly catalog: Catalog;
  readonly userId: string | null;
  readonly projectId: string | null;
  /** Salted SHA-256 of the secret the token was issued for (hex). */
  readonly secretCheck?: { readonly salt: string; readonly digest: string };
}

function secretOf(spec: AuthSpec): string {
  return spec.method.type === 'password' ? spec.method.password : spec.method.secret;
}

function digest(salt: string, secret: string): string {
  return createHash('sha256').update(salt).update('\0').update(secret).digest('hex');
}

export function secretCheckFor(spec: AuthSpec): { salt: string; digest: string } {
  const salt = randomBytes(16).toString('hex');
  return { salt, digest: digest(salt, secretOf(spec)) };
}

/** True only when the cached token was issued for this very secret. */
export function issuedForSecret(token: CachedToken, spec: AuthSpec): boolean {
  if (!token.secretCheck) return false;
  const expected = Buffer.from(token.secretCheck.digest, 'hex');
  const actual = Buffer.from(digest(token.secretCheck.salt, secretOf(spec)), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Renew this long before expiry (or half the lifetime of a short-lived token). */
export const DEFAULT_RENEW_MARGIN_MS = 5 * 60_000;

export function tokenCacheKey(spec: AuthSpec): string {
  const { method } = spec;
  const identity =
    method.type === 'password'
      ? { user: method.user, project: method.project }
      : { applicationCredential: method.credential };
  return createHash('sha256')
    .update(JSON.stringify({ authUrl: spec.authUrl.replace(/\/+$/, ''), ...identity }))
    .digest('hex')
    .slice(0, 32);
}

export function tokenCachePath(stateDir: string, key: string): string {
  return join(stateDir, `keystone-token-${key}.json`);
}

export function isFresh(token: CachedToken, now: number, marginMs = DEFAULT_RENEW_MARGIN_MS): boolean {
  const lifetime = token.expiresAt - token.obtainedAt;
  const margin = Math.min(marginMs, Math.max(0, lifetime / 2));
  return token.expiresAt - now > margin;
}

function isCachedToken(value: unknown): value is CachedToken {
  if (value === null || typeof value !== 'object') return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.token === 'string' &&
    typeof record.obtainedAt === 'number' &&
    typeof record.expiresAt === 'number' &&
    typeof record.identityUrl === 'string' &&
    Array.isArray(record.catalog)
  );
}

/** The cached token, or undefined when absent, unreadable, untrusted or malformed. */
export function readCachedToken(path: string): CachedToken | undefined {
  try {
    const stat = statSync(path);
    const myUid = process.getuid?.();
    if ((stat.mode & 0o077) !== 0 || (myUid !== undefined && stat.uid !== myUid)) {
      log.warn(`ignoring token cache ${path}: it must be mode 0600 and owned by this user`);
      return undefined;
    }
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return isCachedToken(parsed) ? parsed : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      log.debug(`token cache ${path} unusable: ${errorMessage(error)}`);
    }
    return undefined;
  }
}

/** Writes atomically (temp file + rename) with mode 0600; a failure only costs a re-auth later. */
export function writeCachedToken(path: string, stateDir: string, token: CachedToken): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    writeFileSync(temp, JSON.stringify(token), { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, path);
  } catch (error) {
    log.warn(`cannot write the token cache ${path}: ${errorMessage(error)}`);
    try {
      unlinkSync(temp);
    } catch {
      // Nothing was written.
    }
  }
}

export function removeCachedToken(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
