/**
 * Option input, the two ways a fence agent receives it: getopt-style argv (operators, tests)
 * or, when there is no argument at all, `key=value` lines on stdin (pacemaker-fenced).
 * Both produce the same raw map keyed by the option's declared key; typing and defaults
 * come after (resolve-options.ts).
 */
import { ArgsError } from '../runtime/errors';
import { silentlyIgnoredNames, type FenceOptionSpecs } from './options';

export type RawValue = string | boolean;

export interface RawInput {
  readonly values: Map<string, RawValue>;
  /** Problems that do not stop the agent (unknown keys, booleans without a value). */
  readonly warnings: string[];
  readonly source: 'argv' | 'stdin';
}

const TRUE_WORDS = new Set(['1', 'yes', 'on', 'true']);
const FALSE_WORDS = new Set(['0', 'no', 'off', 'false']);

/** `1|yes|on|true` → true, `0|no|off|false` → false (any case), anything else undefined. */
export function parseBooleanWord(value: string): boolean | undefined {
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

const normalise = (name: string): string => name.trim().replace(/-/g, '_').toLowerCase();

/** Maps every accepted spelling (key, long option, deprecated names, aliases; `-`≡`_`) to a key. */
export class OptionNames {
  private readonly byName = new Map<string, string>();
  private readonly byShort = new Map<string, string>();

  constructor(private readonly specs: FenceOptionSpecs) {
    for (const [key, spec] of Object.entries(specs)) {
      for (const name of [key, spec.longopt, ...(spec.deprecatedNames ?? []), ...(spec.aliases ?? [])]) {
        const normal = normalise(name);
        const taken = this.byName.get(normal);
        if (taken !== undefined && taken !== key) {
          throw new Error(`fence option name '${name}' is declared by both ${taken} and ${key}`);
        }
        this.byName.set(normal, key);
      }
      if (spec.getopt !== undefined) {
        const letter = spec.getopt.slice(1);
        const taken = this.byShort.get(letter);
        if (taken !== undefined) throw new Error(`short option -${letter} is declared by both ${taken} and ${key}`);
        this.byShort.set(letter, key);
      }
    }
  }

  key(name: string): string | undefined {
    return this.byName.get(normalise(name));
  }

  shortKey(letter: string): string | undefined {
    return this.byShort.get(letter);
  }

  isFlag(key: string): boolean {
    return this.specs[key]?.type === 'boolean';
  }
}

/** Strips one pair of matching surrounding quotes, as the fencer's values may carry them. */
function unquote(value: string): string {
  const match = /^(["'])(.*)\1$/s.exec(value);
  return match?.[2] ?? value;
}

/**
 * `key=value` lines as pacemaker-fenced writes them: `#` and blank lines skipped, surrounding
 * quotes stripped, the last value wins, unknown keys warned about and ignored (`nodename`
 * silently). Booleans are read by value; a boolean with any other value is ignored with a warning.
 */
export function parseStdinLines(text: string, names: OptionNames): RawInput {
  const values = new Map<string, RawValue>();
  const warnings: string[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const name = (eq < 0 ? line : line.slice(0, eq)).trim();
    const value = unquote(eq < 0 ? '' : line.slice(eq + 1).trim());
    const key = names.key(name);
    if (key === undefined) {
      if (!silentlyIgnoredNames.includes(normalise(name))) {
        warnings.push(`Parse error: Ignoring unknown option '${name}'`);
      }
      continue;
    }
    if (names.isFlag(key)) {
      const flag = parseBooleanWord(value);
      if (flag === undefined) {
        warnings.push(`Parse error: Ignoring option '${name}' because its value '${value}' is not a boolean`);
        continue;
      }
      values.set(key, flag);
    } else {
      values.set(key, value);
    }
  }
  return { values, warnings, source: 'stdin' };
}

/**
 * getopt-style arguments: `-k URL`, `-kURL`, clustered flags (`-vq`), `--auth-url URL`,
 * `--auth-url=URL`, `--insecure`, `--insecure=0`. Long names may also be written with the
 * key's spelling (`--auth_url`). An unknown option is an error, as with getopt.
 */
export function parseArgv(argv: readonly string[], names: OptionNames): RawInput {
  const values = new Map<string, RawValue>();
  const warnings: string[] = [];
  const positional: string[] = [];

  const takeValue = (flag: string, index: number): string => {
    const next = argv[index];
    if (next === undefined) throw new ArgsError(`Parse error: option ${flag} requires argument`);
    return next;
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const key = names.key(name);
      if (key === undefined) throw new ArgsError(`Parse error: option --${name} not recognized`);
      if (names.isFlag(key)) {
        if (eq < 0) {
          values.set(key, true);
        } else {
          const flag = parseBooleanWord(arg.slice(eq + 1));
          if (flag === undefined) throw new ArgsError(`Parse error: option --${name} takes true/false, not '${arg.slice(eq + 1)}'`);
          values.set(key, flag);
        }
      } else {
        values.set(key, eq < 0 ? takeValue(`--${name}`, ++i) : arg.slice(eq + 1));
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // A cluster of short flags; the first one that takes a value swallows the rest or the next arg.
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j] as string;
        const key = names.shortKey(letter);
        if (key === undefined) throw new ArgsError(`Parse error: option -${letter} not recognized`);
        if (names.isFlag(key)) {
          values.set(key, true);
          continue;
        }
        const rest = arg.slice(j + 1);
        values.set(key, rest !== '' ? rest : takeValue(`-${letter}`, ++i));
        break;
      }
      continue;
    }
    positional.push(arg);
  }
  if (positional.length > 0) warnings.push(`Unused arguments on command line: ${positional.join(' ')}`);
  return { values, warnings, source: 'argv' };
}
