/**
 * Where credentials can come from besides the agent's own parameters: a named cloud in
 * clouds.yaml (plus its secure.yaml), or an openrc-style credentials file. Each source is
 * translated into the same snake_case parameter names the agents use, so one validator
 * (credentials.ts) checks them all.
 *
 * Credentials file format (decision): an openrc-style file of `OS_*=value` lines, optionally
 * prefixed by `export` and quoted, because that is what operators already keep next to
 * their controllers (admin-openrc, overcloudrc). It is read, never executed: a value that
 * needs the shell (`$VAR`, `$(…)`, backticks) is refused. The YAML form is covered by
 * `cloud` + `clouds_yaml`.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve as resolvePath, dirname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ArgsError, ConfigError, errorMessage } from '../runtime/errors';

export type ParamValue = string | number | boolean | undefined;
export type ParamLayer = Record<string, ParamValue>;

export interface SourceContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly home: string;
}

export function defaultSourceContext(): SourceContext {
  return { env: process.env, cwd: process.cwd(), home: homedir() };
}

/** The search order of os-client-config, which the openstack CLI follows too. */
export function cloudsYamlSearchPath(context: SourceContext): string[] {
  const paths: string[] = [];
  const fromEnv = context.env.OS_CLIENT_CONFIG_FILE;
  if (fromEnv) paths.push(fromEnv);
  paths.push(
    join(context.cwd, 'clouds.yaml'),
    join(context.home, '.config', 'openstack', 'clouds.yaml'),
    '/etc/openstack/clouds.yaml',
  );
  return paths;
}

function readText(path: string, what: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new ArgsError(`${what} ${path} cannot be read (${code ?? errorMessage(error)})`);
  }
}

type YamlMap = Record<string, unknown>;

function asMap(value: unknown): YamlMap | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as YamlMap) : undefined;
}

