/**
 * The simulator's HTTP server (node:http): one port, devstack-style prefixes —
 * `/identity` (Keystone v3), `/compute` (Nova, `/compute/v2.1`), `/image` (Glance v2) and
 * `/_sim` (control). Every agent-facing request is counted, may be slowed or broken by a
 * fault, and needs a token on Nova and Glance.
 */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { Cloud } from './cloud';
import { CallCounter, controlRoutes } from './control';
import { keystoneErrorBody, novaFaultBody, SimHttpError } from './errors';
import { glanceRoutes } from './glance';
import { keystoneRoutes, TokenStore } from './keystone';
import { format, negotiate, parseVersion } from './microversion';
import { novaCatalogRoutes } from './nova-catalog';
import { novaServerRoutes } from './nova-servers';
import { novaServiceRoutes } from './nova-services';
import { draw } from './rng';
import { match, type ApiName, type Reply, type RequestContext, type Route } from './router';

const PREFIXES: Array<[string, ApiName]> = [
  ['/identity', 'keystone'],
  ['/compute', 'nova'],
  ['/image', 'glance'],
  ['/_sim', 'control'],
];

const MAX_BODY = 1 << 20;

export interface SimServer {
  origin: string;
  cloud: Cloud;
  calls: CallCounter;
  tokens: TokenStore;
  close(): Promise<void>;
}

export async function startSimServer(cloud: Cloud, listen: { host?: string; port?: number } = {}): Promise<SimServer> {
  const tokens = new TokenStore();
  const calls = new CallCounter();
  const routes: Route[] = [
    ...keystoneRoutes(cloud, tokens),
    ...novaServiceRoutes(cloud),
    ...novaServerRoutes(cloud),
    ...novaCatalogRoutes(cloud),
    ...glanceRoutes(cloud),
    ...controlRoutes(cloud, calls, tokens),
  ];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    handle(cloud, routes, tokens, calls, req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: String(err) });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port ?? 0, listen.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const origin = `http://${addr.address}:${addr.port}`;
  return {
    origin,
    cloud,
    calls,
    tokens,
    close: async () => {
      cloud.dispose();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(text ? { 'Content-Type': 'application/json' } : {}),
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new SimHttpError(413, 'Request is too large.');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SimHttpError(400, 'Malformed request body');
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function errorBody(api: ApiName, status: number, message: string): unknown {
  switch (api) {
    case 'nova':
      return novaFaultBody(status, message);
    case 'keystone':
      return keystoneErrorBody(status, message);
    case 'glance':
      return { code: status, title: message, message };
    case 'control':
      return { error: message };
  }
}

async function handle(
  cloud: Cloud,
  routes: Route[],
  tokens: TokenStore,
  calls: CallCounter,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const host = req.headers.host ?? '127.0.0.1';
  const url = new URL(req.url ?? '/', `http://${host}`);
  const origin = `http://${host}`;
  const method = (req.method ?? 'GET').toUpperCase();
  // The bare root answers Keystone's version discovery too (an auth_url without a path).
  const prefix: [string, ApiName] | undefined =
    url.pathname === '/' ? ['', 'keystone'] : PREFIXES.find(([p]) => url.pathname === p || url.pathname.startsWith(`${p}/`));
  if (!prefix) {
    send(res, 404, { error: `no such API: ${url.pathname}` });
    return;
  }
  const [pfx, api] = prefix;
  const sub = api === 'control' ? url.pathname : url.pathname.slice(pfx.length).replace(/\/$/, '');
  let novaHeaders: Record<string, string> = {};
  try {
    const body = await readBody(req);
    const found = match(routes, api, method, sub);
    if (api !== 'control') {
      const template = found && found !== 'method' ? found.route.template || '/' : '<unknown>';
      const key = `${method} ${template}`;
      calls.count(key);
      const started = Date.now();
      res.once('close', () =>
        calls.record({
          at: new Date(started).toISOString(),
          method,
          route: template,
          path: `${url.pathname}${url.search}`,
          status: res.writableFinished ? res.statusCode : 0,
          ms: Date.now() - started,
        }),
      );
      if (found && found !== 'method' && template.endsWith('/action') && typeof body === 'object' && body !== null) {
        const name = Object.keys(body)[0];
        if (name) calls.countAction(name);
      }
      if ((await applyFaults(cloud, api, key, res)) !== 'continue') return;
    }
    if (found === null) throw new SimHttpError(404, 'The resource could not be found.');
    if (found === 'method') throw new SimHttpError(405, 'The method is not allowed for the requested URL.');
    const { route: r, params } = found;
    let token = null;
    if (r.auth) {
      const raw = req.headers['x-auth-token'];
      token = tokens.valid(Array.isArray(raw) ? raw[0] : raw, cloud.now());
      if (!token) throw new SimHttpError(401, 'The request you have made requires authentication.', { 'WWW-Authenticate': `Keystone uri="${origin}/identity"` });
    }
    let version = parseVersion(cloud.config.nova.minVersion)!;
    if (api === 'nova' && r.template.startsWith('/v2.1/')) {
      version = negotiate(req.headers, cloud.config.nova.minVersion, cloud.config.nova.maxVersion);
      const requestId = `req-${randomUUID()}`;
      novaHeaders = {
        'X-OpenStack-Request-Id': requestId,
        'X-Compute-Request-Id': requestId,
        'X-OpenStack-Nova-API-Version': format(version),
        'OpenStack-API-Version': `compute ${format(version)}`,
        Vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version',
      };
    }
    const ctx: RequestContext = {
      req,
      method,
      path: sub,
      params,
      query: url.searchParams,
      body,
      base: `${origin}${api === 'control' ? '' : pfx}`,
      origin,
      token,
      version,
    };
    const reply: Reply = await r.handler(ctx);
    if (reply.hold) {
      res.writeHead(reply.status, { ...novaHeaders, ...(reply.headers ?? {}) });
      res.flushHeaders();
      reply.hold(res);
      return;
    }
    send(res, reply.status, reply.body, { ...novaHeaders, ...(reply.headers ?? {}) });
  } catch (err) {
    if (err instanceof SimHttpError) {
      send(res, err.status, errorBody(api, err.status, err.message), { ...novaHeaders, ...err.headers });
    } else {
      const message = err instanceof Error ? err.message : String(err);
      send(res, 500, errorBody(api, 500, `Unexpected API Error: ${message}`), novaHeaders);
    }
  }
}

/**
 * Latency, slow Keystone, delays, hangs and injected HTTP errors for one request: whether
 * the request goes on to its handler, was answered here, or hangs.
 */
async function applyFaults(cloud: Cloud, api: ApiName, key: string, res: ServerResponse): Promise<'continue' | 'answered' | 'hung'> {
  const latency = draw(cloud.timing.apiLatencyMs, cloud.rng);
  if (latency > 0) await sleep(latency);
  if (api === 'keystone') {
    const slow = cloud.faults.fire('keystone-slow', { route: key });
    if (slow) await sleep(slow.delayMs ?? 5000);
  }
  const delay = cloud.faults.fire('delay', { route: key });
  if (delay) await sleep(delay.delayMs ?? 1000);
  const hang = cloud.faults.fire('hang', { route: key });
  if (hang) {
    if (hang.delayMs !== undefined) setTimeout(() => res.destroy(), hang.delayMs).unref();
    return 'hung';
  }
  const error = cloud.faults.fire('http-error', { route: key });
  if (error) {
    const status = error.status ?? 500;
    send(res, status, errorBody(api, status, error.message ?? 'Injected fault'));
    return 'answered';
  }
  return res.destroyed ? 'answered' : 'continue';
}
