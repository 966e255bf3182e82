/**
 * The name Nova knows this compute node by, found the way the classic NovaCompute and
 * nova-compute-wait agents find it (notes §3, §4, §7): `[DEFAULT] host` as nova-compute itself
 * reads it from nova.conf and nova.conf.d, else `<short node name>.<domain>` when a domain is
 * given, else the node name. Then checked against Nova's nova-compute services, which the
 * classic agents never did, so a wrong name fails with a message that says what to fix.
 *
 * Everything here is pure except listNovaConfFiles, which only reads the files.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NotInstalledError, errorMessage } from '../runtime/errors';

export interface NovaConfFile {
  readonly path: string;
  readonly text: string;
}

export type NovaHostSource = 'nova.conf' | 'short name + domain' | 'node name';

export interface ResolvedNovaHost {
  readonly host: string;
  readonly source: NovaHostSource;
}

export type NovaHostCheck = { readonly ok: true } | { readonly ok: false; readonly message: string };

/**
 * `[DEFAULT] host` across the files in the order given (nova.conf first, then the drop-ins
 * sorted), read with oslo.config's own ini rules:
 * - a line starting with `[` opens a section; the name is case-sensitive (`[default]` is not DEFAULT);
 * - a line starting with `#` or `;` is a comment; text after a value is NOT a comment;
 * - `key = value` or `key: value`, whichever separator comes first; whitespace around both trimmed;
 *   one pair of matching surrounding quotes is removed;
 * - an indented line continues the previous value (joined with a newline); a blank line ends it.
 * The last assignment wins, in a file and across files, so an empty `host =` in a later
 * drop-in clears an earlier one; an empty or whitespace-only result counts as unset.
 */
export function readNovaConfHost(files: readonly NovaConfFile[]): string | undefined {
  let host: string | undefined;
  for (const file of files) {
    const inFile = hostInText(file.text);
    if (inFile !== undefined) host = inFile;
  }
  return host === undefined || host.trim() === '' ? undefined : host;
}

/** The last `[DEFAULT] host` one file assigns, or undefined when it assigns none. */
function hostInText(text: string): string | undefined {
  let section: string | undefined;
  let key: string | undefined;
  let parts: string[] = [];
  let host: string | undefined;

  const finish = (): void => {
    if (key === 'host' && section === 'DEFAULT') host = parts.join('\n');
    key = undefined;
    parts = [];
  };

  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (line === '') {
      finish();
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      // oslo rejects a continuation with nothing to continue; nova-compute would not start
      // with such a file, so it cannot be what decides the name: skip it.
      if (key !== undefined) parts.push(line.trimStart());
      continue;
    }
    finish();
    if (line.startsWith('[')) {
      section = line.endsWith(']') ? line.slice(1, -1) : undefined; // oslo does not trim the name
    } else if (line.startsWith('#') || line.startsWith(';')) {
      continue;
    } else {
      const assignment = splitAssignment(line);
      if (assignment === undefined) continue;
      key = assignment.key;
      parts = [assignment.value];
    }
  }
  finish();
  return host;
}

function splitAssignment(line: string): { key: string; value: string } | undefined {
  const colon = line.indexOf(':');
  const equal = line.indexOf('=');
  if (colon < 0 && equal < 0) return undefined;
  const at = colon < 0 || (equal >= 0 && equal < colon) ? equal : colon;
  const key = line.slice(0, at).trim();
  if (key === '') return undefined;
  let value = line.slice(at + 1).trim();
  const first = value[0];
  if (value.length >= 2 && (first === '"' || first === "'") && value.endsWith(first)) {
    value = value.slice(1, -1);
  }
  return { key, value };
}

/**
 * nova.conf, then every `*.conf` in nova.conf.d in the order oslo.config's `--config-dir`
 * reads them (Python's glob: no hidden files; sorted by code point). A missing file or
 * directory is simply absent: a node without nova.conf falls back to the node name, and
 * whether nova-compute is installed at all is checked elsewhere.
 *
 * A file that exists but cannot be read throws NotInstalledError (OCF_ERR_INSTALLED), not
 * ArgsError: no parameter of the agent is wrong, this node's installation is (permissions,
 * a broken mount), and guessing a name without it could point the agent at another host's
 * service. INSTALLED keeps the failure to this node, and a probe reporting it lets Pacemaker
 * treat the resource as not running here.
 */
export function listNovaConfFiles(
  confPath = '/etc/nova/nova.conf',
  confDir = '/etc/nova/nova.conf.d',
): NovaConfFile[] {
  const files: NovaConfFile[] = [];
  const main = readIfPresent(confPath);
  if (main !== undefined) files.push({ path: confPath, text: main });

  let names: string[];
  try {
    names = readdirSync(confDir);
  } catch (error) {
    if (isAbsent(error)) return files;
    throw new NotInstalledError(`cannot list ${confDir}: ${errorMessage(error)}`, { cause: error });
  }
  const dropIns = names.filter((name) => name.endsWith('.conf') && !name.startsWith('.')).sort(byCodePoint);
  for (const name of dropIns) {
    const path = join(confDir, name);
    if (!isFile(path)) continue;
    const text = readIfPresent(path);
    if (text !== undefined) files.push({ path, text });
  }
  return files;
}

function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (isAbsent(error)) return undefined;
    throw new NotInstalledError(`cannot read ${path}: ${errorMessage(error)}`, { cause: error });
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch (error) {
    if (isAbsent(error)) return false;
    throw new NotInstalledError(`cannot read ${path}: ${errorMessage(error)}`, { cause: error });
  }
}

function isAbsent(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function byCodePoint(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** The classic order: nova.conf's host; else `<short uname>.<domain>`; else uname as it is. */
export function resolveNovaHost(input: {
  readonly confHost: string | undefined;
  readonly domain?: string | undefined;
  readonly uname: string;
}): ResolvedNovaHost {
  if (input.confHost !== undefined && input.confHost.trim() !== '') {
    return { host: input.confHost.trim(), source: 'nova.conf' };
  }
  const domain = (input.domain ?? '').trim().replace(/^\.+/, '');
  if (domain !== '') return { host: `${shortName(input.uname)}.${domain}`, source: 'short name + domain' };
  return { host: input.uname, source: 'node name' };
}

/**
 * Nova keys a compute service by its exact host string, so only an exact match will do. When
 * there is none, the message names the services with the same short name (compared without
 * case) under another domain, which is almost always the mistake.
 */
export function checkAgainstNova(host: string, serviceHosts: readonly string[]): NovaHostCheck {
  if (serviceHosts.includes(host)) return { ok: true };
  const short = shortName(host).toLowerCase();
  const near = [...new Set(serviceHosts.filter((candidate) => shortName(candidate).toLowerCase() === short))].sort(
    byCodePoint,
  );
  const fix = 'set [DEFAULT] host in nova.conf or the domain parameter';
  const found =
    near.length > 0
      ? `found: ${near.join(', ')}`
      : serviceHosts.length === 0
        ? 'Nova lists no nova-compute services at all'
        : `none named '${shortName(host)}' under any domain`;
  return { ok: false, message: `Nova has no nova-compute service on host '${host}' (${found}); ${fix}` };
}

function shortName(host: string): string {
  const dot = host.indexOf('.');
  return dot < 0 ? host : host.slice(0, dot);
}
