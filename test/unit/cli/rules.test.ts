/** The CLI's pure decisions, table by table: exit codes, doctor rules, host states, evacuate safety. */
import { describe, expect, it } from '@jest/globals';
import { anyFailed, formatChecks, type CheckResult } from '../../../lib/cli/checks';
import { clockCheck, marksDetail, microversionCheck, servicesCheck, statusFileCheck } from '../../../lib/cli/doctor-rules';
import { CliError, exitCodeFor, NoSuchObjectError, RefusedError, UsageError } from '../../../lib/cli/errors';
import { evacuateSafety, UNSAFE_FLAG } from '../../../lib/cli/evacuate';
import { EXIT } from '../../../lib/cli/exit-codes';
import { findService } from '../../../lib/cli/hosts';
import { classifyHost, fencedAt } from '../../../lib/cli/live';
import { AuthenticationError, KeystoneUnreachableError } from '../../../lib/openstack/errors';
import { ConfigError, DeadlineError, NotInstalledError } from '../../../lib/runtime/errors';
import { service } from './fixtures';

describe('exitCodeFor', () => {
  it.each([
    [new UsageError('x'), EXIT.usage],
    [new RefusedError('x'), EXIT.refused],
    [new NoSuchObjectError('x'), EXIT.notFound],
    [new CliError(EXIT.timeout, 'x'), EXIT.timeout],
    [new ConfigError('auth_url not configured'), EXIT.usage],
    [new DeadlineError('timed out'), EXIT.timeout],
    [new AuthenticationError('401'), EXIT.failure],
    [new KeystoneUnreachableError('http://k', 'ECONNREFUSED'), EXIT.failure],
    [new NotInstalledError('attrd_updater'), EXIT.failure],
    [new Error('anything'), EXIT.failure],
  ])('%p → %i', (error, code) => {
    expect(exitCodeFor(error)).toBe(code);
  });
});

describe('doctor rules', () => {
  it.each([
    [{ major: 2, minor: 52 }, 'warn', /below 2.53/],
    [{ major: 2, minor: 53 }, 'ok', undefined],
    [{ major: 2, minor: 94 }, 'ok', undefined],
    [{ major: 2, minor: 95 }, 'warn', /arrive stopped/],
  ] as const)('microversion %p is %s', (version, status, fix) => {
    const check = microversionCheck(version, { major: 2, minor: 96 }, 'http://nova');
    expect(check.status).toBe(status);
    if (fix) expect(check.fix).toMatch(fix);
    expect(check.detail).toContain(`microversion ${version.major}.${version.minor} negotiated (server max 2.96)`);
  });

  it.each([
    [0, 'ok'],
    [4_900, 'ok'],
    [-5_000, 'ok'],
    [5_100, 'warn'],
    [-12_000, 'warn'],
  ] as const)('clock skew %i ms is %s', (skew, status) => {
    expect(clockCheck(skew, 'Keystone').status).toBe(status);
  });

  it('status file: absent and stale warn, fresh is ok', () => {
    expect(statusFileCheck('/s.json', undefined)).toMatchObject({ status: 'warn', detail: '/s.json does not exist' });
    expect(statusFileCheck('/s.json', 61_000)).toMatchObject({ status: 'warn', detail: '/s.json is 61 s old' });
    expect(statusFileCheck('/s.json', 9_000)).toMatchObject({ status: 'ok', detail: '/s.json written 9 s ago' });
  });

  it('services: none fails; counts otherwise', () => {
    expect(servicesCheck([]).status).toBe('fail');
    const check = servicesCheck([service('a'), service('b', { state: 'down', forcedDown: true, status: 'disabled' })]);
    expect(check.detail).toBe('2 nova-compute: 1 up, 1 down, 1 forced down, 1 disabled');
  });

  it('marks: empty values are not marks', () => {
    expect(marksDetail(new Map([['a', '']]))).toBe('evacuate attribute readable: no host marked');
    expect(marksDetail(new Map([['a', 'yes'], ['b', 'no']]))).toBe('evacuate attribute readable: a=yes, b=no');
  });

  it('formats one line per check with its symbol, the fix indented, and a verdict', () => {
    const checks: CheckResult[] = [
      { name: 'Keystone', status: 'ok', detail: 'token issued in 12 ms' },
      { name: 'clock', status: 'warn', detail: '+7 s', fix: 'use NTP' },
      { name: 'attributes', status: 'fail', detail: 'attrd down' },
      { name: 'Nova API', status: 'skip', detail: 'skipped: no token' },
    ];
    expect(formatChecks(checks)).toBe(
      [
        '✓ Keystone    token issued in 12 ms',
        '! clock       +7 s',
        '              → use NTP',
        '✗ attributes  attrd down',
        '- Nova API    skipped: no token',
        '',
        '1 check(s) failed, 1 warning(s)',
        '',
      ].join('\n'),
    );
    expect(anyFailed(checks)).toBe(true);
    expect(anyFailed(checks.slice(0, 2))).toBe(false);
  });
});

