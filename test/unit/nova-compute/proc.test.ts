import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { libvirtDaemonsRunning } from '../../../lib/nova-compute/libvirt';
import { commandIdentity, isLive, listProcesses, parseCmdline, parseStat, readProcess, runsExecutable } from '../../../lib/nova-compute/proc';
import { addProcess } from './proc-fixture';

describe('parseStat', () => {
  test('fields are counted after the last parenthesis, whatever comm holds', () => {
    const text = '4242 (nova (compute) x) S 1 4242 4242 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 987654 0 0\n';
    expect(parseStat(text)).toEqual({ state: 'S', ppid: 1, pgrp: 4242, session: 4242, startTicks: 987654, comm: 'nova (compute) x' });
  });
  test('garbage is undefined', () => {
    expect(parseStat('nonsense')).toBeUndefined();
    expect(parseStat('1 (x) S 1')).toBeUndefined();
  });
  test('this process, read from the real /proc', () => {
    const info = readProcess(process.pid);
    expect(info?.pid).toBe(process.pid);
    expect(info?.ppid).toBe(process.ppid);
    expect(isLive(info)).toBe(true);
  });
});

describe('parseCmdline', () => {
  const cases: [string, string, string[]][] = [
    ['NUL-separated with the trailing NUL', '/usr/bin/python3\0/usr/bin/nova-compute\0--config-file\0/etc/nova/nova.conf\0', ['/usr/bin/python3', '/usr/bin/nova-compute', '--config-file', '/etc/nova/nova.conf']],
    ['empty (kernel thread)', '', []],
    ['a title rewritten into one string', 'nova-compute: worker --x\0', ['nova-compute:', 'worker', '--x']],
    ['an argument with a space stays whole', '/bin/x\0a b\0', ['/bin/x', 'a b']],
  ];
  test.each(cases)('%s', (_name, text, argv) => expect(parseCmdline(text)).toEqual(argv));
});

describe('runsExecutable', () => {
  const exe = '/usr/bin/nova-compute';
  const cases: [string, string[], boolean][] = [
    ['the path itself', ['/usr/bin/nova-compute', '--config-file', 'x'], true],
    ['another prefix, same name', ['/usr/local/bin/nova-compute'], true],
    ['the bare name (PATH lookup)', ['nova-compute'], true],
    ['python runs the script', ['/usr/bin/python3', '/usr/bin/nova-compute', '--config-file', '/etc/nova/nova.conf'], true],
    ['python3.11 with options before the script', ['python3.11', '-s', '-W', 'ignore', '/usr/bin/nova-compute'], true],
    ['a venv script', ['/opt/venv/bin/python', '/opt/venv/bin/nova-compute'], true],
    ['sh runs it (a shebang script)', ['/bin/sh', '/tmp/x/nova-compute'], true],
    ['node runs it', ['node', '/repo/test/standins/nova-compute', '--config-file', 'x'], true],
    ['grep nova-compute is not it', ['grep', 'nova-compute'], false],
    ['tail of its log is not it', ['tail', '-f', '/var/log/nova/nova-compute'], false],
    ['vi on the script is not it', ['vi', '/usr/bin/nova-compute'], false],
    ['python running something else with it as an argument far away', ['python3', '/usr/bin/other', 'a', 'b', 'c', '/usr/bin/nova-compute'], false],
    ['a longer name', ['/usr/bin/nova-compute-wait'], false],
    ['nova-conductor', ['/usr/bin/python3', '/usr/bin/nova-conductor'], false],
    ['empty argv', [], false],
  ];
  test.each(cases)('%s', (_name, argv, expected) => expect(runsExecutable(argv, exe)).toBe(expected));

  test("matchBy 'path' takes only the exact path", () => {
    expect(runsExecutable(['/usr/local/bin/nova-compute'], exe, undefined, 'path')).toBe(false);
    expect(runsExecutable(['nova-compute'], exe, undefined, 'path')).toBe(false);
    expect(runsExecutable(['/usr/bin/python3', '/usr/bin/nova-compute'], exe, undefined, 'path')).toBe(true);
  });
  test('the path found on PATH counts', () => {
    expect(runsExecutable(['/opt/bin/nova-compute'], 'nova-compute', '/opt/bin/nova-compute', 'path')).toBe(true);
  });
});