function parseYamlFile(path: string, text: string): YamlMap {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${path} is not valid YAML: ${errorMessage(error)}`);
  }
  return asMap(doc) ?? {};
}

function scalar(value: unknown): ParamValue {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return undefined;
}

function deepMerge(base: YamlMap, over: YamlMap): YamlMap {
  const out: YamlMap = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const left = asMap(out[key]);
    const right = asMap(value);
    out[key] = left && right ? deepMerge(left, right) : value;
  }
  return out;
}

/** clouds.yaml `auth:` keys → our parameter names. */
const CLOUD_AUTH_KEYS: Record<string, string> = {
  auth_url: 'auth_url',
  username: 'username',
  user_id: 'user_id',
  password: 'password',
  project_name: 'project_name',
  tenant_name: 'project_name',
  project_id: 'project_id',
  tenant_id: 'project_id',
  user_domain_name: 'user_domain',
  user_domain_id: 'user_domain_id',
  project_domain_name: 'project_domain',
  project_domain_id: 'project_domain_id',
  default_domain_name: 'default_domain',
  default_domain_id: 'default_domain_id',
  application_credential_id: 'application_credential_id',
  application_credential_name: 'application_credential_name',
  application_credential_secret: 'application_credential_secret',
};

/** clouds.yaml top-level keys of a cloud → our parameter names. */
const CLOUD_KEYS: Record<string, string> = {
  region_name: 'region_name',
  interface: 'endpoint_type',
  endpoint_type: 'endpoint_type',
  cacert: 'ca_bundle',
  insecure: 'insecure',
  auth_type: 'auth_type',
};

/**
 * The named cloud as parameters. `explicitPath` (the `clouds_yaml` parameter) replaces the
 * search path. A secure.yaml beside the chosen clouds.yaml is merged over it, as
 * os-client-config does, so passwords can live in a stricter file.
 */
export function loadCloud(cloud: string, explicitPath: string | undefined, context: SourceContext): ParamLayer {
  const candidates = explicitPath ? [resolvePath(context.cwd, explicitPath)] : cloudsYamlSearchPath(context);
  let path: string | undefined;
  let text: string | undefined;
  for (const candidate of candidates) {
    text = readText(candidate, 'clouds.yaml');
    if (text !== undefined) {
      path = candidate;
      break;
    }
  }
  if (path === undefined || text === undefined) {
    const hint = explicitPath ? `clouds_yaml ${candidates[0]} does not exist` : `searched ${candidates.join(', ')}`;
    throw new ArgsError(`cloud '${cloud}' is configured but no clouds.yaml was found (${hint})`);
  }

  let clouds = asMap(parseYamlFile(path, text).clouds) ?? {};
  const securePath = join(dirname(path), 'secure.yaml');
  const secureText = readText(securePath, 'secure.yaml');
  if (secureText !== undefined) {
    clouds = deepMerge(clouds, asMap(parseYamlFile(securePath, secureText).clouds) ?? {});
  }

  const entry = asMap(clouds[cloud]);
  if (!entry) {
    const known = Object.keys(clouds);
    throw new ConfigError(
      `cloud '${cloud}' not found in ${path} (${known.length ? `clouds: ${known.join(', ')}` : 'it defines no clouds'})`,
    );
  }

  const layer: ParamLayer = { credential_source: `cloud '${cloud}' in ${path}` };
  for (const [key, value] of Object.entries(asMap(entry.auth) ?? {})) {
    const name = CLOUD_AUTH_KEYS[key];
    if (name) layer[name] = scalar(value);
  }
  for (const [key, value] of Object.entries(entry)) {
    const name = CLOUD_KEYS[key];
    if (name) layer[name] = scalar(value);
  }
  // `verify: false` is clouds.yaml's spelling of insecure; `verify: /path` a CA bundle.
  if (entry.verify === false) layer.insecure = true;
  if (typeof entry.verify === 'string') layer.ca_bundle = entry.verify;
  if (typeof layer.ca_bundle === 'string' && !isAbsolute(layer.ca_bundle)) {
    layer.ca_bundle = resolvePath(dirname(path), layer.ca_bundle);
  }
  return layer;
}

/** openrc `OS_*` names → our parameter names. */
const OPENRC_KEYS: Record<string, string> = {
  OS_AUTH_URL: 'auth_url',
  OS_USERNAME: 'username',
  OS_USER_ID: 'user_id',
  OS_PASSWORD: 'password',
  OS_PROJECT_NAME: 'project_name',
  OS_TENANT_NAME: 'project_name',
  OS_PROJECT_ID: 'project_id',
  OS_TENANT_ID: 'project_id',
  OS_USER_DOMAIN_NAME: 'user_domain',
  OS_USER_DOMAIN_ID: 'user_domain_id',
  OS_PROJECT_DOMAIN_NAME: 'project_domain',
  OS_PROJECT_DOMAIN_ID: 'project_domain_id',
  OS_DEFAULT_DOMAIN_NAME: 'default_domain',
  OS_DEFAULT_DOMAIN_ID: 'default_domain_id',
  OS_REGION_NAME: 'region_name',
  OS_INTERFACE: 'endpoint_type',
  OS_ENDPOINT_TYPE: 'endpoint_type',
  OS_CACERT: 'ca_bundle',
  OS_INSECURE: 'insecure',
  OS_AUTH_TYPE: 'auth_type',
  OS_APPLICATION_CREDENTIAL_ID: 'application_credential_id',
  OS_APPLICATION_CREDENTIAL_NAME: 'application_credential_name',
  OS_APPLICATION_CREDENTIAL_SECRET: 'application_credential_secret',
};

/** Parses `[export ]OS_NAME=value` lines; other lines (comments, unset, PS1…) are ignored. */
export function parseOpenrc(text: string, path: string): ParamLayer {
  const layer: ParamLayer = { credential_source: `credentials file ${path}` };
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const match = /^\s*(?:export\s+)?(OS_[A-Z_]+)=(.*)$/.exec(raw);
    if (!match) return;
    const name = match[1] ?? '';
    const value = unquote((match[2] ?? '').trim(), `${path}:${index + 1}`, name);
    const key = OPENRC_KEYS[name];
    if (key) layer[key] = value;
  });
  return layer;
}

function unquote(value: string, where: string, name: string): string {
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1);
  let inner = value;
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) inner = value.slice(1, -1);
  else inner = value.replace(/\s+#.*$/, '');
  if (/[`$]/.test(inner)) {
    throw new ConfigError(
      `${where}: ${name} uses shell expansion, which a credentials file read by the agents cannot do; write the value literally`,
    );
  }
  return inner.replace(/\\(["\\])/g, '$1');
}

export function loadCredentialsFile(path: string, context: SourceContext): ParamLayer {
  const absolute = resolvePath(context.cwd, path);
  const text = readText(absolute, 'credentials_file');
  if (text === undefined) throw new ArgsError(`credentials_file ${absolute} does not exist`);
  return parseOpenrc(text, absolute);
}
