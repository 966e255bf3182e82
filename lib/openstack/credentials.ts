/**
 * Agent parameters → one validated AuthSpec for Keystone v3.
 *
 * Parameters use the classic agents' snake_case names (auth_url, username, password,
 * tenant_name, user_domain, project_domain, endpoint_type, region_name, insecure …), the
 * spelling both the OCF agents (OCF_RESKEY_<name>) and fence_compute (stdin key=value) use;
 * `-` is accepted for `_`, and fence_compute's `login`/`passwd` are aliases. Empty strings
 * count as unset, as Pacemaker passes them.
 *
 * Layers, later wins: a named cloud from clouds.yaml (`cloud`, optional `clouds_yaml`) or
 * an openrc-style `credentials_file`, then the explicit parameters. Callers should pass only
 * what the operator set (not declaration defaults) so a clouds.yaml entry is not overridden
 * by a default.
 */
import { readFileSync } from 'node:fs';
import { ArgsError, ConfigError } from '../runtime/errors';
import { registerSecret } from '../runtime/secrets';
import {
  defaultSourceContext,
  loadCloud,
  loadCredentialsFile,
  type ParamLayer,
  type ParamValue,
  type SourceContext,
} from './credential-sources';

export type EndpointInterface = 'public' | 'internal' | 'admin';
export type DomainRef = { readonly name: string } | { readonly id: string };
export type UserRef = { readonly name: string; readonly domain: DomainRef } | { readonly id: string };
export type ProjectRef = { readonly name: string; readonly domain: DomainRef } | { readonly id: string };

export type AuthMethod =
  | { readonly type: 'password'; readonly user: UserRef; readonly password: string; readonly project: ProjectRef }
  | {
      readonly type: 'application_credential';
      /** By id, or by name with the owning user. */
      readonly credential: { readonly id: string } | { readonly name: string; readonly user: UserRef };
      readonly secret: string;
    };

export interface AuthSpec {
  /** As configured; with or without /v3 (keystone.ts discovers the version when it is absent). */
  readonly authUrl: string;
  readonly method: AuthMethod;
  readonly interface: EndpointInterface;
  readonly regionName?: string;
  readonly insecure: boolean;
  /** Absolute path of a PEM bundle, checked readable. */
  readonly caBundle?: string;
  /** Where the credentials came from, for messages ("parameters", "cloud 'x' in /etc/…"). */
  readonly source: string;
}

export type AuthParams = Readonly<Record<string, ParamValue>>;

const ALIASES: Record<string, string> = {
  login: 'username',
  user_name: 'username',
  passwd: 'password',
  tenant_name: 'project_name',
  tenant_id: 'project_id',
  user_domain_name: 'user_domain',
  project_domain_name: 'project_domain',
  interface: 'endpoint_type',
  cacert: 'ca_bundle',
  os_cacert: 'ca_bundle',
};

const INTERFACES: Record<string, EndpointInterface> = {
  public: 'public',
  publicurl: 'public',
  internal: 'internal',
  internalurl: 'internal',
  admin: 'admin',
  adminurl: 'admin',
};

const DEFAULT_DOMAIN = 'Default';

function normalise(params: AuthParams): ParamLayer {
  const out: ParamLayer = {};
  for (const [rawKey, value] of Object.entries(params)) {
    if (value === undefined || value === '') continue;
    const key = rawKey.replace(/-/g, '_').toLowerCase();
    out[ALIASES[key] ?? key] = value;
  }
  return out;
}

function text(layer: ParamLayer, key: string): string | undefined {
  const value = layer[key];
  if (value === undefined || value === '' || typeof value === 'boolean') return undefined;
  return String(value);
}

/** ocf_is_true / fence-agents spellings; anything else is a mistake worth reporting. */
export function parseBoolean(value: ParamValue, name: string): boolean {
  if (value === undefined || value === '') return false;
  if (typeof value === 'boolean') return value;
  const lowered = String(value).trim().toLowerCase();
  if (['1', 'yes', 'y', 'on', 'true'].includes(lowered)) return true;
  if (['0', 'no', 'n', 'off', 'false'].includes(lowered)) return false;
  throw new ConfigError(`${name} '${String(value)}' is not a boolean (1/yes/on/true or 0/no/off/false)`);
}

export function parseInterface(value: string): EndpointInterface {
  const found = INTERFACES[value.trim().toLowerCase()];
  if (!found) {
    throw new ConfigError(
      `endpoint_type '${value}' is not one of public, internal, admin (or publicURL, internalURL, adminURL)`,
    );
  }
  return found;
}