describe('fake /proc', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'proc-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('listProcesses skips zombies, dead entries and non-pid names', () => {
    addProcess(root, { pid: 10, argv: ['/usr/sbin/libvirtd'] });
    addProcess(root, { pid: 11, argv: [], state: 'Z', comm: 'virtqemud' });
    addProcess(root, { pid: 12, argv: ['/bin/x'], state: 'X' });
    mkdirSync(join(root, 'self'));
    writeFileSync(join(root, 'uptime'), '1 1\n');
    expect(listProcesses(root).map((p) => p.pid)).toEqual([10]);
    expect(readProcess(11, root)?.state).toBe('Z');
    expect(readProcess(99, root)).toBeUndefined();
  });

  test('libvirt: which daemons run', () => {
    addProcess(root, { pid: 20, argv: ['/usr/sbin/virtqemud', '--timeout', '120'] });
    addProcess(root, { pid: 21, argv: ['/usr/bin/grep', 'libvirtd'] });
    expect(libvirtDaemonsRunning(['libvirtd', 'virtqemud'], root)).toEqual(['virtqemud']);
  });

  test('libvirt: monolithic libvirtd, found by comm when argv was rewritten', () => {
    addProcess(root, { pid: 30, argv: ['libvirt daemon'], comm: 'libvirtd' });
    expect(libvirtDaemonsRunning(undefined, root)).toEqual(['libvirtd']);
  });

  test('libvirt: a zombie daemon is not running; none at all is an empty list', () => {
    addProcess(root, { pid: 40, argv: [], comm: 'libvirtd', state: 'Z' });
    expect(libvirtDaemonsRunning(['libvirtd', 'virtqemud'], root)).toEqual([]);
  });

  test('libvirt: a name longer than comm keeps needs argv', () => {
    addProcess(root, { pid: 50, argv: ['/usr/sbin/virtsecretd-extra'], comm: 'virtsecretd-ext' });
    addProcess(root, { pid: 51, argv: ['/usr/sbin/other'], comm: 'virtnodedevd-lo' });
    expect(libvirtDaemonsRunning(['virtsecretd-extra', 'virtnodedevd-long'], root)).toEqual(['virtsecretd-extra']);
  });

  test('libvirt against the real /proc: nothing named like that runs here', () => {
    expect(libvirtDaemonsRunning(['no-such-daemon-xyz'])).toEqual([]);
  });
});

describe('commandIdentity', () => {
  const cases: [string, string[], string | undefined][] = [
    ['a plain executable', ['/usr/bin/nova-compute', '--config-file', 'x'], '/usr/bin/nova-compute'],
    ['python runs the script: the script', ['/usr/bin/python3', '/usr/bin/nova-compute'], '/usr/bin/nova-compute'],
    ['options before the script', ['python3', '-s', '/opt/venv/bin/nova-compute'], '/opt/venv/bin/nova-compute'],
    ['an interpreter without a script path stays itself', ['python3', '-m', 'nova.cmd.compute'], 'python3'],
    ['empty', [], undefined],
  ];
  test.each(cases)('%s', (_name, argv, expected) => expect(commandIdentity(argv)).toBe(expected));

  test('a python command never takes another python program for nova-compute', () => {
    const identity = commandIdentity(['/usr/bin/python3', '/usr/bin/nova-compute'])!;
    expect(runsExecutable(['/usr/bin/python3', '/usr/bin/glance-api'], identity)).toBe(false);
    expect(runsExecutable(['/usr/bin/python3', '/usr/bin/nova-compute', '--config-file', 'x'], identity)).toBe(true);
  });
});
