/**
 * One HTTP client per OpenStack service: base URL from the catalog, token header, TLS
 * settings, a per-call timeout capped by the action's Deadline, a retry policy for
 * idempotent calls only, and status codes mapped to the typed errors of errors.ts.
 *
 * Retries: GET and HEAD (and PUT when the caller says it is idempotent, e.g. setting a
 * service's state) are retried on connection errors, per-call timeouts, 5xx and 429, with a
 * short backoff, as long as the deadline leaves time. POST is never retried: an evacuate
 * that reached Nova before the connection broke must not be sent twice. The one exception
 * is a 401, which proves the request was not acted on: the token is renewed once and the
 * request sent again, whatever the method.
 */
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { Deadline } from '../runtime/deadline';
import { DeadlineError } from '../runtime/errors';
import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  KeystoneUnreachableError,
  NotFoundError,
  ServerError,
  ServiceUnreachableError,
  TimeoutError,
  UnexpectedResponseError,
} from './errors';

export interface TlsOptions {
  readonly insecure: boolean;
  readonly caBundle?: string;
}

/** Supplies the token and renews it once when a service answers 401. */
export interface TokenProvider {
  token(): Promise<string>;
  /** Called with the token that was refused; returns a fresh one. */
  renew(refused: string): Promise<string>;
}

export interface RetryPolicy {
  /** Total attempts for a retryable call, first one included. */
  readonly attempts: number;
  /** Backoff before retry n (1-based) is baseDelayMs * 2^(n-1), capped at 2 s. */
  readonly baseDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 250 };
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

export interface ServiceHttpOptions {
  /** For messages: 'Keystone', 'nova', 'glance'. */
  readonly service: string;
  readonly baseUrl: string;
  readonly deadline: Deadline;
  readonly tls: TlsOptions;
  /** Keystone's own calls report KeystoneUnreachableError, others ServiceUnreachableError. */
  readonly isKeystone?: boolean;
  readonly auth?: TokenProvider;
  readonly headers?: Readonly<Record<string, string>>;
  readonly callTimeoutMs?: number;
  readonly retry?: RetryPolicy;
}

export type Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE' | 'PATCH';
export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface RequestOptions {
  /** What the call does, for messages: "force-down of nova-compute on cmp-a". */
  readonly what: string;
  readonly query?: Query;
  readonly body?: unknown;
  /** PUT only: the call sets a state, so sending it twice is harmless. */
  readonly idempotent?: boolean;
  readonly headers?: Readonly<Record<string, string>>;
  /** Non-2xx statuses that are answers, not errors (Keystone discovery's 300). */
  readonly acceptStatus?: readonly number[];
}

