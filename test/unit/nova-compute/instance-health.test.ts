import type { Server, ServerAction } from '../../../lib/openstack/nova-types';
import {
  judgeInstance,
  judgeShutoff,
  needsActionHistory,
  powerStateName,
  type InstanceVerdict,
} from '../../../lib/nova-compute/instance-health';

function server(status: string, powerState: number | null, taskState: string | null = null): Server {
  return {
    id: 'f0e1d2c3-0000-4000-8000-000000000001',
    name: 'vm1',
    status,
    host: 'cmp-a',
    hypervisorHostname: 'cmp-a',
    vmState: null,
    taskState,
    powerState,
    projectId: 'p1',
    userId: 'u1',
    flavor: { id: '1', originalName: null, vcpus: 1, ram: 512, disk: 1, extraSpecs: null },
    imageId: 'img',
    metadata: {},
    tags: [],
    locked: null,
    created: null,
    updated: null,
  };
}

let clock = 0;
/** An instance action; `user` null is Nova itself (its power sync). */
function act(action: string, user: string | null = 'operator-1'): ServerAction {
  clock += 1;
  return {
    action,
    requestId: `req-${clock}`,
    userId: user,
    projectId: user === null ? null : 'p1',
    startTime: `2026-11-25T12:00:${String(clock % 60).padStart(2, '0')}.000000`,
    updatedAt: null,
    message: null,
  };
}

const SYNC = null;

describe('needsActionHistory', () => {
  it.each([
    ['SHUTOFF, no task', server('SHUTOFF', 4), true],
    ['SHUTOFF while powering on', server('SHUTOFF', 4, 'powering-on'), false],
    ['ACTIVE crashed (unsynced)', server('ACTIVE', 4), false],
    ['ACTIVE running', server('ACTIVE', 1), false],
    ['ERROR', server('ERROR', 0), false],
    ['SHELVED_OFFLOADED', server('SHELVED_OFFLOADED', 4), false],
  ])('%s', (_name, s, expected) => {
    expect(needsActionHistory(s)).toBe(expected);
  });
});

describe('judgeInstance: from the server alone', () => {
  const cases: [string, Server, Partial<InstanceVerdict> & { kind: InstanceVerdict['kind'] }, RegExp][] = [
    ['ACTIVE and RUNNING', server('ACTIVE', 1), { kind: 'healthy' }, /ACTIVE, power state RUNNING\(1\)/],
    ['ACTIVE with no power state (not shown to this user)', server('ACTIVE', null), { kind: 'healthy' }, /unknown/],
    ['ACTIVE, SHUTDOWN, unsynced → hard reboot', server('ACTIVE', 4), { kind: 'restart', method: 'hard-reboot' }, /SHUTDOWN\(4\).*not synced/],
    ['ACTIVE, CRASHED → hard reboot', server('ACTIVE', 6), { kind: 'restart', method: 'hard-reboot' }, /CRASHED\(6\)/],
    ['ACTIVE, NOSTATE (the driver lost the guest) → hard reboot', server('ACTIVE', 0), { kind: 'restart', method: 'hard-reboot' }, /NOSTATE\(0\): the hypervisor does not know the guest.*power sync leaves it so/],
    ['ACTIVE, NOSTATE while Nova reboots it: healthy', server('ACTIVE', 0, 'rebooting_hard'), { kind: 'healthy' }, /task rebooting_hard/],
    ['ACTIVE, NOSTATE while Nova stops it: healthy', server('ACTIVE', 0, 'powering-off'), { kind: 'healthy' }, /task powering-off/],
    ['ACTIVE, PAUSED outside Nova', server('ACTIVE', 3), { kind: 'left-alone' }, /PAUSED\(3\)/],
    ['ACTIVE, SUSPENDED: Nova syncs it', server('ACTIVE', 7), { kind: 'left-alone' }, /SUSPENDED\(7\).*power sync/],
    ['a task in progress wins over a bad power state', server('ACTIVE', 4, 'rebooting_hard'), { kind: 'healthy' }, /task rebooting_hard/],
    ['SHUTOFF powering on', server('SHUTOFF', 4, 'powering-on'), { kind: 'healthy' }, /powering-on/],
    ['REBUILD without a task shown', server('REBUILD', 1), { kind: 'healthy' }, /REBUILD: Nova is working/],
    ['BUILD', server('BUILD', 0, 'spawning'), { kind: 'healthy' }, /spawning/],
    ['HARD_REBOOT', server('HARD_REBOOT', 4), { kind: 'healthy' }, /HARD_REBOOT/],
    ['ERROR is for an operator', server('ERROR', 0), { kind: 'needs-operator' }, /ERROR.*restart_error is off/],
    ['SHELVED', server('SHELVED', 4), { kind: 'left-alone' }, /SHELVED: someone chose/],
    ['SHELVED_OFFLOADED', server('SHELVED_OFFLOADED', 4), { kind: 'left-alone' }, /someone chose/],
    ['PAUSED', server('PAUSED', 3), { kind: 'left-alone' }, /someone chose/],
    ['SUSPENDED', server('SUSPENDED', 4), { kind: 'left-alone' }, /someone chose/],
    ['RESCUE', server('RESCUE', 1), { kind: 'left-alone' }, /someone chose/],
    ['VERIFY_RESIZE', server('VERIFY_RESIZE', 1), { kind: 'left-alone' }, /someone chose/],
    ['UNKNOWN', server('UNKNOWN', null), { kind: 'left-alone' }, /cannot tell/],
  ];
  it.each(cases)('%s', (_name, s, expected, evidence) => {
    const verdict = judgeInstance(s, undefined);
    expect(verdict).toMatchObject(expected);
    expect(verdict.evidence).toMatch(evidence);
  });

  it('restart_error hard-reboots ERROR', () => {
    expect(judgeInstance(server('ERROR', 0), undefined, { restartError: true })).toMatchObject({
      kind: 'restart',
      method: 'hard-reboot',
    });
  });

  it('asks for the actions of a SHUTOFF server', () => {
    expect(() => judgeInstance(server('SHUTOFF', 4), undefined)).toThrow(/needs its instance actions/);
  });

  it('uses the actions for SHUTOFF', () => {
    expect(judgeInstance(server('SHUTOFF', 4), [act('stop'), act('create')]).kind).toBe('operator-stopped');
  });
});

