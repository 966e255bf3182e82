/**
 * Keystone v3: version discovery, password and application-credential authentication, the
 * token cache between invocations, and renewal when a service refuses the token.
 *
 * auth_url may be given as `http://host:5000/v3` (used as is) or `http://host:5000/`
 * (discovered: the root's version document names the v3 URL, as keystoneauth does).
 */
import type { Deadline } from '../runtime/deadline';
import { ConfigError } from '../runtime/errors';
import { log } from '../runtime/log';
import { registerSecret } from '../runtime/secrets';
import { findEndpoint, parseCatalog, type Catalog } from './catalog';
import type { AuthSpec, DomainRef, ProjectRef, UserRef } from './credentials';
import { AuthenticationError, NotFoundError, UnsupportedError } from './errors';
import { ServiceHttp, type TokenProvider } from './http';
import {
  DEFAULT_RENEW_MARGIN_MS,
  isFresh,
  issuedForSecret,
  secretCheckFor,
  readCachedToken,
  removeCachedToken,
  tokenCacheKey,
  tokenCachePath,
  writeCachedToken,
  type CachedToken,
} from './token-cache';

export interface KeystoneOptions {
  readonly deadline: Deadline;
  /** Where the token cache lives; without it, tokens live only in this process. */
  readonly stateDir?: string;
  readonly callTimeoutMs?: number;
  readonly renewMarginMs?: number;
  readonly now?: () => number;
}

function describeDomain(domain: DomainRef): string {
  return 'id' in domain ? `domain id ${domain.id}` : `domain ${domain.name}`;
}

function describeUser(user: UserRef): string {
  return 'id' in user ? `user id ${user.id}` : `user '${user.name}' (${describeDomain(user.domain)})`;
}

function describeProject(project: ProjectRef): string {
  return 'id' in project ? `project id ${project.id}` : `project '${project.name}' (${describeDomain(project.domain)})`;
}

function domainBody(domain: DomainRef): Record<string, string> {
  return 'id' in domain ? { id: domain.id } : { name: domain.name };
}

function userBody(user: UserRef): Record<string, unknown> {
  return 'id' in user ? { id: user.id } : { name: user.name, domain: domainBody(user.domain) };
}

/** The POST /v3/auth/tokens body for the spec's method. */
export function authRequestBody(spec: AuthSpec): unknown {
  const { method } = spec;
  if (method.type === 'application_credential') {
    const credential =
      'id' in method.credential
        ? { id: method.credential.id, secret: method.secret }
        : { name: method.credential.name, user: userBody(method.credential.user), secret: method.secret };
    return { auth: { identity: { methods: ['application_credential'], application_credential: credential } } };
  }
  const project =
    'id' in method.project
      ? { id: method.project.id }
      : { name: method.project.name, domain: domainBody(method.project.domain) };
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { ...userBody(method.user), password: method.password } } },
      scope: { project },
    },
  };
}

function whoFor(spec: AuthSpec): string {
  const { method } = spec;
  if (method.type === 'application_credential') {
    return 'id' in method.credential
      ? `application credential ${method.credential.id}`
      : `application credential '${method.credential.name}' of ${describeUser(method.credential.user)}`;
  }
  return `${describeUser(method.user)} for ${describeProject(method.project)}`;
}

function fixHint(spec: AuthSpec): string {
  return spec.method.type === 'application_credential'
    ? 'check application_credential_id/name and secret'
    : 'check username/password/domains and tenant_name';
}

interface VersionEntry {
  id?: unknown;
  status?: unknown;
  links?: unknown;
}

function selfLink(entry: VersionEntry): string | undefined {
  if (!Array.isArray(entry.links)) return undefined;
  const link = entry.links.find((value: unknown) => (value as { rel?: unknown })?.rel === 'self') as
    | { href?: unknown }
    | undefined;
  return typeof link?.href === 'string' ? link.href : undefined;
}

