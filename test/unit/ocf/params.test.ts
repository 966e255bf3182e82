import { ConfigError } from '../../../lib/runtime/errors';
import { redactSecrets } from '../../../lib/runtime/secrets';
import { isTrue, missingRequired, parseParams, type ParamDecls } from '../../../lib/ocf/params';

const decls = {
  host: { type: 'string', required: true, shortdesc: 'h', longdesc: 'h' },
  region: { type: 'string', shortdesc: 'r', longdesc: 'r' },
  endpoint: { type: 'string', default: 'internalURL', shortdesc: 'e', longdesc: 'e' },
  delay: { type: 'integer', default: 120, shortdesc: 'd', longdesc: 'd' },
  retries: { type: 'integer', shortdesc: 'n', longdesc: 'n' },
  insecure: { type: 'boolean', default: false, shortdesc: 'i', longdesc: 'i' },
  verbose: { type: 'boolean', shortdesc: 'v', longdesc: 'v' },
  token: { type: 'string', secret: true, shortdesc: 't', longdesc: 't' },
} as const satisfies ParamDecls;

const env = (values: Record<string, string>) =>
  Object.fromEntries(Object.entries({ host: 'ctl1', ...values }).map(([k, v]) => [`OCF_RESKEY_${k}`, v]));

describe('booleans follow ocf_is_true exactly', () => {
  test.each(['yes', 'true', '1', 'YES', 'TRUE', 'True', 'ja', 'on', 'ON'])('%s is true', (value) => {
    expect(isTrue(value)).toBe(true);
    expect(parseParams(decls, env({ insecure: value })).insecure).toBe(true);
  });
  test.each(['no', 'false', '0', 'Yes', 'y', 'On', 'enabled', ' yes'])('%s is false', (value) => {
    expect(isTrue(value)).toBe(false);
    expect(parseParams(decls, env({ insecure: value })).insecure).toBe(false);
  });
  test('unset boolean takes its default, or stays undefined without one', () => {
    const params = parseParams(decls, env({}));
    expect(params.insecure).toBe(false);
    expect(params.verbose).toBeUndefined();
  });
});

describe('integers are checked', () => {
  test.each([
    ['5', 5],
    [' 7 ', 7],
    ['-3', -3],
    ['+2', 2],
    ['0', 0],
  ])('%p parses as %p', (raw, value) => {
    expect(parseParams(decls, env({ delay: raw })).delay).toBe(value);
  });
  test.each(['abc', '1.5', '1e3', '0x10', '12s', '99999999999999999999'])('%p is a ConfigError naming the parameter', (raw) => {
    expect(() => parseParams(decls, env({ delay: raw }))).toThrow(ConfigError);
    expect(() => parseParams(decls, env({ delay: raw }))).toThrow(/^delay /);
  });
});

describe('defaults and required parameters', () => {
  test('defaults apply when unset or empty; explicit values win', () => {
    expect(parseParams(decls, env({})).endpoint).toBe('internalURL');
    expect(parseParams(decls, env({ endpoint: '' })).endpoint).toBe('internalURL');
    expect(parseParams(decls, env({ endpoint: 'publicURL' })).endpoint).toBe('publicURL');
    expect(parseParams(decls, env({})).delay).toBe(120);
  });
  test('optional without default is undefined when unset or empty', () => {
    expect(parseParams(decls, env({})).region).toBeUndefined();
    expect(parseParams(decls, env({ region: '' })).region).toBeUndefined();
    expect(parseParams(decls, env({})).retries).toBeUndefined();
  });
  test.each([{}, { OCF_RESKEY_host: '' }])('missing required → "<name> not configured" (%p)', (environment) => {
    expect(() => parseParams(decls, environment)).toThrow(new ConfigError('host not configured'));
    expect(missingRequired(decls, environment)).toEqual(['host']);
  });
  test('other variables are ignored', () => {
    const params = parseParams(decls, { ...env({}), OCF_RESKEY_bogus: 'x', OCF_RESKEY_CRM_meta_timeout: '20000' });
    expect(Object.keys(params).sort()).toEqual(Object.keys(decls).sort());
  });
});

test('secret values are registered for redaction when read', () => {
  const value = 'tok-6f1e2d9c-unit';
  expect(redactSecrets(`using ${value}`)).toBe(`using ${value}`);
  parseParams(decls, env({ token: value }));
  expect(redactSecrets(`using ${value}`)).toBe('using ****');
});

test('a secret is registered even when another parameter is invalid', () => {
  const value = 'tok-registered-before-error';
  expect(() => parseParams(decls, env({ token: value, delay: 'x' }))).toThrow(ConfigError);
  expect(redactSecrets(value)).toBe('****');
});
