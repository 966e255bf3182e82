import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgsError, ConfigError } from '../../../lib/runtime/errors';
import { redactSecrets } from '../../../lib/runtime/secrets';
import { resolveAuthSpec, type AuthParams, type AuthSpec } from '../../../lib/openstack/credentials';
import { cloudsYamlSearchPath, type SourceContext } from '../../../lib/openstack/credential-sources';

let dir: string;
let context: SourceContext;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'creds-'));
  mkdirSync(join(dir, 'home'));
  mkdirSync(join(dir, 'cwd'));
  context = { env: {}, cwd: join(dir, 'cwd'), home: join(dir, 'home') };
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const classic: AuthParams = {
  auth_url: 'http://ctl:5000/v3',
  username: 'admin',
  password: 'pw-classic',
  tenant_name: 'admin',
};

describe('resolveAuthSpec from the classic parameters', () => {
  const cases: Array<{ name: string; params: AuthParams; expect: Partial<AuthSpec> & Record<string, unknown> }> = [
    {
      name: 'tenant_name maps to the project name, domains default to Default, internal endpoints',
      params: classic,
      expect: {
        interface: 'internal',
        insecure: false,
        source: 'parameters',
        method: {
          type: 'password',
          user: { name: 'admin', domain: { name: 'Default' } },
          password: 'pw-classic',
          project: { name: 'admin', domain: { name: 'Default' } },
        },
      },
    },
    {
      name: 'fence_compute spellings: login/passwd, hyphenated keys, explicit domains',
      params: {
        'auth-url': 'http://ctl:5000/',
        login: 'fencer',
        passwd: 'pw-fence',
        'tenant-name': 'service',
        'user-domain': 'users',
        project_domain: 'projects',
      },
      expect: {
        authUrl: 'http://ctl:5000/',
        method: {
          type: 'password',
          user: { name: 'fencer', domain: { name: 'users' } },
          password: 'pw-fence',
          project: { name: 'service', domain: { name: 'projects' } },
        },
      },
    },
    { name: 'publicURL', params: { ...classic, endpoint_type: 'publicURL' }, expect: { interface: 'public' } },
    { name: 'internalURL', params: { ...classic, endpoint_type: 'internalURL' }, expect: { interface: 'internal' } },
    { name: 'adminURL', params: { ...classic, endpoint_type: 'adminURL' }, expect: { interface: 'admin' } },
    { name: 'admin', params: { ...classic, endpoint_type: 'admin' }, expect: { interface: 'admin' } },
    { name: 'PUBLIC (case)', params: { ...classic, endpoint_type: 'PUBLIC' }, expect: { interface: 'public' } },
    { name: 'region_name', params: { ...classic, region_name: 'RegionTwo' }, expect: { regionName: 'RegionTwo' } },
    { name: 'insecure=1', params: { ...classic, insecure: '1' }, expect: { insecure: true } },
    { name: 'insecure=0 stays secure', params: { ...classic, insecure: '0' }, expect: { insecure: false } },
    { name: 'insecure=false', params: { ...classic, insecure: false }, expect: { insecure: false } },
    { name: 'empty strings are unset', params: { ...classic, region_name: '', endpoint_type: '' }, expect: { interface: 'internal' } },
    {
      name: 'application credential by id needs no user or project',
      params: { auth_url: 'http://ctl:5000/v3', application_credential_id: 'ac-1', application_credential_secret: 's3cret-ac' },
      expect: { method: { type: 'application_credential', credential: { id: 'ac-1' }, secret: 's3cret-ac' } },
    },
    {
      name: 'application credential by name with its user',
      params: {
        auth_url: 'http://ctl:5000/v3',
        application_credential_name: 'ha',
        username: 'svc',
        user_domain: 'svc-domain',
        application_credential_secret: 's3cret-ac',
      },
      expect: {
        method: {
          type: 'application_credential',
          credential: { name: 'ha', user: { name: 'svc', domain: { name: 'svc-domain' } } },
          secret: 's3cret-ac',
        },
      },
    },
  ];

  it.each(cases)('$name', ({ params, expect: expected }) => {
    expect(resolveAuthSpec(params, context)).toMatchObject(expected);
  });

  const bad: Array<[string, AuthParams, RegExp]> = [
    ['no auth_url', { ...classic, auth_url: '' }, /^auth_url not configured$/],
    ['auth_url not a URL', { ...classic, auth_url: 'ctl:5000' }, /auth_url 'ctl:5000'/],
    ['auth_url ftp', { ...classic, auth_url: 'ftp://ctl/' }, /must start with http/],
    ['no username', { ...classic, username: undefined }, /^username not configured$/],
    ['no password', { ...classic, password: '' }, /^password not configured$/],
    ['no project', { ...classic, tenant_name: undefined }, /tenant_name \(project name\) not configured/],
    [
      'unknown endpoint_type',
      { ...classic, endpoint_type: 'foo' },
      /^endpoint_type 'foo' is not one of public, internal, admin \(or publicURL, internalURL, adminURL\)$/,
    ],
    ['insecure=maybe', { ...classic, insecure: 'maybe' }, /insecure 'maybe' is not a boolean/],
    ['app cred without secret', { auth_url: 'http://x/v3', application_credential_id: 'a' }, /application_credential_secret not configured/],
    ['cloud and credentials_file', { cloud: 'a', credentials_file: '/x' }, /use one of them/],
  ];

  it.each(bad)('rejects %s with a ConfigError naming the parameter', (_name, params, message) => {
    let thrown: unknown;
    try {
      resolveAuthSpec(params, context);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toMatch(message);
  });

  it('registers the password so log lines redact it', () => {
    resolveAuthSpec({ ...classic, password: 'do-not-print-me' }, context);
    expect(redactSecrets('sent do-not-print-me to keystone')).toBe('sent **** to keystone');
  });

  it('rejects an unreadable ca_bundle as a problem of this node (ArgsError)', () => {
    expect(() => resolveAuthSpec({ ...classic, ca_bundle: join(dir, 'missing.pem') }, context)).toThrow(ArgsError);
    const pem = join(dir, 'ca.pem');
    writeFileSync(pem, '-----BEGIN CERTIFICATE-----\n');
    expect(resolveAuthSpec({ ...classic, ca_bundle: pem }, context).caBundle).toBe(pem);
  });
});

describe('resolveAuthSpec from clouds.yaml', () => {
  const yaml = `
clouds:
  overcloud:
    auth:
      auth_url: http://ctl:5000
      username: admin
      password: pw-yaml
      project_name: admin
      user_domain_name: Default
      project_domain_id: default
    region_name: RegionOne
    interface: internal
  appcred:
    auth_type: v3applicationcredential
    auth:
      auth_url: http://ctl:5000/v3
      application_credential_id: ac-42
      application_credential_secret: pw-ac
    verify: false
  tls:
    auth:
      auth_url: https://ctl:5000/v3
      username: u
      password: pw-tls
      project_id: p-uuid
    cacert: ca.pem
  oidc:
    auth_type: v3oidcpassword
    auth:
      auth_url: https://ctl:5000/v3
`;

  function writeYaml(path: string, text = yaml): void {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  }

  it('searches OS_CLIENT_CONFIG_FILE, ./clouds.yaml, ~/.config/openstack, /etc/openstack in that order', () => {
    expect(cloudsYamlSearchPath({ ...context, env: { OS_CLIENT_CONFIG_FILE: '/x/c.yaml' } })).toEqual([
      '/x/c.yaml',
      join(context.cwd, 'clouds.yaml'),
      join(context.home, '.config', 'openstack', 'clouds.yaml'),
      '/etc/openstack/clouds.yaml',
    ]);
  });

  it('reads a named cloud from ~/.config/openstack/clouds.yaml', () => {
    writeYaml(join(context.home, '.config', 'openstack', 'clouds.yaml'));
    const spec = resolveAuthSpec({ cloud: 'overcloud' }, context);
    expect(spec).toMatchObject({
      authUrl: 'http://ctl:5000',
      interface: 'internal',
      regionName: 'RegionOne',
      method: {
        type: 'password',
        user: { name: 'admin', domain: { name: 'Default' } },
        password: 'pw-yaml',
        project: { name: 'admin', domain: { id: 'default' } },
      },
    });
    expect(spec.source).toContain("cloud 'overcloud'");
  });

  it('prefers ./clouds.yaml over the home one and OS_CLIENT_CONFIG_FILE over both', () => {
    writeYaml(join(context.home, '.config', 'openstack', 'clouds.yaml'));
    writeYaml(join(context.cwd, 'clouds.yaml'), yaml.replace('pw-yaml', 'pw-cwd'));
    const fromEnv = join(dir, 'env.yaml');
    writeYaml(fromEnv, yaml.replace('pw-yaml', 'pw-env'));
    const pick = (ctx: SourceContext) => {
      const { method } = resolveAuthSpec({ cloud: 'overcloud' }, ctx);
      return method.type === 'password' ? method.password : '';
    };
    expect(pick(context)).toBe('pw-cwd');
    expect(pick({ ...context, env: { OS_CLIENT_CONFIG_FILE: fromEnv } })).toBe('pw-env');
  });

  it('lets explicit parameters override the cloud (region, endpoint_type)', () => {
    const path = join(dir, 'explicit.yaml');
    writeYaml(path);
    const spec = resolveAuthSpec({ cloud: 'overcloud', clouds_yaml: path, region_name: 'RegionTwo', endpoint_type: 'adminURL' }, context);
    expect(spec).toMatchObject({ regionName: 'RegionTwo', interface: 'admin' });
  });

  it('maps verify: false to insecure and application credentials by id; public is the clouds.yaml default', () => {
    const path = join(dir, 'c.yaml');
    writeYaml(path);
    expect(resolveAuthSpec({ cloud: 'appcred', clouds_yaml: path }, context)).toMatchObject({
      insecure: true,
      interface: 'public',
      method: { type: 'application_credential', credential: { id: 'ac-42' }, secret: 'pw-ac' },
    });
  });

  it('resolves a relative cacert against the clouds.yaml directory and takes project_id', () => {
    const path = join(dir, 'c.yaml');
    writeYaml(path);
    writeFileSync(join(dir, 'ca.pem'), 'pem');
    expect(resolveAuthSpec({ cloud: 'tls', clouds_yaml: path }, context)).toMatchObject({
      caBundle: join(dir, 'ca.pem'),
      method: { project: { id: 'p-uuid' } },
    });
  });

  it('merges secure.yaml from the same directory', () => {
    const path = join(dir, 'conf', 'clouds.yaml');
    writeYaml(path, yaml.replace('      password: pw-yaml\n', ''));
    writeFileSync(join(dir, 'conf', 'secure.yaml'), 'clouds:\n  overcloud:\n    auth:\n      password: pw-secure\n');
    const { method } = resolveAuthSpec({ cloud: 'overcloud', clouds_yaml: path }, context);
    expect(method).toMatchObject({ password: 'pw-secure', user: { name: 'admin' } });
  });

  it('names the known clouds when the cloud is missing, and the searched paths when no file exists', () => {
    const path = join(dir, 'c.yaml');
    writeYaml(path);
    expect(() => resolveAuthSpec({ cloud: 'nope', clouds_yaml: path }, context)).toThrow(
      /cloud 'nope' not found in .*\(clouds: overcloud, appcred, tls, oidc\)/,
    );
    expect(() => resolveAuthSpec({ cloud: 'overcloud', clouds_yaml: join(dir, 'absent.yaml') }, context)).toThrow(ArgsError);
    const searched = { ...context, env: { OS_CLIENT_CONFIG_FILE: join(dir, 'none.yaml') } };
    try {
      resolveAuthSpec({ cloud: 'overcloud' }, searched);
    } catch (error) {
      // /etc/openstack/clouds.yaml may exist on a real machine; only check when nothing was found.
      if (error instanceof ArgsError) expect(error.message).toContain(join(dir, 'none.yaml'));
    }
  });

  it('refuses an auth_type it cannot speak, saying where it came from', () => {
    const path = join(dir, 'c.yaml');
    writeYaml(path);
    expect(() => resolveAuthSpec({ cloud: 'oidc', clouds_yaml: path }, context)).toThrow(
      /auth_type 'v3oidcpassword' \(credentials from cloud 'oidc' in .*c\.yaml\) is not supported/,
    );
  });

  it('reports invalid YAML as a ConfigError', () => {
    const path = join(dir, 'bad.yaml');
    writeYaml(path, 'clouds: [unclosed\n');
    expect(() => resolveAuthSpec({ cloud: 'x', clouds_yaml: path }, context)).toThrow(ConfigError);
  });
});

describe('resolveAuthSpec from an openrc-style credentials file', () => {
  it('reads export OS_* lines, quoted or not, and ignores the rest', () => {
    const path = join(dir, 'overcloudrc');
    writeFileSync(
      path,
      [
        '# Clear any old environment',
        'for key in $( set | awk \'{FS="="} /^OS_/ {print $1}\' ); do unset $key ; done',
        'export OS_AUTH_URL=http://ctl:5000/v3',
        'export OS_USERNAME="admin"',
        "export OS_PASSWORD='pa$$word'",
        'OS_PROJECT_NAME=admin',
        'export OS_USER_DOMAIN_NAME=Default',
        'export OS_PROJECT_DOMAIN_NAME=Default',
        'export OS_INTERFACE=internal',
        'export OS_REGION_NAME=regionOne # the only region',
        'export PS1=${PS1:-}"[\\u@\\h \\W(overcloud)]\\$ "',
      ].join('\n'),
    );
    chmodSync(path, 0o600);
    expect(resolveAuthSpec({ credentials_file: path }, context)).toMatchObject({
      authUrl: 'http://ctl:5000/v3',
      interface: 'internal',
      regionName: 'regionOne',
      method: { type: 'password', user: { name: 'admin' }, password: 'pa$$word', project: { name: 'admin' } },
    });
  });

  it('refuses a value that needs the shell, naming the line', () => {
    const path = join(dir, 'rc');
    writeFileSync(path, 'export OS_AUTH_URL=http://ctl:5000/v3\nexport OS_PASSWORD=$(cat /root/pw)\n');
    expect(() => resolveAuthSpec({ credentials_file: path }, context)).toThrow(/rc:2: OS_PASSWORD uses shell expansion/);
  });

  it('reports a missing file as ArgsError', () => {
    expect(() => resolveAuthSpec({ credentials_file: join(dir, 'nope') }, context)).toThrow(ArgsError);
  });
});
