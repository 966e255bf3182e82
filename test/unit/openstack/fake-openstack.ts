/**
 * A small local OpenStack for the lib/openstack unit tests: Keystone v3 (discovery at the
 * root, password and application-credential auth, a catalog pointing back at this server)
 * and whatever Nova/Glance routes a test registers. Every request is recorded.
 * The full simulated cloud lives in test/sim; this one only has what each test asks for.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
}

export interface Reply {
  readonly status?: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Wait this long before answering (to trigger timeouts). */
  readonly delayMs?: number;
  /** Destroy the socket without answering. */
  readonly hangUp?: boolean;
}

type Handler = (request: Recorded) => Reply | undefined;

export const PASSWORD = 'correct-horse-battery';
export const APP_CRED_SECRET = 'app-cred-secret-value';

export class FakeOpenStack {
  readonly requests: Recorded[] = [];
  private readonly routes: Array<{ method: string; path: string | RegExp; handler: Handler }> = [];
  private server: Server | undefined;
  base = '';
  /** Tokens Keystone has issued; a service accepts only those not revoked. */
  issued: string[] = [];
  revoked = new Set<string>();
  tokenLifetimeMs = 3_600_000;
  novaVersion = { min: '2.1', max: '2.93' };
  /** Require a valid token on service routes (Nova/Glance paths). */
  checkTokens = true;

  on(method: string, path: string | RegExp, handler: Handler): this {
    this.routes.unshift({ method, path, handler });
    return this;
  }

  count(method: string, path: string | RegExp): number {
    return this.requests.filter(
      (request) =>
        request.method === method && (typeof path === 'string' ? request.path === path : path.test(request.path)),
    ).length;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.base = `http://127.0.0.1:${port}`;
    return this.base;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  catalog(): unknown[] {
    const endpoints = (path: string) =>
      ['public', 'internal', 'admin'].flatMap((iface) => [
        { interface: iface, region_id: 'RegionOne', region: 'RegionOne', url: `${this.base}/r1/${iface}${path}` },
        { interface: iface, region_id: 'RegionTwo', region: 'RegionTwo', url: `${this.base}/r2/${iface}${path}` },
      ]);
    return [
      { type: 'identity', name: 'keystone', endpoints: endpoints('/identity') },
      { type: 'compute', name: 'nova', endpoints: endpoints('/compute/v2.1') },
      { type: 'image', name: 'glance', endpoints: endpoints('/image') },
    ];
  }

  private builtin(request: Recorded): Reply | undefined {
    if (request.method === 'GET' && request.path === '/') {
      return {
        status: 300,
        body: {
          versions: {
            values: [
              { id: 'v3.14', status: 'stable', links: [{ rel: 'self', href: `${this.base}/v3/` }] },
              { id: 'v2.0', status: 'deprecated', links: [{ rel: 'self', href: `${this.base}/v2.0/` }] },
            ],
          },
        },
      };
    }
    if (request.method === 'POST' && request.path === '/v3/auth/tokens') return this.issueToken(request);
    if (request.method === 'GET' && /\/compute\/v2\.1\/$/.test(request.path)) {
      return {
        body: { version: { id: 'v2.1', status: 'CURRENT', version: this.novaVersion.max, min_version: this.novaVersion.min } },
      };
    }
    return undefined;
  }

  private issueToken(request: Recorded): Reply {
    const identity = (request.body as { auth?: { identity?: Record<string, any> } })?.auth?.identity ?? {};
    const methods: string[] = identity.methods ?? [];
    let ok = false;
    if (methods.includes('password')) ok = identity.password?.user?.password === PASSWORD;
    if (methods.includes('application_credential')) ok = identity.application_credential?.secret === APP_CRED_SECRET;
    if (!ok) return { status: 401, body: { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } } };
    const token = `tok-${this.issued.length + 1}-${Math.random().toString(36).slice(2, 10)}`;
    this.issued.push(token);
    const issuedAt = new Date();
    return {
      status: 201,
      headers: { 'X-Subject-Token': token },
      body: {
        token: {
          issued_at: issuedAt.toISOString(),
          expires_at: new Date(issuedAt.getTime() + this.tokenLifetimeMs).toISOString(),
          user: { id: 'user-1' },
          project: { id: 'project-1' },
          catalog: this.catalog(),
        },
      },
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.base);
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // keep text
    }
    const request: Recorded = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body };
    this.requests.push(request);

    let reply = this.builtin(request);
    const isService = /^\/r[12]\//.test(request.path);
    if (!reply && isService && this.checkTokens) {
      const token = req.headers['x-auth-token'];
      if (typeof token !== 'string' || !this.issued.includes(token) || this.revoked.has(token)) {
        reply = { status: 401, body: { error: { message: 'Authentication required' } } };
      }
    }
    if (!reply) {
      for (const route of this.routes) {
        const matches = typeof route.path === 'string' ? route.path === request.path : route.path.test(request.path);
        if (route.method === request.method && matches) {
          reply = route.handler(request);
          if (reply) break;
        }
      }
    }
    reply ??= { status: 404, body: { itemNotFound: { code: 404, message: `no route ${request.method} ${request.path}` } } };
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply?.delayMs).unref());
    if (reply.hangUp) {
      req.socket.destroy();
      return;
    }
    const payload = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status ?? 200, {
      'Content-Type': typeof reply.body === 'string' ? 'text/plain' : 'application/json',
      ...(reply.headers ?? {}),
    });
    res.end(payload);
  }
}

/** Compute base path for region/interface in the fake catalog. */
export function computePath(iface = 'internal', region = 'r1'): string {
  return `/${region}/${iface}/compute/v2.1`;
}
