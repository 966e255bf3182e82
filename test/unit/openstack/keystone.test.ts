import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Deadline } from '../../../lib/runtime/deadline';
import { ConfigError } from '../../../lib/runtime/errors';
import { redactSecrets } from '../../../lib/runtime/secrets';
import { connect } from '../../../lib/openstack/connect';
import { resolveAuthSpec, type AuthParams } from '../../../lib/openstack/credentials';
import { AuthenticationError, KeystoneUnreachableError } from '../../../lib/openstack/errors';
import { closeHttpAgents } from '../../../lib/openstack/http';
import { KeystoneSession, authRequestBody, forgetProcessTokens } from '../../../lib/openstack/keystone';
import { findEndpoint, parseCatalog } from '../../../lib/openstack/catalog';
import { APP_CRED_SECRET, FakeOpenStack, PASSWORD, computePath } from './fake-openstack';

const cloud = new FakeOpenStack();
let stateDir: string;

beforeAll(() => cloud.start());
afterAll(async () => {
  closeHttpAgents();
  await cloud.stop();
});
beforeEach(() => {
  cloud.requests.length = 0;
  cloud.revoked.clear();
  cloud.tokenLifetimeMs = 3_600_000;
  forgetProcessTokens();
  stateDir = mkdtempSync(join(tmpdir(), 'ks-state-'));
});
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

function params(extra: AuthParams = {}): AuthParams {
  return { auth_url: `${cloud.base}/v3`, username: 'admin', password: PASSWORD, tenant_name: 'admin', ...extra };
}

function session(extra: AuthParams = {}, options: { now?: () => number; renewMarginMs?: number } = {}): KeystoneSession {
  return new KeystoneSession(resolveAuthSpec(params(extra)), { deadline: Deadline.in(10_000), stateDir, ...options });
}

/** What a new agent process sees: the token file, not this process's memory. */
function newProcess(): void {
  forgetProcessTokens();
}

describe('authentication', () => {
  it('uses an auth_url ending in /v3 as is', async () => {
    await session().ensure();
    expect(cloud.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['POST /v3/auth/tokens']);
  });

  it('discovers v3 at the root when auth_url has no version', async () => {
    await session({ auth_url: `${cloud.base}/` }).ensure();
    expect(cloud.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['GET /', 'POST /v3/auth/tokens']);
  });

  it('sends v3 password auth with user and project domains (tenant_name → project name)', async () => {
    await session({ user_domain: 'users', project_domain: 'projects' }).ensure();
    expect(cloud.requests[0]?.body).toEqual({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'admin', domain: { name: 'users' }, password: PASSWORD } },
        },
        scope: { project: { name: 'admin', domain: { name: 'projects' } } },
      },
    });
  });

  it('sends application-credential auth without a scope', () => {
    const spec = resolveAuthSpec({
      auth_url: 'http://x/v3',
      application_credential_name: 'ha',
      username: 'svc',
      application_credential_secret: APP_CRED_SECRET,
    });
    expect(authRequestBody(spec)).toEqual({
      auth: {
        identity: {
          methods: ['application_credential'],
          application_credential: { name: 'ha', user: { name: 'svc', domain: { name: 'Default' } }, secret: APP_CRED_SECRET },
        },
      },
    });
  });

  it('authenticates with an application credential against Keystone', async () => {
    const spec = resolveAuthSpec({ auth_url: `${cloud.base}/v3`, application_credential_id: 'ac1', application_credential_secret: APP_CRED_SECRET });
    const token = await new KeystoneSession(spec, { deadline: Deadline.in(5_000) }).token();
    expect(cloud.issued).toContain(token);
  });

  it('a 401 says whom Keystone refused and what to check', async () => {
    const error = await session({ password: 'wrong-password-here' }).ensure().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toBe(
      `Keystone at ${cloud.base}/v3 refused user 'admin' (domain Default) for project 'admin' (domain Default) (401): ` +
        'check username/password/domains and tenant_name',
    );
    expect((error as Error).message).not.toContain('wrong-password-here');
  });

  it('Keystone unreachable is KeystoneUnreachableError naming the URL', async () => {
    const error = await session({ auth_url: 'http://127.0.0.1:9/v3' }).ensure().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeystoneUnreachableError);
    expect((error as Error).message).toContain('cannot reach Keystone at http://127.0.0.1:9/v3/auth/tokens');
  });

  it('registers the token as a secret', async () => {
    const token = await session().token();
    expect(redactSecrets(`X-Auth-Token: ${token}`)).toBe('X-Auth-Token: ****');
  });

  it('authenticates once per process, even for concurrent callers', async () => {
    await Promise.all([session().ensure(), session().ensure(), session().token()]);
    expect(cloud.count('POST', '/v3/auth/tokens')).toBe(1);
  });
});

