import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { optionCatalogue } from '../../../lib/fence/catalogue';
import { OptionNames, parseStdinLines } from '../../../lib/fence/parse-input';
import { resolveOptions } from '../../../lib/fence/resolve-options';
import { authParams, authSpec } from '../../../lib/fence-compute/credentials';
import { fenceComputeOptions } from '../../../lib/fence-compute/options';
import type { FenceComputeContext } from '../../../lib/fence-compute/ports';

const specs = optionCatalogue({
  name: 'fence_compute',
  shortdesc: '',
  longdesc: '',
  vendorUrl: '',
  fabricFencing: true,
  list: true,
  options: fenceComputeOptions,
  handlers: {} as never,
});

/** Options exactly as the runtime builds them from fencer stdin. */
function fromStdin(text: string): Pick<FenceComputeContext, 'options' | 'given'> {
  const { values, given } = resolveOptions(parseStdinLines(text, new OptionNames(specs)), specs);
  return { options: values as FenceComputeContext['options'], given: given as FenceComputeContext['given'] };
}

const TRIPLEO = 'auth_url=http://ks:5000/v3\nlogin=admin\npasswd=pw-123\ntenant_name=admin\nproject_domain=Default\nuser_domain=Default\n';

describe('fence_compute credentials from stdin options', () => {
  it('maps the classic names to a Keystone v3 password spec, internal endpoints by default', () => {
    expect(authSpec(fromStdin(TRIPLEO))).toMatchObject({
      authUrl: 'http://ks:5000/v3',
      interface: 'internal',
      insecure: false,
      method: {
        type: 'password',
        user: { name: 'admin', domain: { name: 'Default' } },
        password: 'pw-123',
        project: { name: 'admin', domain: { name: 'Default' } },
      },
    });
  });

  it.each([
    ['insecure=0', false],
    ['insecure=false', false],
    ['insecure=1', true],
    ['insecure=yes', true],
  ])('%s → insecure %s (by value, unlike the classic agent)', (line, expected) => {
    expect(authSpec(fromStdin(`${TRIPLEO}${line}\n`)).insecure).toBe(expected);
  });

  it.each([
    ['endpoint_type=publicURL', 'public'],
    ['endpoint-type=adminURL', 'admin'],
    ['endpoint_type=internal', 'internal'],
  ])('%s → %s', (line, expected) => {
    expect(authSpec(fromStdin(`${TRIPLEO}${line}\n`)).interface).toBe(expected);
  });

  it('does not let option defaults override a clouds.yaml entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fc-cloud-'));
    const file = join(dir, 'clouds.yaml');
    writeFileSync(
      file,
      'clouds:\n  prod:\n    auth:\n      auth_url: http://ks:5000/v3\n      username: ha\n      password: pw\n      project_name: p\n' +
        '      user_domain_name: Users\n      project_domain_name: Projects\n    interface: admin\n',
    );
    const params = authParams(fromStdin(`cloud=prod\nclouds_yaml=${file}\n`));
    expect(params).toEqual({ cloud: 'prod', clouds_yaml: file });
    expect(authSpec(fromStdin(`cloud=prod\nclouds_yaml=${file}\n`))).toMatchObject({
      interface: 'admin',
      method: { user: { name: 'ha', domain: { name: 'Users' } }, project: { name: 'p', domain: { name: 'Projects' } } },
    });
  });

  it('accepts an application credential instead of a password', () => {
    expect(
      authSpec(fromStdin('auth_url=http://ks:5000/v3\napplication_credential_id=abc\napplication_credential_secret=s3cr3t-x\n')).method,
    ).toEqual({ type: 'application_credential', credential: { id: 'abc' }, secret: 's3cr3t-x' });
  });

  it('says what is missing', () => {
    expect(() => authSpec(fromStdin('login=admin\npasswd=x\n'))).toThrow('auth_url not configured');
    expect(() => authSpec(fromStdin('auth_url=http://ks:5000/v3\nlogin=admin\ntenant_name=a\n'))).toThrow('password not configured');
    expect(() => authSpec(fromStdin(`${TRIPLEO}endpoint_type=private\n`))).toThrow(/endpoint_type 'private' is not one of/);
  });
});