export interface HttpResult<T> {
  readonly status: number;
  readonly data: T;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

const agents = new Map<string, { http: HttpAgent; https: HttpsAgent }>();

/** Keep-alive agents shared per TLS setting; idle sockets do not hold the process open. */
function agentsFor(tls: TlsOptions): { http: HttpAgent; https: HttpsAgent } {
  const key = `${tls.insecure}|${tls.caBundle ?? ''}`;
  let pair = agents.get(key);
  if (!pair) {
    pair = {
      http: new HttpAgent({ keepAlive: true }),
      https: new HttpsAgent({
        keepAlive: true,
        rejectUnauthorized: !tls.insecure,
        ...(tls.caBundle ? { ca: readFileSync(tls.caBundle) } : {}),
      }),
    };
    agents.set(key, pair);
  }
  return pair;
}

/** Closes pooled sockets (tests, and a CLI that wants to exit at once). */
export function closeHttpAgents(): void {
  for (const pair of agents.values()) {
    pair.http.destroy();
    pair.https.destroy();
  }
  agents.clear();
}

function isRetryableMethod(method: Method, options: RequestOptions): boolean {
  return method === 'GET' || method === 'HEAD' || (method === 'PUT' && options.idempotent === true);
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Nova: {"badRequest": {"message": …}}; Keystone: {"error": {"message": …}}; Glance: text. */
export function serviceMessage(data: unknown): string {
  if (typeof data === 'string') {
    return data.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 300);
  }
  if (data !== null && typeof data === 'object') {
    const record = data as Record<string, unknown>;
    if (typeof record.message === 'string') return record.message;
    for (const value of Object.values(record)) {
      if (value !== null && typeof value === 'object') {
        const message = (value as Record<string, unknown>).message;
        if (typeof message === 'string') return message;
      }
    }
    return JSON.stringify(data).slice(0, 300);
  }
  return '';
}

function transportDetail(error: unknown): string {
  const candidate = error as { code?: string; message?: string; cause?: { code?: string } };
  return candidate.code ?? candidate.cause?.code ?? candidate.message ?? String(error);
}

function retryAfterMs(response: AxiosResponse | undefined): number | undefined {
  const header = response?.headers?.['retry-after'];
  const seconds = typeof header === 'string' ? Number(header) : Number.NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

export class ServiceHttp {
  readonly service: string;
  readonly baseUrl: string;
  private readonly client: AxiosInstance;
  private readonly callTimeoutMs: number;
  private readonly retry: RetryPolicy;

  constructor(private readonly options: ServiceHttpOptions) {
    this.service = options.service;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.retry = options.retry ?? DEFAULT_RETRY;
    const pair = agentsFor(options.tls);
    this.client = axios.create({
      httpAgent: pair.http,
      httpsAgent: pair.https,
      // Endpoints come from the catalog; an environment proxy is not part of that contract.
      proxy: false,
      maxRedirects: 0,
      validateStatus: () => true,
      headers: { Accept: 'application/json', ...(options.headers ?? {}) },
    });
  }

  /** `path` is relative to the base URL ("/os-services"), or absolute ("http://…"). */
  url(path: string): string {
    return /^https?:\/\//.test(path) ? path : `${this.baseUrl}${path.startsWith('/') ? '' : '/'}${path}`;
  }

  get<T>(path: string, options: RequestOptions): Promise<HttpResult<T>> {
    return this.request<T>('GET', path, options);
  }

  put<T>(path: string, options: RequestOptions): Promise<HttpResult<T>> {
    return this.request<T>('PUT', path, options);
  }

  post<T>(path: string, options: RequestOptions): Promise<HttpResult<T>> {
    return this.request<T>('POST', path, options);
  }

  async request<T>(method: Method, path: string, options: RequestOptions): Promise<HttpResult<T>> {
    const url = this.url(path);
    const retryable = isRetryableMethod(method, options);
    const { deadline } = this.options;
    let renewed = false;
    let attempt = 0;
    let token = this.options.auth ? await this.options.auth.token() : undefined;

    for (;;) {
      attempt += 1;
      const budget = deadline.budget(this.callTimeoutMs);
      if (budget <= 0) throw new DeadlineError(`timed out before ${this.service} ${options.what}`);
      const limitedByDeadline = budget < this.callTimeoutMs;

      let response: AxiosResponse | undefined;
      let failure: Error | undefined;
      try {
        response = await this.client.request({
          method,
          url,
          params: options.query ? stripUndefined(options.query) : undefined,
          data: options.body,
          headers: {
            ...(token ? { 'X-Auth-Token': token } : {}),
            ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
            ...(options.headers ?? {}),
          },
          timeout: budget,
          signal: AbortSignal.timeout(budget),
        });
      } catch (error) {
        failure = this.transportError(error, url, budget, limitedByDeadline);
        if (failure instanceof DeadlineError) throw failure;
      }

      if (response && response.status === 401 && this.options.auth && token && !renewed) {
        renewed = true;
        token = await this.options.auth.renew(token);
        attempt -= 1;
        continue;
      }
      if (response && (response.status < 300 || options.acceptStatus?.includes(response.status))) {
        return { status: response.status, data: response.data as T, headers: flattenHeaders(response) };
      }
      if (response && !isRetryableStatus(response.status)) throw this.statusError(response, options.what);

      const error = failure ?? this.statusError(response as AxiosResponse, options.what);
      if (!retryable || attempt >= this.retry.attempts) throw error;
      const delay = Math.min(2000, retryAfterMs(response) ?? this.retry.baseDelayMs * 2 ** (attempt - 1));
      // Only retry if the wait and a reasonable attempt both fit in what is left.
      if (deadline.remainingMs() < delay + Math.min(1000, this.callTimeoutMs)) throw error;
      await deadline.sleep(delay);
    }
  }

  private transportError(raw: unknown, url: string, budget: number, limitedByDeadline: boolean): Error {
    const detail = transportDetail(raw);
    // Axios errors carry the request config, X-Auth-Token included: keep only the words.
    const error = new Error(raw instanceof Error ? `${detail}: ${raw.message}` : detail);
    const timedOut = ['ECONNABORTED', 'ETIMEDOUT', 'ERR_CANCELED', 'TimeoutError', 'AbortError'].includes(detail) ||
      /timeout|aborted/i.test(detail);
    if (timedOut) {
      if (limitedByDeadline) {
        return new DeadlineError(`timed out waiting for ${this.service} at ${url}`, { cause: error });
      }
      return new TimeoutError(this.service, url, budget);
    }
    return this.options.isKeystone
      ? new KeystoneUnreachableError(url, detail, { cause: error })
      : new ServiceUnreachableError(this.service, url, detail, { cause: error });
  }

  private statusError(response: AxiosResponse, what: string): Error {
    const message = serviceMessage(response.data);
    switch (response.status) {
      case 400:
        return new BadRequestError(this.service, message, what);
      case 401:
        return new AuthenticationError(
          this.options.isKeystone
            ? `Keystone refused the credentials for ${what} (401: ${message}): check username/password/domains`
            : `${this.service} refused a fresh Keystone token for ${what} (401: ${message}); check that the catalog and the service use the same Keystone`,
        );
      case 403:
        return new ForbiddenError(this.service, message, what);
      case 404:
        return new NotFoundError(this.service, message, what);
      case 409:
        return new ConflictError(this.service, message, what);
      default:
        if (isRetryableStatus(response.status)) return new ServerError(this.service, response.status, message, what);
        return new UnexpectedResponseError(this.service, response.status, what, message);
    }
  }
}

function stripUndefined(query: Query): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(query)) if (value !== undefined) out[key] = value;
  return out;
}

function flattenHeaders(response: AxiosResponse): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(response.headers ?? {})) {
    out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value === undefined ? undefined : String(value);
  }
  return out;
}