describe('classifyHost (status --live)', () => {
  const fenced = { state: 'down', forcedDown: true, status: 'disabled', disabledReason: 'fence_compute: fenced at 2026-11-25T12:00:00.000Z' } as const;
  it.each([
    ['healthy', service('h'), undefined, 'up'],
    ['reserved', service('h', { status: 'disabled', disabledReason: 'reserved host for instance HA' }), undefined, 'reserved'],
    ['disabled', service('h', { status: 'disabled', disabledReason: 'maintenance' }), '', 'disabled'],
    ['down, not fenced', service('h', { state: 'down' }), undefined, 'down'],
    ['marked but up', service('h'), 'yes', 'refused'],
    ['marked and forced down', service('h', fenced), 'yes', 'evacuating'],
    ['in progress, down', service('h', { state: 'down' }), 'ctl1@1795608416', 'evacuating'],
    ['fenced by us, mark lost', service('h', fenced), '', 'fenced'],
    ['done', service('h', fenced), 'no', 'done'],
  ] as const)('%s → %s', (_label, svc, mark, state) => {
    expect(classifyHost(svc, mark).state).toBe(state);
  });

  it('reads the fence time from our disabled reason', () => {
    expect(fencedAt('fence_compute: fenced at 2026-11-25T12:00:00.000Z; previously disabled: x')).toBe(Date.parse('2026-11-25T12:00:00.000Z'));
    expect(fencedAt('maintenance')).toBeUndefined();
  });
});

describe('evacuateSafety', () => {
  it('accepts a forced-down host', () => {
    expect(evacuateSafety(service('h', { state: 'down', forcedDown: true }), false).kind).toBe('fenced');
  });

  it.each([
    ['up', service('h'), /up and not forced down/],
    ['down but never fenced', service('h', { state: 'down' }), /never fenced/],
  ] as const)('refuses a host %s, naming the override', (_label, svc, why) => {
    const verdict = evacuateSafety(svc, false);
    expect(verdict.kind).toBe('refused');
    if (verdict.kind === 'refused') {
      expect(verdict.reason).toMatch(why);
      expect(verdict.reason).toContain(UNSAFE_FLAG);
    }
  });

  it('with the unsafe flag, forces the host down instead of refusing', () => {
    expect(evacuateSafety(service('h'), true).kind).toBe('force-down');
  });
});

describe('findService', () => {
  const services = [service('cmp-a.example.com'), service('cmp-b.example.com'), service('x.one'), service('x.two')];
  it('exact name, then a unique short name', () => {
    expect(findService(services, 'cmp-a.example.com').host).toBe('cmp-a.example.com');
    expect(findService(services, 'cmp-b').host).toBe('cmp-b.example.com');
  });
  it('unknown or ambiguous is NoSuchObjectError', () => {
    expect(() => findService(services, 'cmp-z')).toThrow(NoSuchObjectError);
    expect(() => findService(services, 'x')).toThrow(/ambiguous: x.one, x.two/);
  });
});

describe('per-instance progress words (status --live, --wait)', () => {
  it('describes each kind of progress', async () => {
    const { describeProgress } = await import('../../../lib/cli/live-instances');
    const { server } = await import('./fixtures');
    const vm = server('i-1', 'cmp-a');
    const migration = { id: 7, uuid: null, instanceUuid: 'i-1', sourceCompute: 'cmp-a', destCompute: 'cmp-b', sourceNode: null, destNode: null, destHost: null, status: 'running', migrationType: 'evacuation', createdAt: null, updatedAt: null };
    expect(describeProgress(vm, { kind: 'not-started' })).toMatchObject({ progress: 'pending', detail: '' });
    expect(describeProgress(vm, { kind: 'in-flight', migration })).toMatchObject({ progress: 'in-flight', detail: 'migration 7 running to cmp-b' });
    expect(describeProgress(vm, { kind: 'evacuated', host: 'cmp-b' })).toMatchObject({ progress: 'evacuated', detail: 'now on cmp-b' });
    expect(describeProgress(vm, { kind: 'failed', attempts: 2, lastFailedAt: 0, lastTarget: 'cmp-c' })).toMatchObject({ progress: 'failed', detail: '2 failed attempt(s), last to cmp-c' });
    expect(describeProgress(vm, { kind: 'given-up', reason: 'PAUSED' })).toMatchObject({ progress: 'given-up', detail: 'PAUSED' });
  });

  it('one --wait line per host state', async () => {
    const { progressLine } = await import('../../../lib/cli/wait');
    const { sampleStatus } = await import('./sample-status');
    const host = sampleStatus(0).hosts[0];
    if (!host) throw new Error('no host');
    expect(progressLine(host)).toBe('cmp-a: evacuating (1 evacuated, 1 in-flight, 1 unprotected) - evacuating 3 protected instances');
  });
});
