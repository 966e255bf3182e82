import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkAgainstNova,
  listNovaConfFiles,
  readNovaConfHost,
  resolveNovaHost,
  type NovaConfFile,
} from '../../../lib/nova-compute/host-name';
import { NotInstalledError } from '../../../lib/runtime/errors';

const conf = (text: string): NovaConfFile => ({ path: '/etc/nova/nova.conf', text });
const dropIn = (name: string, text: string): NovaConfFile => ({ path: `/etc/nova/nova.conf.d/${name}`, text });

describe('readNovaConfHost', () => {
  const cases: [string, NovaConfFile[], string | undefined][] = [
    ['no file at all', [], undefined],
    ['nova.conf without host', [conf('[DEFAULT]\ndebug = true\n')], undefined],
    ['nova.conf sets it', [conf('[DEFAULT]\nhost = cmp1.example.com\n')], 'cmp1.example.com'],
    ['whitespace around = is trimmed', [conf('[DEFAULT]\n  \nhost=cmp1  \n')], 'cmp1'],
    ['wide whitespace and tabs', [conf('[DEFAULT]\nhost \t=\t cmp1.example.com\t\n')], 'cmp1.example.com'],
    ['colon separator, as oslo accepts', [conf('[DEFAULT]\nhost: cmp1\n')], 'cmp1'],
    ['the first of = and : separates', [conf('[DEFAULT]\nhost = a:b\n')], 'a:b'],
    ['surrounding quotes are removed', [conf('[DEFAULT]\nhost = "cmp1.example.com"\n')], 'cmp1.example.com'],
    ['CRLF line ends', [conf('[DEFAULT]\r\nhost = cmp1\r\n')], 'cmp1'],
    ['# comment ignored', [conf('[DEFAULT]\n#host = wrong\nhost = cmp1\n')], 'cmp1'],
    ['; comment ignored', [conf('[DEFAULT]\n; host = wrong\n')], undefined],
    ['a commented-out later line does not override', [conf('[DEFAULT]\nhost = cmp1\n# host = cmp2\n')], 'cmp1'],
    ['host in another section is ignored', [conf('[libvirt]\nhost = wrong\n[DEFAULT]\nmy_ip = 1.2.3.4\n')], undefined],
    ['host before any section is ignored', [conf('host = wrong\n[DEFAULT]\n')], undefined],
    ['section name is case-sensitive', [conf('[default]\nhost = wrong\n')], undefined],
    ['section name is not trimmed', [conf('[ DEFAULT ]\nhost = wrong\n')], undefined],
    ['the key is case-sensitive', [conf('[DEFAULT]\nHost = wrong\n')], undefined],
    ['DEFAULT reopened after another section', [conf('[DEFAULT]\nhost = a\n[vnc]\nhost = b\n[DEFAULT]\nhost = c\n')], 'c'],
    ['last line in a file wins', [conf('[DEFAULT]\nhost = a\nhost = b\n')], 'b'],
    ['empty value is unset', [conf('[DEFAULT]\nhost =\n')], undefined],
    ['whitespace-only quoted value is unset', [conf('[DEFAULT]\nhost = " "\n')], undefined],
    [
      'a drop-in overrides nova.conf',
      [conf('[DEFAULT]\nhost = a\n'), dropIn('10-host.conf', '[DEFAULT]\nhost = b\n')],
      'b',
    ],
    [
      'the last drop-in that sets it wins',
      [
        conf('[DEFAULT]\nhost = a\n'),
        dropIn('10-a.conf', '[DEFAULT]\nhost = b\n'),
        dropIn('20-b.conf', '[DEFAULT]\nhost = c\n'),
        dropIn('30-c.conf', '[DEFAULT]\ndebug = true\n'),
      ],
      'c',
    ],
    [
      'a drop-in setting it in another section does not override',
      [conf('[DEFAULT]\nhost = a\n'), dropIn('10.conf', '[vnc]\nhost = b\n')],
      'a',
    ],
    [
      'only a drop-in sets it',
      [conf('[DEFAULT]\n'), dropIn('10.conf', '[DEFAULT]\nhost = cmp1\n')],
      'cmp1',
    ],
    [
      'an empty value in a later drop-in clears it, as oslo reads it',
      [conf('[DEFAULT]\nhost = a\n'), dropIn('99.conf', '[DEFAULT]\nhost =\n')],
      undefined,
    ],
    ['an indented line continues the value', [conf('[DEFAULT]\nhost = a\n  b\n')], 'a\nb'],
    ['a blank line ends the value', [conf('[DEFAULT]\nhost = a\n\n[DEFAULT]\n')], 'a'],
    ['text after the value is part of it', [conf('[DEFAULT]\nhost = cmp1 # the node\n')], 'cmp1 # the node'],
  ];
  test.each(cases)('%s', (_name, files, expected) => {
    expect(readNovaConfHost(files)).toBe(expected);
  });
});

