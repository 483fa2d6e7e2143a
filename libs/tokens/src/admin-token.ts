import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UnauthenticatedError } from '@mycel/core';
import type { UserTokenIssuer, UserTokenValidator } from './user-tokens';

/** User name of the token written by {@link ensureAdminTokenFile}. */
export const ADMIN_USER_NAME = 'admin';

/** Options of {@link ensureAdminTokenFile}. */
export interface EnsureAdminTokenFileOptions {
  /** File that holds the token (one line). */
  readonly path: string;
  readonly issuer: Pick<UserTokenIssuer, 'issue'>;
  readonly validator: Pick<UserTokenValidator, 'validate'>;
  /** Validity of a newly issued token, in milliseconds. */
  readonly validForMs: number;
}

/** Outcome of {@link ensureAdminTokenFile}; it never carries the token itself. */
export interface AdminTokenFile {
  readonly path: string;
  /** True when a new token was written, false when the existing one was kept. */
  readonly created: boolean;
}

/**
 * Makes sure `path` holds a valid admin user token. An existing file whose token validates with
 * role admin is kept (its mode is tightened to 0600); a missing file, or one whose token is refused
 * (expired, revoked, signed by a deleted key, not admin, garbage), is replaced by a fresh token for
 * user `admin`, written atomically (temp file, fsync, rename) with mode 0600 in a directory created
 * with mode 0700. Errors other than a refused token (e.g. the store is unavailable) propagate, and
 * the file is left alone.
 */
export async function ensureAdminTokenFile(options: EnsureAdminTokenFileOptions): Promise<AdminTokenFile> {
  const { path, issuer, validator, validForMs } = options;
  const existing = await readIfExists(path);
  if (existing !== undefined && (await isAdminToken(existing, validator))) {
    if (((await stat(path)).mode & 0o777) !== 0o600) await chmod(path, 0o600);
    return { path, created: false };
  }
  const token = await issuer.issue({ name: ADMIN_USER_NAME, role: 'admin', validForMs });
  await writeAtomically(path, `${token}\n`);
  return { path, created: true };
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function isAdminToken(token: string, validator: Pick<UserTokenValidator, 'validate'>): Promise<boolean> {
  try {
    return (await validator.validate(token)).role === 'admin';
  } catch (err) {
    // A refused token is exactly the case this function repairs; anything else is not ours to hide.
    if (err instanceof UnauthenticatedError) return false;
    throw err;
  }
}

async function writeAtomically(path: string, content: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => {
      // The temp file may not exist any more (rename succeeded partway); the original error matters.
    });
    throw err;
  }
}
