/**
 * Parameter declarations and their parsing from `OCF_RESKEY_<name>`. The handler-side types
 * are derived from the declaration, so reading a parameter the agent does not declare does
 * not compile, and a declared default or `required` removes `undefined` from the type.
 */
import { ConfigError } from '../runtime/errors';
import { registerSecret } from '../runtime/secrets';

interface ParamCommon {
  shortdesc: string;
  longdesc: string;
  /** Listed as required in the meta-data; missing → ConfigError "<name> not configured". */
  required?: boolean;
  unique?: boolean;
  /** Never logged: the value is registered for redaction as soon as it is read. */
  secret?: boolean;
}

export type ParamSpec =
  | (ParamCommon & { type: 'string'; default?: string })
  | (ParamCommon & { type: 'integer'; default?: number })
  | (ParamCommon & { type: 'boolean'; default?: boolean });

export type ParamDecls = Record<string, ParamSpec>;

type ValueOf<P extends ParamSpec> = P extends { type: 'integer' }
  ? number
  : P extends { type: 'boolean' }
    ? boolean
    : string;

type ParamValue<P extends ParamSpec> = P extends { default: unknown }
  ? ValueOf<P>
  : P extends { required: true }
    ? ValueOf<P>
    : ValueOf<P> | undefined;

/** The typed parameters a handler receives. */
export type Params<D extends ParamDecls> = { readonly [K in keyof D]: ParamValue<D[K]> };

/** ocf-shellfuncs' ocf_is_true, exactly: these spellings are true, everything else false. */
const TRUE_SPELLINGS = new Set(['yes', 'true', '1', 'YES', 'TRUE', 'True', 'ja', 'on', 'ON']);

export function isTrue(value: string | undefined): boolean {
  return value !== undefined && TRUE_SPELLINGS.has(value);
}

export function envKey(name: string): string {
  return `OCF_RESKEY_${name}`;
}

/** Names of declared parameters that are required but absent or empty in `env`. */
export function missingRequired(decls: ParamDecls, env: NodeJS.ProcessEnv): string[] {
  return Object.entries(decls)
    .filter(([, spec]) => spec.required === true && spec.default === undefined)
    .filter(([name]) => (env[envKey(name)] ?? '') === '')
    .map(([name]) => name);
}

function parseInteger(name: string, raw: string): number {
  const trimmed = raw.trim();
  if (!/^[+-]?\d+$/.test(trimmed)) {
    throw new ConfigError(`${name} must be an integer, got '${raw}'`);
  }
  const value = Number(trimmed);
  if (!Number.isSafeInteger(value)) throw new ConfigError(`${name} is out of range: '${raw}'`);
  return value;
}

function parseOne(name: string, spec: ParamSpec, raw: string | undefined): string | number | boolean | undefined {
  // Pacemaker passes an unset parameter as absent; an empty value means "use the default" too,
  // as ocf-shellfuncs' `: ${OCF_RESKEY_x=default}` habits do for most agents.
  if (raw === undefined || raw === '') {
    if (spec.default !== undefined) return spec.default;
    if (spec.required === true) throw new ConfigError(`${name} not configured`);
    return undefined;
  }
  if (spec.secret === true) registerSecret(raw);
  switch (spec.type) {
    case 'boolean':
      return isTrue(raw);
    case 'integer':
      return parseInteger(name, raw);
    case 'string':
      return raw;
  }
}

/** Registers the values of `secret` parameters, before anything has a chance to log them. */
export function registerDeclaredSecrets(decls: ParamDecls, env: NodeJS.ProcessEnv): void {
  for (const [name, spec] of Object.entries(decls)) {
    if (spec.secret === true) registerSecret(env[envKey(name)]);
  }
}

/**
 * `OCF_RESKEY_*` → typed parameters. Throws ConfigError naming the first bad or missing
 * parameter. Secrets are registered before anything else can log them.
 */
export function parseParams<D extends ParamDecls>(decls: D, env: NodeJS.ProcessEnv): Params<D> {
  registerDeclaredSecrets(decls, env);
  const out: Record<string, string | number | boolean | undefined> = {};
  for (const [name, spec] of Object.entries(decls)) {
    out[name] = parseOne(name, spec, env[envKey(name)]);
  }
  return out as Params<D>;
}