/** The v3 URL in a Keystone version document ({versions: {values}} at the root, {version} at /v3). */
export function v3UrlFromDiscovery(data: unknown): string | undefined {
  const doc = (data ?? {}) as { versions?: { values?: unknown } | unknown; version?: unknown };
  const versions = doc.versions as { values?: unknown } | unknown[] | undefined;
  const entries: VersionEntry[] = Array.isArray(versions)
    ? versions
    : Array.isArray(versions?.values)
      ? (versions.values as VersionEntry[])
      : doc.version
        ? [doc.version as VersionEntry]
        : [];
  const v3 = entries.find(
    (entry) =>
      typeof entry.id === 'string' &&
      entry.id.startsWith('v3') &&
      (typeof entry.status !== 'string' || !['deprecated', 'experimental'].includes(entry.status.toLowerCase())),
  );
  const href = v3 ? selfLink(v3) : undefined;
  return href?.replace(/\/+$/, '');
}

/** The token of one identity, shared by every session of this process: one auth per process. */
interface ProcessToken {
  current: CachedToken | undefined;
  pending: Promise<CachedToken> | undefined;
  authentications: number;
  /** Found by discovery (or in a stale cache file): renewals skip discovery. */
  identityUrl: string | undefined;
}

const processTokens = new Map<string, ProcessToken>();

/** Forgets this process's tokens (tests; the files under the state directory stay). */
export function forgetProcessTokens(): void {
  processTokens.clear();
}

export class KeystoneSession implements TokenProvider {
  private readonly shared: ProcessToken;
  private readonly cachePath: string | undefined;
  private readonly now: () => number;

  constructor(
    readonly spec: AuthSpec,
    private readonly options: KeystoneOptions,
  ) {
    this.now = options.now ?? Date.now;
    const key = tokenCacheKey(spec);
    this.cachePath = options.stateDir ? tokenCachePath(options.stateDir, key) : undefined;
    let shared = processTokens.get(key);
    if (!shared) {
      shared = { current: undefined, pending: undefined, authentications: 0, identityUrl: undefined };
      processTokens.set(key, shared);
    }
    this.shared = shared;
  }

  /** Keystone token requests made by this process for this identity (tests, `nova-ha doctor`). */
  get authentications(): number {
    return this.shared.authentications;
  }

  private get current(): CachedToken | undefined {
    return this.shared.current;
  }

  private set current(token: CachedToken | undefined) {
    this.shared.current = token;
  }

  /** A usable token: this process's, the cached one, or a new one. Concurrent callers share one auth. */
  async ensure(): Promise<CachedToken> {
    const margin = this.options.renewMarginMs ?? DEFAULT_RENEW_MARGIN_MS;
    if (this.current && isFresh(this.current, this.now(), margin)) return this.current;
    if (!this.current && this.cachePath) {
      const cached = readCachedToken(this.cachePath);
      if (cached && isFresh(cached, this.now(), margin) && issuedForSecret(cached, this.spec)) {
        registerSecret(cached.token);
        this.current = cached;
        return cached;
      }
      // Same auth_url (it is part of the file's key): its discovery result still holds.
      if (cached) this.shared.identityUrl = cached.identityUrl;
    }
    return this.authenticateOnce();
  }

  async token(): Promise<string> {
    return (await this.ensure()).token;
  }

  /** A service refused `refused`: drop it (and the file) and authenticate again, once per refusal. */
  async renew(refused: string): Promise<string> {
    if (this.current && this.current.token !== refused) return this.current.token;
    log.info('a service refused the Keystone token; authenticating again');
    this.current = undefined;
    if (this.cachePath) removeCachedToken(this.cachePath);
    return (await this.authenticateOnce()).token;
  }

  async catalog(): Promise<Catalog> {
    return (await this.ensure()).catalog;
  }

  async endpoint(serviceType: string): Promise<string> {
    return findEndpoint(await this.catalog(), serviceType, this.spec.interface, this.spec.regionName);
  }

