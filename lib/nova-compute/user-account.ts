/**
 * The account nova-compute runs as (`nova_user`): uid, primary gid and home. /etc/passwd
 * first (no child process), then `getent passwd` for accounts from NSS (LDAP, sssd), bounded
 * by the deadline. A numeric name is taken as a uid.
 */
import { readFileSync } from 'node:fs';
import type { Deadline } from '../runtime/deadline';
import { runBounded } from './run-bounded';

export interface UserAccount {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

const GETENT_CAP_MS = 5_000;

export async function lookupUser(
  name: string,
  deadline: Deadline,
  passwdPath = '/etc/passwd',
): Promise<UserAccount | undefined> {
  const local = findInPasswd(readOrEmpty(passwdPath), name);
  if (local !== undefined) return local;
  const result = await runBounded('getent', ['passwd', name], deadline.budget(GETENT_CAP_MS));
  if (result.exitCode === 0) {
    const remote = findInPasswd(result.stdout, name);
    if (remote !== undefined) return remote;
  }
  if (/^\d+$/.test(name)) {
    const uid = Number(name);
    return { name, uid, gid: uid, home: '/' };
  }
  return undefined;
}

/** The entry whose name (or, for a numeric name, uid) matches, from passwd(5) text. */
export function findInPasswd(text: string, name: string): UserAccount | undefined {
  const byUid = /^\d+$/.test(name);
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 7) continue;
    const [entryName = '', , uidText = '', gidText = '', , home = '/'] = fields;
    if (byUid ? uidText !== name : entryName !== name) continue;
    const uid = Number(uidText);
    const gid = Number(gidText);
    if (!Number.isInteger(uid) || !Number.isInteger(gid) || uidText === '' || gidText === '') continue;
    return { name: entryName, uid, gid, home: home === '' ? '/' : home };
  }
  return undefined;
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
