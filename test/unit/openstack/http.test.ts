import { createServer } from 'node:net';
import { Deadline } from '../../../lib/runtime/deadline';
import { DeadlineError } from '../../../lib/runtime/errors';
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
} from '../../../lib/openstack/errors';
import { ServiceHttp, closeHttpAgents, type ServiceHttpOptions, type TokenProvider } from '../../../lib/openstack/http';
import { FakeOpenStack } from './fake-openstack';

const cloud = new FakeOpenStack();

beforeAll(() => cloud.start());
afterAll(async () => {
  closeHttpAgents();
  await cloud.stop();
});
beforeEach(() => {
  cloud.requests.length = 0;
});

const fastRetry = { attempts: 4, baseDelayMs: 10 };

function client(extra: Partial<ServiceHttpOptions> = {}): ServiceHttp {
  return new ServiceHttp({
    service: 'nova',
    baseUrl: `${cloud.base}/svc`,
    deadline: Deadline.in(20_000),
    tls: { insecure: false },
    retry: fastRetry,
    ...extra,
  });
}

/** Answers `failures` times with `status`, then 200. */
function flaky(path: string, method: string, failures: number, status: number, headers: Record<string, string> = {}): void {
  let seen = 0;
  cloud.on(method, path, () => {
    seen += 1;
    return seen <= failures ? { status, body: { computeFault: { message: 'try later' } }, headers } : { body: { ok: seen } };
  });
}

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('retry policy', () => {
  it('retries a GET answered 503 and returns the eventual answer', async () => {
    flaky('/svc/get-503', 'GET', 2, 503);
    const result = await client().get<{ ok: number }>('/get-503', { what: 'a listing' });
    expect(result.data.ok).toBe(3);
    expect(cloud.count('GET', '/svc/get-503')).toBe(3);
  });

  it('retries 429 honouring Retry-After', async () => {
    flaky('/svc/get-429', 'GET', 1, 429, { 'Retry-After': '0' });
    await client().get('/get-429', { what: 'a listing' });
    expect(cloud.count('GET', '/svc/get-429')).toBe(2);
  });

  it('never retries a POST, even on 503', async () => {
    flaky('/svc/post-503', 'POST', 1, 503);
    const error = await caught(client().post('/post-503', { what: 'evacuation of server x', body: { evacuate: {} } }));
    expect(error).toBeInstanceOf(ServerError);
    expect(error.message).toBe('nova failed evacuation of server x (HTTP 503: try later); check the nova service logs');
    expect(cloud.count('POST', '/svc/post-503')).toBe(1);
  });

  it('retries a PUT only when the caller marks it idempotent', async () => {
    flaky('/svc/put-a', 'PUT', 1, 502);
    await expect(client().put('/put-a', { what: 'x', body: {} })).rejects.toBeInstanceOf(ServerError);
    expect(cloud.count('PUT', '/svc/put-a')).toBe(1);
    flaky('/svc/put-b', 'PUT', 1, 502);
    await client().put('/put-b', { what: 'x', body: {}, idempotent: true });
    expect(cloud.count('PUT', '/svc/put-b')).toBe(2);
  });

  it('gives up after the configured attempts with a ServerError naming status and service', async () => {
    flaky('/svc/always-500', 'GET', 100, 500);
    const error = await caught(client().get('/always-500', { what: 'listing of servers' }));
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).status).toBe(500);
    expect(cloud.count('GET', '/svc/always-500')).toBe(fastRetry.attempts);
  });

  it('does not retry when the deadline leaves no room for the backoff', async () => {
    flaky('/svc/late-503', 'GET', 5, 503);
    const http = client({ deadline: Deadline.in(1_500), retry: { attempts: 4, baseDelayMs: 5_000 } });
    await expect(http.get('/late-503', { what: 'x' })).rejects.toBeInstanceOf(ServerError);
    expect(cloud.count('GET', '/svc/late-503')).toBe(1);
  });

  it('retries a GET whose connection is dropped, never a POST', async () => {
    let drops = 0;
    cloud.on('GET', '/svc/drop', () => (drops++ < 1 ? { hangUp: true } : { body: { ok: true } }));
    await expect(client().get('/drop', { what: 'x' })).resolves.toMatchObject({ data: { ok: true } });
    cloud.on('POST', '/svc/drop', () => ({ hangUp: true }));
    await expect(client().post('/drop', { what: 'x', body: {} })).rejects.toBeInstanceOf(ServiceUnreachableError);
    expect(cloud.count('POST', '/svc/drop')).toBe(1);
  });
});