  private authenticateOnce(): Promise<CachedToken> {
    if (!this.shared.pending) {
      this.shared.pending = this.authenticate().finally(() => {
        this.shared.pending = undefined;
      });
    }
    return this.shared.pending;
  }

  private http(baseUrl: string): ServiceHttp {
    return new ServiceHttp({
      service: 'Keystone',
      baseUrl,
      deadline: this.options.deadline,
      tls: { insecure: this.spec.insecure, ...(this.spec.caBundle ? { caBundle: this.spec.caBundle } : {}) },
      isKeystone: true,
      ...(this.options.callTimeoutMs ? { callTimeoutMs: this.options.callTimeoutMs } : {}),
    });
  }

  /** auth_url → the v3 identity URL. */
  async identityUrl(): Promise<string> {
    const configured = this.spec.authUrl.replace(/\/+$/, '');
    if (/\/v3$/.test(configured)) return configured;
    const root = configured.replace(/\/v2\.0$/, '');
    const http = this.http(root);
    try {
      const { data } = await http.get<unknown>('', { what: 'version discovery', acceptStatus: [300] });
      const found = v3UrlFromDiscovery(data);
      if (found) return found;
    } catch (error) {
      // A root that is not a version document (some proxies): try the conventional path.
      if (!(error instanceof NotFoundError)) throw error;
      return `${root}/v3`;
    }
    throw new UnsupportedError(
      `Keystone at ${root} offers no v3 API in its version document: set auth_url to the v3 URL (…:5000/v3)`,
    );
  }

  private async authenticate(): Promise<CachedToken> {
    const identityUrl = this.shared.identityUrl ?? (await this.identityUrl());
    this.shared.identityUrl = identityUrl;
    const http = this.http(identityUrl);
    const obtainedAt = this.now();
    let result;
    try {
      result = await http.post<{ token?: Record<string, unknown> }>('/auth/tokens', {
        what: `authentication of ${whoFor(this.spec)}`,
        body: authRequestBody(this.spec),
      });
    } catch (error) {
      if (error instanceof AuthenticationError) {
        throw new AuthenticationError(
          `Keystone at ${identityUrl} refused ${whoFor(this.spec)} (401): ${fixHint(this.spec)}`,
          { cause: error },
        );
      }
      if (error instanceof NotFoundError) {
        throw new ConfigError(`no Keystone v3 API at ${identityUrl}/auth/tokens (404): check auth_url`);
      }
      throw error;
    }
    this.shared.authentications += 1;
    const token = result.headers['x-subject-token'];
    const body = result.data?.token ?? {};
    if (!token) throw new UnsupportedError(`Keystone at ${identityUrl} issued no X-Subject-Token header`);
    registerSecret(token);

    const expires = Date.parse(String(body.expires_at ?? ''));
    const issued = Date.parse(String(body.issued_at ?? ''));
    // Lifetime from Keystone's own clock, applied to ours; an hour if Keystone omits it.
    const lifetime = Number.isFinite(expires) ? expires - (Number.isFinite(issued) ? issued : obtainedAt) : 3_600_000;
    const catalog = parseCatalog(body.catalog);
    if (catalog.length === 0) {
      throw new ConfigError(
        `Keystone returned no service catalog for ${whoFor(this.spec)}: the token is not project-scoped; check tenant_name`,
      );
    }
    const record: CachedToken = {
      token,
      obtainedAt,
      expiresAt: obtainedAt + Math.max(0, lifetime),
      identityUrl,
      catalog,
      userId: idOf(body.user),
      projectId: idOf(body.project),
      secretCheck: secretCheckFor(this.spec),
    };
    this.current = record;
    if (this.cachePath && this.options.stateDir) writeCachedToken(this.cachePath, this.options.stateDir, record);
    return record;
  }
}

function idOf(value: unknown): string | null {
  const id = (value as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : null;
}
