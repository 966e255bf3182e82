/**
 * Reading nova.conf the way nova-compute itself reads it (oslo.config): nova.conf, then the
 * drop-ins of nova.conf.d, one option at a time. The agent needs a few of nova-compute's own
 * settings ([DEFAULT] host, [DEFAULT] compute_driver) and must agree with nova-compute about
 * them, so the ini rules below are oslo's, not a generic ini parser's.
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

/**
 * `[section] key` across the files in the order given (nova.conf first, then the drop-ins
 * sorted), read with oslo.config's own ini rules:
 * - a line starting with `[` opens a section; the name is case-sensitive (`[default]` is not DEFAULT);
 * - a line starting with `#` or `;` is a comment; text after a value is NOT a comment;
 * - `key = value` or `key: value`, whichever separator comes first; whitespace around both trimmed;
 *   one pair of matching surrounding quotes is removed; keys are case-sensitive;
 * - an indented line continues the previous value (joined with a newline); a blank line ends it.
 * The last assignment wins, in a file and across files, so an empty `key =` in a later
 * drop-in clears an earlier one; an empty or whitespace-only result counts as unset.
 */
export function readNovaConfOption(files: readonly NovaConfFile[], section: string, key: string): string | undefined {
  let value: string | undefined;
  for (const file of files) {
    const inFile = optionInText(file.text, section, key);
    if (inFile !== undefined) value = inFile;
  }
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** `[DEFAULT] compute_driver`, e.g. `libvirt.LibvirtDriver`; undefined when unset. */
export function computeDriver(files: readonly NovaConfFile[]): string | undefined {
  return readNovaConfOption(files, 'DEFAULT', 'compute_driver')?.trim();
}

/**
 * Whether nova-compute drives libvirt: Nova loads `nova.virt.<compute_driver>`, and older
 * configurations spell the whole path. Unset counts as "no": nova-compute refuses to start
 * without a driver, and the libvirt check must not fail a host that does not use libvirt.
 */
export function usesLibvirt(files: readonly NovaConfFile[]): boolean {
  const driver = computeDriver(files);
  return driver !== undefined && /^(nova\.virt\.)?libvirt\./.test(driver);
}

/** The last `[section] key` one file assigns, or undefined when it assigns none. */
function optionInText(text: string, wantedSection: string, wantedKey: string): string | undefined {
  let section: string | undefined;
  let key: string | undefined;
  let parts: string[] = [];
  let found: string | undefined;

  const finish = (): void => {
    if (key === wantedKey && section === wantedSection) found = parts.join('\n');
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
      // with such a file, so it cannot be what decides the value: skip it.
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
  return found;
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
 * directory is simply absent: a node without nova.conf falls back to defaults, and
 * whether nova-compute is installed at all is checked elsewhere.
 *
 * A file that exists but cannot be read throws NotInstalledError (OCF_ERR_INSTALLED), not
 * ArgsError: no parameter of the agent is wrong, this node's installation is (permissions,
 * a broken mount), and guessing without it could point the agent at another host's
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

export function byCodePoint(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