describe('resolveNovaHost', () => {
  const cases: [string, Parameters<typeof resolveNovaHost>[0], ReturnType<typeof resolveNovaHost>][] = [
    ['nova.conf wins over a domain', { confHost: 'nova-1', domain: 'example.com', uname: 'cmp1' }, { host: 'nova-1', source: 'nova.conf' }],
    ['nova.conf wins without a domain', { confHost: 'nova-1', uname: 'cmp1.lan' }, { host: 'nova-1', source: 'nova.conf' }],
    ['short uname plus domain', { confHost: undefined, domain: 'example.com', uname: 'cmp1' }, { host: 'cmp1.example.com', source: 'short name + domain' }],
    [
      'FQDN uname with a domain keeps only its short name',
      { confHost: undefined, domain: 'example.com', uname: 'cmp1.lan.internal' },
      { host: 'cmp1.example.com', source: 'short name + domain' },
    ],
    ['a leading dot on the domain is dropped', { confHost: undefined, domain: '.example.com', uname: 'cmp1' }, { host: 'cmp1.example.com', source: 'short name + domain' }],
    ['no domain: uname as it is', { confHost: undefined, uname: 'cmp1.lan' }, { host: 'cmp1.lan', source: 'node name' }],
    ['empty domain counts as none', { confHost: undefined, domain: '', uname: 'cmp1' }, { host: 'cmp1', source: 'node name' }],
    ['empty confHost counts as unset', { confHost: ' ', domain: undefined, uname: 'cmp1' }, { host: 'cmp1', source: 'node name' }],
  ];
  test.each(cases)('%s', (_name, input, expected) => {
    expect(resolveNovaHost(input)).toEqual(expected);
  });
});

describe('checkAgainstNova', () => {
  const fix = 'set [DEFAULT] host in nova.conf or the domain parameter';
  const cases: [string, string, string[], ReturnType<typeof checkAgainstNova>][] = [
    ['exact match', 'cmp1.example.com', ['cmp0.example.com', 'cmp1.example.com'], { ok: true }],
    ['exact short match', 'cmp1', ['cmp1'], { ok: true }],
    [
      'FQDN against a short service',
      'cmp1.example.com',
      ['cmp1', 'cmp2'],
      { ok: false, message: `Nova has no nova-compute service on host 'cmp1.example.com' (found: cmp1); ${fix}` },
    ],
    [
      'short name against FQDN services, near matches sorted and unique',
      'cmp1',
      ['cmp1.b.example', 'cmp10.a.example', 'cmp1.a.example', 'cmp1.b.example'],
      { ok: false, message: `Nova has no nova-compute service on host 'cmp1' (found: cmp1.a.example, cmp1.b.example); ${fix}` },
    ],
    [
      'a case difference is a near match, not a match',
      'cmp1.example.com',
      ['CMP1.example.com'],
      { ok: false, message: `Nova has no nova-compute service on host 'cmp1.example.com' (found: CMP1.example.com); ${fix}` },
    ],
    [
      'no near match',
      'cmp9.example.com',
      ['cmp1.example.com'],
      { ok: false, message: `Nova has no nova-compute service on host 'cmp9.example.com' (none named 'cmp9' under any domain); ${fix}` },
    ],
    [
      'no services at all',
      'cmp1',
      [],
      { ok: false, message: `Nova has no nova-compute service on host 'cmp1' (Nova lists no nova-compute services at all); ${fix}` },
    ],
  ];
  test.each(cases)('%s', (_name, host, services, expected) => {
    expect(checkAgainstNova(host, services)).toEqual(expected);
  });
});

describe('listNovaConfFiles', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nova-conf-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('nothing there: no files', () => {
    expect(listNovaConfFiles(join(dir, 'nova.conf'), join(dir, 'nova.conf.d'))).toEqual([]);
  });

  test('nova.conf first, then *.conf drop-ins sorted, skipping hidden, other names and directories', () => {
    const confPath = join(dir, 'nova.conf');
    const confDir = join(dir, 'nova.conf.d');
    writeFileSync(confPath, '[DEFAULT]\nhost = a\n');
    mkdirSync(confDir);
    writeFileSync(join(confDir, 'b.conf'), '[DEFAULT]\nhost = b\n');
    writeFileSync(join(confDir, 'B.conf'), '[DEFAULT]\nhost = upper\n');
    writeFileSync(join(confDir, '10.conf'), '[DEFAULT]\nhost = ten\n');
    writeFileSync(join(confDir, '.hidden.conf'), '[DEFAULT]\nhost = hidden\n');
    writeFileSync(join(confDir, 'z.conf.rpmsave'), '[DEFAULT]\nhost = saved\n');
    mkdirSync(join(confDir, 'dir.conf'));
    const files = listNovaConfFiles(confPath, confDir);
    expect(files.map((file) => file.path)).toEqual([
      confPath,
      join(confDir, '10.conf'),
      join(confDir, 'B.conf'),
      join(confDir, 'b.conf'),
    ]);
    expect(readNovaConfHost(files)).toBe('b');
  });

  test('drop-ins without nova.conf', () => {
    const confDir = join(dir, 'nova.conf.d');
    mkdirSync(confDir);
    writeFileSync(join(confDir, 'host.conf'), '[DEFAULT]\nhost = only\n');
    expect(readNovaConfHost(listNovaConfFiles(join(dir, 'nova.conf'), confDir))).toBe('only');
  });

  test('a nova.conf that exists but cannot be read (a directory) is NotInstalledError', () => {
    const confPath = join(dir, 'nova.conf');
    mkdirSync(confPath);
    expect(() => listNovaConfFiles(confPath, join(dir, 'nova.conf.d'))).toThrow(NotInstalledError);
  });

  test('a drop-in that exists but cannot be read (a symlink loop) is NotInstalledError', () => {
    const confDir = join(dir, 'nova.conf.d');
    mkdirSync(confDir);
    symlinkSync('loop.conf', join(confDir, 'loop.conf'));
    expect(() => listNovaConfFiles(join(dir, 'nova.conf'), confDir)).toThrow(NotInstalledError);
  });

  test('a dangling drop-in symlink is absent, not an error', () => {
    const confDir = join(dir, 'nova.conf.d');
    mkdirSync(confDir);
    symlinkSync('gone', join(confDir, 'gone.conf'));
    expect(listNovaConfFiles(join(dir, 'nova.conf'), confDir)).toEqual([]);
  });
});
