/**
 * Raw input → typed option values: defaults filled in, integers and seconds checked, select
 * values matched to their declared spelling, secrets registered. Requiredness that depends on
 * the action (the plug) is checked by the runtime, not here.
 */
import { registerSecret } from '../runtime/secrets';
import type { FenceOptionSpec, FenceOptionSpecs } from './options';
import type { RawInput, RawValue } from './parse-input';

export type ResolvedValue = string | number | boolean | undefined;

export interface ResolvedOptions {
  readonly values: Record<string, ResolvedValue>;
  /** Keys given explicitly in the input (not defaulted). */
  readonly given: ReadonlySet<string>;
  /** One message per invalid value, in the classic wording. */
  readonly errors: string[];
}

function invalidNumber(spec: FenceOptionSpec): string {
  return spec.type === 'second'
    ? `Failed: The value you have entered for --${spec.longopt} is not a valid time in seconds`
    : `Failed: The value you have entered for --${spec.longopt} is not a valid integer`;
}

function convert(spec: FenceOptionSpec, raw: RawValue): { value?: ResolvedValue; error?: string } {
  switch (spec.type) {
    case 'boolean':
      return { value: raw === true };
    case 'integer':
    case 'second': {
      const text = String(raw).trim();
      if (!/^[+-]?\d+$/.test(text)) return { error: invalidNumber(spec) };
      return { value: Number.parseInt(text, 10) };
    }
    case 'select': {
      const text = String(raw);
      const match = spec.choices?.find((choice) => choice.toLowerCase() === text.toLowerCase());
      if (match === undefined) {
        return {
          error: `Failed: You have to enter a valid choice for --${spec.longopt} from the valid values: ${(spec.choices ?? []).join(', ')}`,
        };
      }
      return { value: match };
    }
    case 'string':
      return { value: String(raw) };
  }
}

export function resolveOptions(
  input: RawInput,
  specs: FenceOptionSpecs,
  defaults: Readonly<Record<string, string | number | boolean>> = {},
): ResolvedOptions {
  const values: Record<string, ResolvedValue> = {};
  const given = new Set<string>();
  const errors: string[] = [];
  for (const [key, spec] of Object.entries(specs)) {
    const raw = input.values.get(key);
    if (raw === undefined) {
      const fallback = key in defaults ? defaults[key] : spec.default;
      values[key] = spec.type === 'boolean' ? fallback === true : fallback;
      continue;
    }
    const { value, error } = convert(spec, raw);
    if (error !== undefined) {
      errors.push(error);
      continue;
    }
    given.add(key);
    values[key] = value;
    if (spec.secret === true && typeof value === 'string') registerSecret(value);
  }
  return { values, given, errors };
}