describe('error mapping', () => {
  it.each([
    [400, { badRequest: { code: 400, message: 'Invalid state of instance files' } }, BadRequestError, 'nova rejected evacuation of vm1 (400: Invalid state of instance files)'],
    [403, { forbidden: { message: 'Policy does not allow' } }, ForbiddenError, 'the user needs the admin role'],
    [404, { itemNotFound: { message: 'Instance vm1 could not be found.' } }, NotFoundError, 'nova: evacuation of vm1 not found (404: Instance vm1 could not be found.)'],
    [409, { conflictingRequest: { message: "Cannot 'evacuate' instance while it is in task_state rebuilding" } }, ConflictError, 'task_state rebuilding'],
  ])('HTTP %i maps to its typed error carrying Nova\'s message', async (status, body, type, message) => {
    cloud.on('POST', `/svc/e${status}`, () => ({ status, body }));
    const error = await caught(client().post(`/e${status}`, { what: 'evacuation of vm1', body: {} }));
    expect(error).toBeInstanceOf(type);
    expect(error.message).toContain(message);
  });

  it('a refused connection names the URL and what to check', async () => {
    const port = await closedPort();
    const error = await caught(client({ baseUrl: `http://127.0.0.1:${port}/v2.1` }).get('/os-services', { what: 'x' }));
    expect(error).toBeInstanceOf(ServiceUnreachableError);
    expect(error.message).toBe(
      `cannot reach nova at http://127.0.0.1:${port}/v2.1/os-services (ECONNREFUSED): check endpoint_type / region_name / the network`,
    );
    const keystone = await caught(
      client({ service: 'Keystone', isKeystone: true, baseUrl: `http://127.0.0.1:${port}` }).post('/v3/auth/tokens', { what: 'x', body: {} }),
    );
    expect(keystone).toBeInstanceOf(KeystoneUnreachableError);
    expect(keystone.message).toContain('check auth_url / the network');
  });

  it('a call slower than its own cap is a TimeoutError (and is retried for GET)', async () => {
    let calls = 0;
    cloud.on('GET', '/svc/slow', () => (calls++ < 1 ? { delayMs: 1_000, body: {} } : { body: { fast: true } }));
    const result = await client({ callTimeoutMs: 200 }).get<{ fast: boolean }>('/slow', { what: 'x' });
    expect(result.data.fast).toBe(true);
    cloud.on('POST', '/svc/slow', () => ({ delayMs: 1_000, body: {} }));
    const error = await caught(client({ callTimeoutMs: 200 }).post('/slow', { what: 'x', body: {} }));
    expect(error).toBeInstanceOf(TimeoutError);
  });

  it('a call cut short by the action deadline is a DeadlineError', async () => {
    cloud.on('GET', '/svc/slower', () => ({ delayMs: 1_500, body: {} }));
    const error = await caught(client({ deadline: Deadline.in(300) }).get('/slower', { what: 'x' }));
    expect(error).toBeInstanceOf(DeadlineError);
    expect(error.message).toContain('timed out waiting for nova');
    await expect(client({ deadline: Deadline.in(0) }).get('/slower', { what: 'listing' })).rejects.toBeInstanceOf(DeadlineError);
  });
});

describe('token handling', () => {
  function tokens(sequence: string[]): TokenProvider & { renewed: string[] } {
    let index = 0;
    const renewed: string[] = [];
    return {
      renewed,
      token: async () => sequence[index] ?? 'none',
      renew: async (refused) => {
        renewed.push(refused);
        index += 1;
        return sequence[index] ?? 'none';
      },
    };
  }

  it('sends X-Auth-Token, and on 401 renews once and resends (even a POST)', async () => {
    cloud.on('POST', '/svc/auth', (request) =>
      request.headers['x-auth-token'] === 'good' ? { body: { ok: 1 } } : { status: 401, body: { error: { message: 'bad token' } } },
    );
    const auth = tokens(['stale', 'good']);
    await client({ auth }).post('/auth', { what: 'x', body: {} });
    expect(auth.renewed).toEqual(['stale']);
    expect(cloud.requests.map((request) => request.headers['x-auth-token'])).toEqual(['stale', 'good']);
  });

  it('a second 401 after renewal is an AuthenticationError, not a loop', async () => {
    cloud.on('GET', '/svc/never', () => ({ status: 401, body: { error: { message: 'no' } } }));
    const auth = tokens(['a', 'b', 'c']);
    const error = await caught(client({ auth }).get('/never', { what: 'listing' }));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(auth.renewed).toEqual(['a']);
    expect(cloud.count('GET', '/svc/never')).toBe(2);
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('secrets in errors', () => {
  it('a transport error keeps no request config (and so no token) in its cause chain', async () => {
    const port = await closedPort();
    const auth: TokenProvider = { token: async () => 'token-that-must-not-leak', renew: async () => 'x' };
    const error = await caught(client({ baseUrl: `http://127.0.0.1:${port}`, auth }).get('/', { what: 'x' }));
    const seen = new Set<unknown>();
    const dump = (value: unknown): string => {
      if (value === null || typeof value !== 'object' || seen.has(value)) return String(value);
      seen.add(value);
      return Object.getOwnPropertyNames(value).map((key) => `${key}=${dump((value as Record<string, unknown>)[key])}`).join(' ');
    };
    expect(dump(error)).not.toContain('token-that-must-not-leak');
  });
});
