/**
 * The simulator's request plumbing: route templates (`/v2.1/servers/{server_id}`), a
 * context per request, and the answer shape handlers return. No framework: node:http.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Version } from './microversion';

export type ApiName = 'keystone' | 'nova' | 'glance' | 'control';

export interface TokenInfo {
  id: string;
  userId: string;
  userName: string;
  projectId: string | null;
  expiresAt: number;
  issuedAt: number;
  methods: string[];
}

export interface RequestContext {
  req: IncomingMessage;
  method: string;
  /** Path below the API's prefix, e.g. `/v2.1/os-services`. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  /** `http://127.0.0.1:PORT/compute`: the API's own base URL, for links. */
  base: string;
  /** `http://127.0.0.1:PORT`: the server's origin. */
  origin: string;
  token: TokenInfo | null;
  /** Negotiated compute microversion (Nova routes only). */
  version: Version;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * A long-lived answer (compute sessions): the server sends the status and headers at once
   * and hands the response over instead of sending `body`.
   */
  hold?: (res: ServerResponse) => void;
}

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

export interface Route {
  api: ApiName;
  method: string;
  template: string;
  regex: RegExp;
  keys: string[];
  /** Nova/Glance need a valid token; Keystone's own routes and the control plane do not. */
  auth: boolean;
  handler: Handler;
}

export function route(api: ApiName, method: string, template: string, handler: Handler, auth = api === 'nova' || api === 'glance'): Route {
  const keys: string[] = [];
  const pattern = template.replace(/[.]/g, '\\.').replace(/\{(\w+)\}/g, (_m, key: string) => {
    keys.push(key);
    return '([^/]+)';
  });
  return { api, method, template, regex: new RegExp(`^${pattern}/?$`), keys, auth, handler };
}

export function match(routes: Route[], api: ApiName, method: string, path: string): { route: Route; params: Record<string, string> } | 'method' | null {
  let pathMatched = false;
  for (const r of routes) {
    if (r.api !== api) continue;
    const m = r.regex.exec(path);
    if (!m) continue;
    if (r.method !== method) {
      pathMatched = true;
      continue;
    }
    const params: Record<string, string> = {};
    r.keys.forEach((k, i) => {
      params[k] = decodeURIComponent(m[i + 1] ?? '');
    });
    return { route: r, params };
  }
  return pathMatched ? 'method' : null;
}

export const ok = (body?: unknown, headers?: Record<string, string>): Reply => ({
  status: 200,
  ...(body === undefined ? {} : { body }),
  ...(headers ? { headers } : {}),
});

/** A JSON body field as an object, or undefined. */
export function objectField(body: unknown, key: string): Record<string, unknown> | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const v = (body as Record<string, unknown>)[key];
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Nova's timestamps in listings: `2026-11-25T12:00:00.000000`. */
export function novaTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000');
}
