import { splitCommandLine } from '../../../lib/nova-compute/command-line';
import { ConfigError } from '../../../lib/runtime/errors';
import { findInPasswd } from '../../../lib/nova-compute/user-account';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPidFile, removePidFile, writePidFile } from '../../../lib/nova-compute/pid-file';

describe('splitCommandLine', () => {
  const cases: [string, string, string[]][] = [
    ['one word', '/usr/bin/nova-compute', ['/usr/bin/nova-compute']],
    ['whitespace of any kind', '  /usr/bin/nova-compute \t --config-file\n/etc/nova/nova.conf ', ['/usr/bin/nova-compute', '--config-file', '/etc/nova/nova.conf']],
    ['single quotes are literal', `/bin/x 'a b' '$HOME \\n'`, ['/bin/x', 'a b', '$HOME \\n']],
    ['double quotes with escapes', '/bin/x "say \\"hi\\"" "a\\\\b" "c\\d"', ['/bin/x', 'say "hi"', 'a\\b', 'c\\d']],
    ['quotes inside a word join it', `/bin/x --opt="a b"c`, ['/bin/x', '--opt=a bc']],
    ['an empty quoted word is a word', `/bin/x '' ""`, ['/bin/x', '', '']],
    ['backslash escapes a space', '/opt/my\\ dir/nova-compute', ['/opt/my dir/nova-compute']],
    ['no shell meaning', '/bin/x $(id) ; rm -rf / | cat', ['/bin/x', '$(id)', ';', 'rm', '-rf', '/', '|', 'cat']],
  ];
  test.each(cases)('%s', (_name, text, argv) => expect(splitCommandLine(text)).toEqual(argv));

  const bad: [string, string][] = [
    ['empty', '   '],
    ['unterminated single quote', "/bin/x 'a"],
    ['unterminated double quote', '/bin/x "a'],
    ['lone backslash at the end', '/bin/x \\'],
  ];
  test.each(bad)('%s is a ConfigError naming the parameter', (_name, text) => {
    expect(() => splitCommandLine(text)).toThrow(ConfigError);
    expect(() => splitCommandLine(text)).toThrow(/nova_compute_command/);
  });
});

describe('findInPasswd', () => {
  const passwd = [
    'root:x:0:0:root:/root:/bin/bash',
    'nova:x:64060:64060::/var/lib/nova:/bin/sh',
    'broken:x::1::/:/bin/sh',
    'short:x:5',
    'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
  ].join('\n');
  const cases: [string, string, ReturnType<typeof findInPasswd>][] = [
    ['by name', 'nova', { name: 'nova', uid: 64060, gid: 64060, home: '/var/lib/nova' }],
    ['by uid', '65534', { name: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent' }],
    ['absent', 'glance', undefined],
    ['a broken entry is skipped', 'broken', undefined],
    ['a short line is skipped', 'short', undefined],
    ['a prefix is not a name', 'nov', undefined],
  ];
  test.each(cases)('%s', (_name, name, expected) => expect(findInPasswd(passwd, name)).toEqual(expected));
});

describe('pid file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'pidfile-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('written atomically into a new directory, 0644, read back, removed', () => {
    const path = join(dir, 'run', 'nested', 'nova-compute.pid');
    writePidFile(path, 4242);
    expect(readFileSync(path, 'utf8')).toBe('4242\n');
    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect(readPidFile(path)).toBe(4242);
    removePidFile(path);
    expect(readPidFile(path)).toBeUndefined();
    removePidFile(path); // absent: still fine
  });

  test.each([['garbage', 'abc'], ['zero', '0'], ['negative', '-5'], ['empty', ''], ['two numbers', '1 2']])(
    'a pid file holding %s reads as none',
    (_name, text) => {
      const path = join(dir, 'x.pid');
      writeFileSync(path, text);
      expect(readPidFile(path)).toBeUndefined();
    },
  );
});
