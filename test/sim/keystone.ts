/**
 * Keystone v3, the part agents use: version discovery (what keystoneclient's
 * `available_versions` and keystoneauth read), password and application-credential
 * authentication scoped to a project, the service catalog, and token validation.
 */
import { randomBytes } from 'node:crypto';
import type { Cloud } from './cloud';
import { SimHttpError } from './errors';
import { objectField, ok, route, type Reply, type RequestContext, type Route, type TokenInfo } from './router';
import type { Project, User } from './model';

export class TokenStore {
  private readonly tokens = new Map<string, TokenInfo>();

  issue(info: Omit<TokenInfo, 'id'>): TokenInfo {
    const token = { ...info, id: `gAAAAA${randomBytes(24).toString('hex')}` };
    this.tokens.set(token.id, token);
    return token;
  }

  /** The token if it exists and has not expired. */
  valid(id: string | undefined, now: number): TokenInfo | null {
    if (!id) return null;
    const t = this.tokens.get(id);
    return t && t.expiresAt > now ? t : null;
  }

  /** Expire every token now (tests of re-authentication). */
  expireAll(): void {
    for (const t of this.tokens.values()) t.expiresAt = 0;
  }
}

const UNAUTHORIZED = 'The request you have made requires authentication.';

function versionEntry(origin: string) {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${origin}/identity/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

export function keystoneRoutes(cloud: Cloud, tokens: TokenStore): Route[] {
  const versions = (ctx: RequestContext): Reply => ({ status: 300, body: { versions: { values: [versionEntry(ctx.origin)] } } });
  const version = (ctx: RequestContext): Reply => ok({ version: versionEntry(ctx.origin) });
  return [
    route('keystone', 'GET', '', versions),
    route('keystone', 'GET', '/v3', version),
    route('keystone', 'POST', '/v3/auth/tokens', (ctx) => authenticate(cloud, tokens, ctx)),
    route('keystone', 'GET', '/v3/auth/tokens', (ctx) => {
      const caller = tokens.valid(header(ctx, 'x-auth-token'), cloud.now());
      if (!caller) throw new SimHttpError(401, UNAUTHORIZED);
      const subject = tokens.valid(header(ctx, 'x-subject-token'), cloud.now());
      if (!subject) throw new SimHttpError(404, `Could not find token: ${header(ctx, 'x-subject-token') ?? ''}.`);
      return { status: 200, body: tokenBody(cloud, subject, ctx.origin), headers: { 'X-Subject-Token': subject.id } };
    }),
  ];
}

function header(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function authenticate(cloud: Cloud, tokens: TokenStore, ctx: RequestContext): Reply {
  const auth = objectField(ctx.body, 'auth');
  const identity = objectField(auth, 'identity');
  const methods = identity?.['methods'];
  if (!identity || !Array.isArray(methods) || methods.length === 0) {
    throw new SimHttpError(400, "Invalid input for field 'identity': 'methods' is a required property");
  }
  let user: User | undefined;
  let projectId: string | null = null;
  if (methods.includes('application_credential')) {
    const ac = objectField(identity, 'application_credential');
    const secret = ac?.['secret'];
    const byId = typeof ac?.['id'] === 'string' ? cloud.appCredentials.find((c) => c.id === ac['id']) : undefined;
    const acUser = objectField(ac, 'user');
    const byName = typeof ac?.['name'] === 'string'
      ? cloud.appCredentials.find((c) => {
          const u = cloud.users.find((x) => x.id === c.userId);
          return c.name === ac['name'] && u !== undefined && (acUser?.['id'] === u.id || acUser?.['name'] === u.name);
        })
      : undefined;
    const cred = byId ?? byName;
    if (!cred || cred.secret !== secret) throw new SimHttpError(401, UNAUTHORIZED);
    user = cloud.users.find((u) => u.id === cred.userId);
    projectId = cred.projectId;
  } else if (methods.includes('password')) {
    const pu = objectField(objectField(identity, 'password'), 'user');
    user = findUser(cloud, pu);
    if (!user || pu?.['password'] !== user.password) throw new SimHttpError(401, UNAUTHORIZED);
    const scope = objectField(auth, 'scope');
    const sp = objectField(scope, 'project');
    if (sp) {
      const project = findProject(cloud, sp);
      if (!project) throw new SimHttpError(401, UNAUTHORIZED);
      projectId = project.id;
    }
  } else {
    throw new SimHttpError(401, UNAUTHORIZED);
  }
  if (!user) throw new SimHttpError(401, UNAUTHORIZED);
  const now = cloud.now();
  const token = tokens.issue({
    userId: user.id,
    userName: user.name,
    projectId,
    issuedAt: now,
    expiresAt: now + cloud.timing.tokenTtlSec * 1000,
    methods: methods.filter((m): m is string => typeof m === 'string'),
  });
  return { status: 201, body: tokenBody(cloud, token, ctx.origin), headers: { 'X-Subject-Token': token.id } };
}

function domainMatches(d: Record<string, unknown> | undefined, id: string, name: string): boolean {
  if (!d) return true;
  if (typeof d['id'] === 'string') return d['id'] === id;
  if (typeof d['name'] === 'string') return d['name'] === name;
  return false;
}

function findUser(cloud: Cloud, pu: Record<string, unknown> | undefined): User | undefined {
  if (!pu) return undefined;
  if (typeof pu['id'] === 'string') return cloud.users.find((u) => u.id === pu['id']);
  const domain = objectField(pu, 'domain');
  return cloud.users.find((u) => u.name === pu['name'] && domainMatches(domain, u.domainId, u.domainName));
}

function findProject(cloud: Cloud, sp: Record<string, unknown>): Project | undefined {
  if (typeof sp['id'] === 'string') return cloud.projects.find((p) => p.id === sp['id']);
  const domain = objectField(sp, 'domain');
  return cloud.projects.find((p) => p.name === sp['name'] && domainMatches(domain, p.domainId, p.domainName));
}

export function catalog(cloud: Cloud, origin: string) {
  const region = cloud.config.region;
  const service = (type: string, name: string, url: string) => ({
    id: `${type}-service`,
    type,
    name,
    endpoints: ['public', 'internal', 'admin'].map((iface) => ({
      id: `${type}-${iface}`,
      interface: iface,
      region,
      region_id: region,
      url,
    })),
  });
  return [
    service('identity', 'keystone', `${origin}/identity/v3`),
    service('compute', 'nova', `${origin}/compute/v2.1`),
    service('image', 'glance', `${origin}/image`),
  ];
}

function tokenBody(cloud: Cloud, t: TokenInfo, origin: string) {
  const user = cloud.users.find((u) => u.id === t.userId);
  const project = t.projectId ? cloud.projects.find((p) => p.id === t.projectId) : undefined;
  return {
    token: {
      methods: t.methods,
      user: {
        id: t.userId,
        name: t.userName,
        domain: { id: user?.domainId ?? 'default', name: user?.domainName ?? 'Default' },
        password_expires_at: null,
      },
      audit_ids: [t.id.slice(-22)],
      issued_at: new Date(t.issuedAt).toISOString().replace('Z', '000Z'),
      expires_at: new Date(t.expiresAt).toISOString().replace('Z', '000Z'),
      ...(project
        ? {
            project: { id: project.id, name: project.name, domain: { id: project.domainId, name: project.domainName } },
            is_domain: false,
            roles: [
              { id: 'role-admin', name: 'admin' },
              { id: 'role-member', name: 'member' },
              { id: 'role-reader', name: 'reader' },
            ],
            catalog: catalog(cloud, origin),
          }
        : {}),
    },
  };
}