describe('token cache', () => {
  it('writes a 0600 file keyed without the password and reuses it in the next process', async () => {
    const first = await session().token();
    const files = readdirSync(stateDir);
    expect(files).toHaveLength(1);
    const file = join(stateDir, files[0] ?? '');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(files[0]).not.toContain(PASSWORD);
    expect(readFileSync(file, 'utf8')).not.toContain(PASSWORD);

    newProcess();
    const again = session();
    expect(await again.token()).toBe(first);
    expect(cloud.count('POST', '/v3/auth/tokens')).toBe(1);
  });

  it('reuses a cached token only for the password it was issued for: a wrong new password fails at once', async () => {
    await session().ensure();
    newProcess();
    await expect(session({ password: 'not-the-password' }).ensure()).rejects.toBeInstanceOf(AuthenticationError);
    expect(cloud.count('POST', '/v3/auth/tokens')).toBe(2);
  });

  it('keeps identities apart (another project gets its own file)', async () => {
    await session().ensure();
    await session({ tenant_name: 'other' }).ensure();
    expect(readdirSync(stateDir)).toHaveLength(2);
    expect(cloud.count('POST', '/v3/auth/tokens')).toBe(2);
  });

  it('renews a cached token within 5 minutes of its expiry', async () => {
    cloud.tokenLifetimeMs = 10 * 60_000;
    let clock = Date.now();
    const now = () => clock;
    const first = await session({}, { now }).token();

    newProcess();
    clock += 4 * 60_000; // 6 min left: still good
    expect(await session({}, { now }).token()).toBe(first);

    newProcess();
    clock += 2 * 60_000; // 4 min left: renew
    const renewed = await session({}, { now }).token();
    expect(renewed).not.toBe(first);
    expect(cloud.count('POST', '/v3/auth/tokens')).toBe(2);
  });

  it('ignores a cache file that others can read', async () => {
    await session().ensure();
    const file = join(stateDir, readdirSync(stateDir)[0] ?? '');
    chmodSync(file, 0o644);
    newProcess();
    await session().ensure();
    expect(cloud.count('POST', '/v3/auth/tokens')).toBe(2);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('a 401 from a service drops the cached token and authenticates again once', async () => {
    cloud.on('GET', `${computePath()}/os-services`, () => ({ body: { services: [] } }));
    const options = { deadline: Deadline.in(10_000), stateDir };
    const first = await (await connect(resolveAuthSpec(params()), options)).keystone.token();
    cloud.revoked.add(first);

    newProcess();
    const connected = await connect(resolveAuthSpec(params()), options);
    expect(cloud.count('POST', '/v3/auth/tokens')).toBe(1); // the cached, now revoked, token
    const nova = await connected.nova();
    await nova.listComputeServices();
    expect(cloud.count('POST', '/v3/auth/tokens')).toBe(2);
    const file = join(stateDir, readdirSync(stateDir)[0] ?? '');
    const cached = JSON.parse(readFileSync(file, 'utf8')) as { token: string };
    expect(cached.token).not.toBe(first);
    expect(cloud.issued).toContain(cached.token);
  });
});

describe('catalog lookup', () => {
  it.each([
    [{}, `${computePath('internal')}`],
    [{ endpoint_type: 'publicURL' }, `${computePath('public')}`],
    [{ endpoint_type: 'admin', region_name: 'RegionTwo' }, `${computePath('admin', 'r2')}`],
  ])('%j → %s', async (extra, path) => {
    expect(await session(extra).endpoint('compute')).toBe(`${cloud.base}${path}`);
  });

  it('an unknown region or service is a ConfigError that says what to check', async () => {
    const error = await session({ region_name: 'Nowhere' }).endpoint('compute').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/no internal endpoint in region Nowhere .*check endpoint_type \/ region_name/);
    await expect(session().endpoint('volumev3')).rejects.toThrow("the Keystone catalog has no 'volumev3' service");
  });
});

describe('findEndpoint', () => {
  const catalog = parseCatalog([
    {
      type: 'compute',
      endpoints: [
        { interface: 'public', region_id: 'RegionOne', url: 'https://pub/v2.1' },
        { interface: 'internal', region: 'RegionOne', url: 'http://int/v2.1' },
        { interface: 'internal', region_id: 'RegionTwo', url: 'http://int2/v2.1' },
      ],
    },
    { type: 'broken' },
    'not a service',
  ]);

  it.each([
    ['internalURL', undefined, 'http://int/v2.1'],
    ['internal', 'RegionTwo', 'http://int2/v2.1'],
    ['publicURL', 'RegionOne', 'https://pub/v2.1'],
  ])('%s in %s → %s', (iface, region, url) => {
    expect(findEndpoint(catalog, 'compute', iface, region)).toBe(url);
  });

  it('rejects an unknown interface spelling and lists what the service offers when none matches', () => {
    expect(() => findEndpoint(catalog, 'compute', 'private')).toThrow(/endpoint_type 'private' is not one of/);
    expect(() => findEndpoint(catalog, 'compute', 'adminURL')).toThrow(
      "the catalog's 'compute' service has no admin endpoint (it has: public in RegionOne, internal in RegionOne, internal in RegionTwo): check endpoint_type / region_name",
    );
  });
});
