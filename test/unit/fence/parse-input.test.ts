import { describe, expect, it } from '@jest/globals';
import { optionCatalogue } from '../../../lib/fence/catalogue';
import { OptionNames, parseArgv, parseBooleanWord, parseStdinLines } from '../../../lib/fence/parse-input';
import { resolveOptions } from '../../../lib/fence/resolve-options';
import { newDevice, testAgent } from './test-agent';

const specs = optionCatalogue(testAgent(newDevice()));
const names = new OptionNames(specs);
const stdin = (text: string) => parseStdinLines(text, names);
const resolved = (text: string) => resolveOptions(stdin(text), specs).values;

describe('stdin key=value lines', () => {
  it.each([
    ['key with underscores', 'auth_url=http://k:5000/v3', 'auth_url', 'http://k:5000/v3'],
    ['key with hyphens', 'auth-url=http://k', 'auth_url', 'http://k'],
    ['long option name', 'tenant-name=admin', 'tenant_name', 'admin'],
    ['long option name with underscores', 'tenant_name=admin', 'tenant_name', 'admin'],
    ['deprecated classic key (hyphenated)', 'project-domain=Dom', 'project_domain', 'Dom'],
    ['plug under its old name port', 'port=compute-1', 'plug', 'compute-1'],
    ['plug', 'plug=compute-1', 'plug', 'compute-1'],
    ['login is username', 'login=admin', 'username', 'admin'],
    ['passwd is password', 'passwd=s3cret', 'password', 's3cret'],
    ['alias', 'api_token=abc123', 'token', 'abc123'],
    ['double quotes stripped', 'tenant_name="admin project"', 'tenant_name', 'admin project'],
    ["single quotes stripped", "tenant_name='admin'", 'tenant_name', 'admin'],
    ['unbalanced quote kept', 'tenant_name="admin', 'tenant_name', '"admin'],
    ['value containing =', 'tenant_name=a=b', 'tenant_name', 'a=b'],
    ['surrounding spaces trimmed', '  tenant_name = admin  ', 'tenant_name', 'admin'],
    ['empty value', 'tenant_name=', 'tenant_name', ''],
    ['debug is debug_file', 'debug=/tmp/x.log', 'debug_file', '/tmp/x.log'],
  ])('%s', (_label, line, key, value) => {
    const input = stdin(`${line}\n`);
    expect(input.values.get(key)).toBe(value);
    expect(input.warnings).toEqual([]);
  });

  it('skips comments and blank lines, and the last value wins', () => {
    const input = stdin('# a comment\n\n   \naction=status\n#action=off\naction=on\r\n');
    expect([...input.values]).toEqual([['action', 'on']]);
  });

  it('ignores nodename silently and warns about unknown keys without echoing their values', () => {
    const input = stdin('nodename=compute-1\nbogus_key=topsecret\nplug=compute-1\n');
    expect(input.values.get('plug')).toBe('compute-1');
    expect(input.values.has('nodename')).toBe(false);
    expect(input.warnings).toEqual(["Parse error: Ignoring unknown option 'bogus_key'"]);
    expect(input.warnings.join()).not.toContain('topsecret');
  });

  it.each([
    ['1', true],
    ['yes', true],
    ['on', true],
    ['true', true],
    ['TRUE', true],
    ['Yes', true],
    ['0', false],
    ['no', false],
    ['off', false],
    ['false', false],
    ['False', false],
  ])('boolean insecure=%s is %s (by value, not by presence)', (word, expected) => {
    expect(resolved(`insecure=${word}\n`).insecure).toBe(expected);
  });

  it('ignores a boolean with a value that is not a boolean, with a warning', () => {
    const input = stdin('insecure=maybe\n');
    expect(input.values.has('insecure')).toBe(false);
    expect(input.warnings[0]).toMatch(/insecure.*not a boolean/);
    expect(resolveOptions(input, specs).values.insecure).toBe(false);
  });

  it('fills defaults, converts integers, matches select values case-insensitively', () => {
    const values = resolved('retries=7\nendpoint_type=publicurl\n');
    expect(values).toMatchObject({ retries: 7, endpoint_type: 'publicURL', project_domain: 'Default', power_timeout: 2 });
    expect(resolved('').retries).toBe(3);
    expect(resolved('').action).toBe('reboot');
  });

  it('reports a bad integer and a bad choice in the classic wording', () => {
    const { errors } = resolveOptions(stdin('retries=three\nendpoint_type=privateURL\npower_timeout=1.5\n'), specs);
    expect(errors).toEqual([
      'Failed: The value you have entered for --power-timeout is not a valid time in seconds',
      'Failed: You have to enter a valid choice for --endpoint-type from the valid values: publicURL, internalURL, adminURL',
      'Failed: The value you have entered for --retries is not a valid integer',
    ]);
  });
});

describe('boolean words', () => {
  it.each(['', 'y', 'ja', '2', 'enabled'])('%j is neither true nor false', (word) => {
    expect(parseBooleanWord(word)).toBeUndefined();
  });
});

describe('argv (getopt style)', () => {
  const argv = (...args: string[]) => parseArgv(args, names);

  it('reads short options with separate and attached values, and long options both ways', () => {
    const input = argv('-o', 'status', '-nnode1', '--auth-url=http://k', '--tenant-name', 'admin', '--insecure');
    expect(Object.fromEntries(input.values)).toEqual({
      action: 'status',
      plug: 'node1',
      auth_url: 'http://k',
      tenant_name: 'admin',
      insecure: true,
    });
  });

  it('reads clustered flags and a value after them', () => {
    const input = argv('-vqo', 'off');
    expect(Object.fromEntries(input.values)).toEqual({ verbose: true, quiet: true, action: 'off' });
  });

  it('accepts key spellings as long options and explicit boolean values', () => {
    const input = argv('--auth_url', 'http://k', '--insecure=0', '--project_domain=D');
    expect(Object.fromEntries(input.values)).toEqual({ auth_url: 'http://k', insecure: false, project_domain: 'D' });
  });

  it('rejects unknown options and a missing value', () => {
    expect(() => argv('--bogus')).toThrow("Parse error: option --bogus not recognized");
    expect(() => argv('-Z')).toThrow('Parse error: option -Z not recognized');
    expect(() => argv('-o')).toThrow('Parse error: option -o requires argument');
  });

  it('warns about positional arguments', () => {
    expect(argv('-o', 'on', 'extra').warnings).toEqual(['Unused arguments on command line: extra']);
  });
});
