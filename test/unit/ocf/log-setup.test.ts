import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { log } from '../../../lib/runtime/log';
import { createLogSink, debugEnabled, haDate, logTag, setupLogging } from '../../../lib/runtime/log-setup';
import { registerSecret } from '../../../lib/runtime/secrets';

let dir: string;
let stderr: string[];
const fixedNow = () => new Date(2026, 10, 5, 9, 7, 3);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'log-setup-'));
  stderr = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function sink(env: NodeJS.ProcessEnv, instance: string | undefined = 'nova-evacuate') {
  return createLogSink({ agent: 'NovaEvacuate', instance, env, pid: 4242, now: fixedNow, stderr: (line) => stderr.push(line) });
}

test('tag Agent(instance)[pid], or Agent[pid] without an instance', () => {
  expect(logTag('NovaEvacuate', 'nova-evacuate', 4242)).toBe('NovaEvacuate(nova-evacuate)[4242]');
  expect(logTag('fence_compute', undefined, 7)).toBe('fence_compute[7]');
});

test('HA_DATEFMT default "%b %d %T "', () => {
  expect(haDate(fixedNow())).toBe('Nov 05 09:07:03 ');
});

test('levels are written as ERROR/WARNING/NOTICE/INFO on stderr', () => {
  const write = sink({});
  write.write('error', 'e', {});
  write.write('warn', 'w', {});
  write.write('notice', 'n', {});
  write.write('info', 'i', { host: 'compute1' });
  expect(stderr).toEqual([
    'NovaEvacuate(nova-evacuate)[4242]: ERROR: e\n',
    'NovaEvacuate(nova-evacuate)[4242]: WARNING: w\n',
    'NovaEvacuate(nova-evacuate)[4242]: NOTICE: n\n',
    'NovaEvacuate(nova-evacuate)[4242]: INFO: i (host=compute1)\n',
  ]);
});

test.each([
  [undefined, false],
  ['', false],
  ['0', false],
  ['1', true],
  ['2', true],
])('HA_debug=%p → debug %p', (value, enabled) => {
  const env = value === undefined ? {} : { HA_debug: value };
  expect(debugEnabled(env)).toBe(enabled);
  sink(env).write('debug', 'details', {});
  expect(stderr).toEqual(enabled ? ['NovaEvacuate(nova-evacuate)[4242]: DEBUG: details\n'] : []);
});

test('HA_LOGFILE is appended synchronously, without debug lines; HA_DEBUGLOG gets them', () => {
  const logFile = join(dir, 'ha.log');
  const debugLog = join(dir, 'ha-debug.log');
  writeFileSync(logFile, 'existing line\n');
  const write = sink({ HA_LOGFILE: logFile, HA_DEBUGLOG: debugLog, HA_debug: '1' });
  write.write('info', 'evacuating compute1', {});
  // Read straight after the call: nothing buffered, nothing lost if the process is killed now.
  expect(readFileSync(logFile, 'utf8')).toBe(
    'existing line\nNov 05 09:07:03 NovaEvacuate(nova-evacuate)[4242]:    INFO: evacuating compute1\n',
  );
  write.write('debug', 'raw answer', {});
  expect(readFileSync(logFile, 'utf8')).not.toContain('raw answer');
  expect(readFileSync(debugLog, 'utf8')).toBe(
    'NovaEvacuate(nova-evacuate)[4242]:\tNov 05 09:07:03 INFO: evacuating compute1\n' +
      'NovaEvacuate(nova-evacuate)[4242]:\tNov 05 09:07:03 DEBUG: raw answer\n',
  );
});

test('HA_DEBUGLOG equal to HA_LOGFILE does not duplicate lines', () => {
  const logFile = join(dir, 'same.log');
  sink({ HA_LOGFILE: logFile, HA_DEBUGLOG: logFile }).write('warn', 'once', {});
  expect(readFileSync(logFile, 'utf8').match(/once/g)).toHaveLength(1);
});

test('an unwritable HA_LOGFILE does not throw; stderr still has the line', () => {
  expect(() => sink({ HA_LOGFILE: join(dir, 'missing', 'dir', 'x.log') }).write('error', 'still here', {})).not.toThrow();
  expect(stderr).toEqual(['NovaEvacuate(nova-evacuate)[4242]: ERROR: still here\n']);
});

test('with a writable HA_LOGFILE the line goes there only, not also to stderr (execd copies stderr into the same log)', () => {
  const file = join(dir, 'only-file.log');
  sink({ HA_LOGFILE: file }).write('error', 'once', {});
  expect(stderr).toEqual([]);
  expect(readFileSync(file, 'utf8')).toContain('NovaEvacuate(nova-evacuate)[4242]:    ERROR: once');
});

describe('HA_LOGFACILITY → logger', () => {
  function fakeLogger(): string {
    const record = join(dir, 'logger.calls');
    const script = join(dir, 'logger');
    writeFileSync(script, `#!/bin/sh\necho "args: $*" >> ${record}\necho "stdin: $(cat)" >> ${record}\n`);
    chmodSync(script, 0o755);
    return record;
  }

  test('facility.priority and tag as arguments, the message on stdin', () => {
    const record = fakeLogger();
    const write = sink({ HA_LOGFACILITY: 'daemon', PATH: `${dir}:/usr/bin:/bin` });
    write.write('error', 'nova unreachable', {});
    write.write('warn', 'retrying', {});
    expect(readFileSync(record, 'utf8')).toBe(
      'args: -t NovaEvacuate(nova-evacuate)[4242] -p daemon.err\nstdin: ERROR: nova unreachable\n' +
        'args: -t NovaEvacuate(nova-evacuate)[4242] -p daemon.warning\nstdin: WARNING: retrying\n',
    );
  });

  test.each(['none', ''])('HA_LOGFACILITY=%p does not call logger', (facility) => {
    const record = fakeLogger();
    sink({ HA_LOGFACILITY: facility, PATH: `${dir}:/usr/bin:/bin` }).write('error', 'x', {});
    expect(existsSync(record)).toBe(false);
    expect(stderr).toHaveLength(1);
  });
});

test('setupLogging installs the sink: secrets by value and by field name never reach a line', () => {
  const logFile = join(dir, 'agent.log');
  registerSecret('pa55-w0rd-value');
  setupLogging({ agent: 'NovaCompute', instance: 'nc', env: { HA_LOGFILE: logFile }, stderr: (line) => stderr.push(line) });
  log.info('login with pa55-w0rd-value', { password: 'other-pass', application_credential_secret: 'acs', user: 'admin' });
  log.child({ host: 'compute2' }).warn('slow');
  const written = readFileSync(logFile, 'utf8');
  expect(written).toMatch(
    /NovaCompute\(nc\)\[\d+\]: {4}INFO: login with \*\*\*\* \(password=\*\*\*\* application_credential_secret=\*\*\*\* user=admin\)\n/,
  );
  expect(written).toMatch(/WARNING: slow \(host=compute2\)\n$/);
  expect(stderr.join('')).not.toMatch(/pa55-w0rd-value|other-pass|acs\b/);
});
