/**
 * A tiny OpenStack client for the simulator's own tests: authenticate once, then call
 * Nova/Glance with a chosen microversion. (The agents use lib/openstack; this stays
 * independent so the simulator is tested against the wire format, not our client.)
 */
export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export class SimApi {
  private token = '';

  constructor(
    readonly authUrl: string,
    readonly novaUrl: string,
    readonly glanceUrl: string,
  ) {}

  async login(user = 'admin', password = 'admin', project = 'admin'): Promise<ApiResponse<any>> {
    const res = await this.raw('POST', `${this.authUrl}/auth/tokens`, {
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } },
        scope: { project: { name: project, domain: { id: 'default' } } },
      },
    });
    this.token = res.headers.get('x-subject-token') ?? '';
    return res;
  }

  async raw<T = any>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const res = await fetch(url, {
      method,
      headers: {
        ...(this.token ? { 'X-Auth-Token': this.token } : {}),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
  }

  nova<T = any>(method: string, path: string, version = '2.1', body?: unknown): Promise<ApiResponse<T>> {
    return this.raw<T>(method, `${this.novaUrl}${path}`, body, { 'X-OpenStack-Nova-API-Version': version });
  }

  glance<T = any>(path: string): Promise<ApiResponse<T>> {
    return this.raw<T>('GET', `${this.glanceUrl}${path}`);
  }
}
