/** CLI credential options and OS_* variables → the agents' AuthParams. */
import { describe, expect, it } from '@jest/globals';
import { cliAuthParams } from '../../../lib/cli/credentials';
import { resolveAuthSpec } from '../../../lib/openstack/credentials';

const openrc = {
  OS_AUTH_URL: 'http://keystone:5000/v3',
  OS_USERNAME: 'admin',
  OS_PASSWORD: 'env-secret',
  OS_PROJECT_NAME: 'admin',
  OS_USER_DOMAIN_NAME: 'Default',
  OS_PROJECT_DOMAIN_NAME: 'Default',
  OS_REGION_NAME: 'RegionOne',
};

describe('cliAuthParams', () => {
  it('takes OS_* from the environment like the openstack CLI, public by default, no warning', () => {
    const { params, warnings } = cliAuthParams({}, openrc);
    expect(params).toMatchObject({ auth_url: 'http://keystone:5000/v3', username: 'admin', password: 'env-secret', project_name: 'admin', region_name: 'RegionOne', endpoint_type: 'public' });
    expect(warnings).toEqual([]);
    const spec = resolveAuthSpec(params);
    expect(spec.interface).toBe('public');
  });

  it('options win over the environment; a password on argv is warned about', () => {
    const { params, warnings } = cliAuthParams({ osUsername: 'ops', osPassword: 'argv-secret', osInterface: 'internal' }, openrc);
    expect(params).toMatchObject({ username: 'ops', password: 'argv-secret', endpoint_type: 'internal' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('--os-password on the command line is visible');
    expect(warnings[0]).toContain('OS_PASSWORD');
  });

  it('a cloud (option or OS_CLOUD) ignores stray OS_* variables', () => {
    expect(cliAuthParams({ cloud: 'prod' }, openrc).params).toEqual({ cloud: 'prod' });
    expect(cliAuthParams({}, { ...openrc, OS_CLOUD: 'prod' }).params).toEqual({ cloud: 'prod' });
    expect(cliAuthParams({ credentialsFile: '/etc/nova-ha/openrc', osRegionName: 'b' }, openrc).params).toEqual({
      credentials_file: '/etc/nova-ha/openrc',
      region_name: 'b',
    });
  });

  it('honours the legacy OS_TENANT_NAME and OS_ENDPOINT_TYPE, and OS_INSECURE', () => {
    const { params } = cliAuthParams({}, { OS_TENANT_NAME: 'legacy', OS_ENDPOINT_TYPE: 'internalURL', OS_INSECURE: 'true' });
    expect(params).toMatchObject({ project_name: 'legacy', endpoint_type: 'internalURL', insecure: 'true' });
  });

  it('an application credential secret on argv is warned about too', () => {
    const { warnings } = cliAuthParams({ osApplicationCredentialId: 'id', osApplicationCredentialSecret: 's3cret' }, {});
    expect(warnings[0]).toContain('--os-application-credential-secret');
  });
});