describe('judgeShutoff: the latest action that decided the power state (newest first)', () => {
  const cases: [string, ServerAction[], 'operator-stopped' | 'restart', RegExp][] = [
    ['no action at all', [], 'restart', /no action at all/],
    ['crashed after create (nothing recorded, the sim\'s shutoff crash)', [act('create')], 'restart', /no stop recorded since 'create'/],
    ['Nova\'s power sync stop after create (the synced crash)', [act('stop', SYNC), act('create')], 'restart', /power sync stopped it.*after 'create'/],
    ['an operator stopped it', [act('stop'), act('create')], 'operator-stopped', /after 'stop' by user operator-1/],
    ['operator stop, later started, then crashed', [act('start'), act('stop'), act('create')], 'restart', /since 'start'/],
    ['operator stop, then the guest came back and Nova stopped it again', [act('stop', SYNC), act('stop'), act('create')], 'operator-stopped', /power sync/],
    ['our own restart, then a second crash synced', [act('stop', SYNC), act('start'), act('stop', SYNC), act('create')], 'restart', /after 'start'/],
    ['reboot, then crashed', [act('reboot'), act('create')], 'restart', /'reboot'/],
    ['unshelved, then crashed', [act('unshelve'), act('shelve'), act('create')], 'restart', /'unshelve'/],
    ['restored, then crashed', [act('restore'), act('delete'), act('create')], 'restart', /'restore'/],
    // Migrations, resizes, rebuilds and evacuations keep a stopped server stopped.
    ['stopped by an operator, then evacuated', [act('evacuate'), act('stop'), act('create')], 'operator-stopped', /'stop' by user/],
    ['stopped, then cold-migrated and confirmed', [act('confirmResize'), act('migrate'), act('stop'), act('create')], 'operator-stopped', /'stop'/],
    ['stopped, then resized and reverted', [act('revertResize'), act('resize'), act('stop'), act('create')], 'operator-stopped', /'stop'/],
    ['stopped, then rebuilt', [act('rebuild'), act('stop'), act('create')], 'operator-stopped', /'stop'/],
    ['evacuated while running, then crashed', [act('evacuate'), act('create')], 'restart', /'create'/],
    ['actions that do not touch power are looked past', [act('attach_volume'), act('lock'), act('createImage'), act('stop'), act('create')], 'operator-stopped', /'stop'/],
    ['only actions that do not touch power', [act('attach_volume')], 'restart', /no recorded action decided/],
    ['only Nova\'s stop (history pruned)', [act('stop', SYNC)], 'restart', /no operator's stop is recorded/],
  ];
  it.each(cases)('%s → %s', (_name, actions, kind, evidence) => {
    const verdict = judgeShutoff(actions);
    expect(verdict.kind).toBe(kind);
    if (verdict.kind === 'restart') expect(verdict.method).toBe('start');
    expect(verdict.evidence).toMatch(evidence);
  });
});

describe('powerStateName', () => {
  it.each([
    [0, 'NOSTATE(0)'],
    [1, 'RUNNING(1)'],
    [4, 'SHUTDOWN(4)'],
    [9, 'unrecognised(9)'],
    [null, 'unknown'],
  ])('%s → %s', (value, name) => {
    expect(powerStateName(value)).toBe(name);
  });
});