function domain(layer: ParamLayer, which: 'user' | 'project'): DomainRef {
  const id = text(layer, `${which}_domain_id`);
  if (id) return { id };
  const name = text(layer, `${which}_domain`);
  if (name) return { name };
  const defaultId = text(layer, 'default_domain_id');
  if (defaultId) return { id: defaultId };
  return { name: text(layer, 'default_domain') ?? DEFAULT_DOMAIN };
}

function userRef(layer: ParamLayer): UserRef | undefined {
  const id = text(layer, 'user_id');
  if (id) return { id };
  const name = text(layer, 'username');
  return name ? { name, domain: domain(layer, 'user') } : undefined;
}

function authMethod(layer: ParamLayer, from: string): AuthMethod {
  const authType = text(layer, 'auth_type')?.toLowerCase();
  const appCredId = text(layer, 'application_credential_id');
  const appCredName = text(layer, 'application_credential_name');
  const wantsAppCred =
    appCredId !== undefined ||
    appCredName !== undefined ||
    authType === 'v3applicationcredential' ||
    authType === 'application_credential';
  if (authType && !wantsAppCred && !['password', 'v3password'].includes(authType)) {
    throw new ConfigError(`auth_type '${authType}'${from} is not supported; use password or v3applicationcredential`);
  }

  if (wantsAppCred) {
    const secret = text(layer, 'application_credential_secret');
    if (!secret) throw new ConfigError(`application_credential_secret not configured${from}`);
    if (appCredId) return { type: 'application_credential', credential: { id: appCredId }, secret };
    if (!appCredName) throw new ConfigError(`application_credential_id (or _name with username) not configured${from}`);
    const user = userRef(layer);
    if (!user) {
      throw new ConfigError(`application_credential_name needs username (and user_domain) or user_id${from}`);
    }
    return { type: 'application_credential', credential: { name: appCredName, user }, secret };
  }

  const user = userRef(layer);
  if (!user) throw new ConfigError(`username not configured${from}`);
  const password = text(layer, 'password');
  if (!password) throw new ConfigError(`password not configured${from}`);
  const projectId = text(layer, 'project_id');
  const projectName = text(layer, 'project_name');
  let project: ProjectRef;
  if (projectId) project = { id: projectId };
  else if (projectName) project = { name: projectName, domain: domain(layer, 'project') };
  else throw new ConfigError(`tenant_name (project name) not configured${from}`);
  return { type: 'password', user, password, project };
}

function checkAuthUrl(url: string | undefined, from: string): string {
  if (!url) throw new ConfigError(`auth_url not configured${from}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`auth_url '${url}' is not a URL (expected http(s)://host:5000/v3)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`auth_url '${url}' must start with http:// or https://`);
  }
  return url;
}

function checkCaBundle(path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ArgsError(`ca_bundle ${path} cannot be read (${code})`);
  }
  return path;
}

/**
 * Resolves and validates the credentials. Throws ConfigError (wrong everywhere) naming the
 * parameter to fix, or ArgsError when a file is missing on this node. Registers the
 * password/secret so no log line can print them.
 */
export function resolveAuthSpec(params: AuthParams, context: SourceContext = defaultSourceContext()): AuthSpec {
  const explicit = normalise(params);
  const cloud = text(explicit, 'cloud');
  const credentialsFile = text(explicit, 'credentials_file');
  if (cloud && credentialsFile) {
    throw new ConfigError('cloud and credentials_file are both configured; use one of them');
  }
  let base: ParamLayer = {};
  if (cloud) base = normalise(loadCloud(cloud, text(explicit, 'clouds_yaml'), context));
  else if (credentialsFile) base = normalise(loadCredentialsFile(credentialsFile, context));
  const layer: ParamLayer = { ...base, ...explicit };

  registerSecret(text(layer, 'password'));
  registerSecret(text(layer, 'application_credential_secret'));

  const source = text(base, 'credential_source') ?? 'parameters';
  const from = source === 'parameters' ? '' : ` (credentials from ${source})`;
  const authUrl = checkAuthUrl(text(layer, 'auth_url'), from);
  const method = authMethod(layer, from);
  // The classic agents default to the internal endpoints; clouds.yaml users expect
  // os-client-config's default, public.
  const endpointType = text(layer, 'endpoint_type');
  const iface = endpointType ? parseInterface(endpointType) : cloud ? 'public' : 'internal';
  const regionName = text(layer, 'region_name');
  const caBundle = checkCaBundle(text(layer, 'ca_bundle'));

  return {
    authUrl,
    method,
    interface: iface,
    ...(regionName ? { regionName } : {}),
    insecure: parseBoolean(layer.insecure, 'insecure'),
    ...(caBundle ? { caBundle } : {}),
    source,
  };
}
