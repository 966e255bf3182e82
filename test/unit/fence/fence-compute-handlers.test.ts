import { describe, expect, it } from '@jest/globals';
import { Deadline } from '../../../lib/runtime/deadline';
import { log } from '../../../lib/runtime/log';
import { BadRequestError, ServerError } from '../../../lib/openstack/errors';
import type { ComputeService, Migration } from '../../../lib/openstack/nova-types';
import type { PlugContext } from '../../../lib/fence/agent';
import { configuredDomain, createFenceComputeHandlers } from '../../../lib/fence-compute/handlers';
import type { FenceComputeOptions } from '../../../lib/fence-compute/options';
import type { ComputeApi, FenceComputePorts } from '../../../lib/fence-compute/ports';
import { computeService } from '../../helpers/nova-records';

const svc = computeService;

class FakeNova implements ComputeApi {
  calls: string[] = [];
  migrations: Migration[] = [];
  failForceDown: Error | undefined;
  refuseClear = 0;
  constructor(public services: ComputeService[]) {}
  private update(host: string, change: Partial<ComputeService>): void {
    this.services = this.services.map((s) => (s.host === host ? { ...s, ...change } : s));
  }
  async listComputeServices(host?: string) {
    return this.services.filter((s) => host === undefined || s.host === host);
  }
  async forceDown(service: ComputeService, down: boolean) {
    this.calls.push(`force-down ${service.host} ${down}`);
    if (this.failForceDown) throw this.failForceDown;
    if (!down && this.refuseClear-- > 0) {
      throw new BadRequestError('nova', 'Unable to force up host as `done` evacuation migration records remain', 'clearing');
    }
    this.update(service.host, { forcedDown: down, ...(down ? { state: 'down' as const } : {}) });
  }
  async disable(service: ComputeService, reason: string) {
    this.calls.push(`disable ${service.host} ${reason}`);
    this.update(service.host, { status: 'disabled', disabledReason: reason });
  }
  async enable(service: ComputeService) {
    this.calls.push(`enable ${service.host}`);
    this.update(service.host, { status: 'enabled', disabledReason: null });
  }
  async listEvacuations(host: string) {
    return this.migrations.filter((m) => m.sourceCompute === host);
  }
  serversOn: string[] = [];
  async hasServers(host: string) {
    return this.serversOn.includes(host);
  }
}

function setup(services: ComputeService[], marks: Record<string, string> = {}) {
  const nova = new FakeNova(services);
  const marked: string[] = [];
  const ports: FenceComputePorts = {
    connect: async () => nova,
    marks: () => ({
      read: async (host) => marks[host],
      markNeeded: async (host) => {
        marked.push(host);
        marks[host] = 'yes';
      },
    }),
    now: () => new Date('2026-11-25T13:00:00.000Z'),
    pollMs: 10,
    blockedGiveUpMs: 100,
  };
  return { nova, marked, marks, handlers: createFenceComputeHandlers(ports) };
}

function ctx(plug: string, options: Partial<PlugContext<FenceComputeOptions>['options']> = {}, deadlineMs = 2_000) {
  return {
    agent: 'fence_compute',
    action: 'off',
    plug,
    options: { domain: undefined, compute_domain: undefined, ...options },
    given: new Set<string>(),
    deadline: Deadline.in(deadlineMs),
    timeouts: { powerMs: 1000, shellMs: 1000, loginMs: 1000, powerWaitMs: 0, statusSleepMs: 0 },
    log,
  } as unknown as PlugContext<FenceComputeOptions>;
}

describe('fence_compute off', () => {
  it('forces down, then disables with a dated reason, then marks the Nova host', async () => {
    const { nova, marked, handlers } = setup([svc('cmp-a.lab'), svc('cmp-b.lab')]);
    expect(await handlers.setPower(ctx('cmp-a'), 'off')).toBe('poll');
    expect(nova.calls).toEqual(['force-down cmp-a.lab true', 'disable cmp-a.lab fence_compute: fenced at 2026-11-25T13:00:00.000Z']);
    expect(marked).toEqual(['cmp-a.lab']);
    expect(await handlers.getStatus(ctx('cmp-a'))).toBe('off');
  });

  it('marks a host Nova already shows down, disabled and forced down (classic bug B1)', async () => {
    const down = svc('cmp-a.lab', { state: 'down', status: 'disabled', forcedDown: true, disabledReason: 'maintenance' });
    const { nova, marked, handlers } = setup([down]);
    await handlers.setPower(ctx('cmp-a'), 'off');
    expect(nova.calls).toEqual(['disable cmp-a.lab fence_compute: fenced at 2026-11-25T13:00:00.000Z; previously disabled: maintenance']);
    expect(marked).toEqual(['cmp-a.lab']);
  });

  it('does not mark the host when Nova refuses the force-down', async () => {
    const { nova, marked, handlers } = setup([svc('cmp-a.lab')]);
    nova.failForceDown = new ServerError('nova', 500, 'boom', 'force-down of nova-compute on cmp-a.lab');
    await expect(handlers.setPower(ctx('cmp-a'), 'off')).rejects.toThrow('HTTP 500');
    expect(marked).toEqual([]);
  });

  it('uses the deprecated compute_domain when domain is unset (without the classic bug)', async () => {
    expect(configuredDomain(ctx('x', { compute_domain: 'b.lab' }).options)).toBe('b.lab');
    expect(configuredDomain(ctx('x', { domain: 'a.lab', compute_domain: 'b.lab' }).options)).toBe('a.lab');
    const { marked, handlers } = setup([svc('cmp-a.a.lab'), svc('cmp-a.b.lab')]);
    await handlers.setPower(ctx('cmp-a', { compute_domain: 'b.lab' }), 'off');
    expect(marked).toEqual(['cmp-a.b.lab']);
  });
});

describe('fence_compute on', () => {
  const fenced = (host: string, reason = 'fence_compute: fenced at 2026-11-25T12:00:00.000Z') =>
    svc(host, { state: 'down', status: 'disabled', forcedDown: true, disabledReason: reason });

  it('retries while Nova answers 400 for done records, then enables', async () => {
    const { nova, handlers } = setup([fenced('cmp-a.lab')], { 'cmp-a.lab': 'no' });
    nova.refuseClear = 2;
    expect(await handlers.setPower(ctx('cmp-a'), 'on')).toBe('confirmed');
    expect(nova.calls).toEqual([
      'force-down cmp-a.lab false',
      'force-down cmp-a.lab false',
      'force-down cmp-a.lab false',
      'enable cmp-a.lab',
    ]);
  });

  it('waits for in-flight evacuations in Nova even when the attribute says done', async () => {
    const { nova, handlers } = setup([fenced('cmp-a.lab')], { 'cmp-a.lab': 'no' });
    const migration = { id: 1, sourceCompute: 'cmp-a.lab', status: 'pre-migrating' } as Migration;
    nova.migrations = [migration];
    const unfencing = handlers.setPower(ctx('cmp-a'), 'on');
    await new Promise((r) => setTimeout(r, 50));
    expect(nova.calls).toEqual([]);
    nova.migrations = [{ ...migration, status: 'done' }];
    await unfencing;
    expect(nova.calls).toEqual(['force-down cmp-a.lab false', 'enable cmp-a.lab']);
  });

  it('gives up early while Nova refuses the force-up and shows the host down (only nova-compute starting there can change it)', async () => {
    const { nova, handlers } = setup([fenced('cmp-a.lab')], { 'cmp-a.lab': 'no' });
    nova.refuseClear = 1000;
    // Not the deadline's message: it gave up before the 5 s deadline.
    await expect(handlers.setPower(ctx('cmp-a', {}, 5_000), 'on')).rejects.toThrow(
      /could not unfence cmp-a.lab yet: Nova refuses to clear forced-down .*and Nova shows it down/,
    );
    expect(nova.calls).not.toContain('enable cmp-a.lab');
  });

  it('keeps waiting while Nova refuses the force-up of a host it shows up (nova-compute is cleaning up)', async () => {
    const { nova, handlers } = setup([{ ...fenced('cmp-a.lab'), state: 'up' as const }], { 'cmp-a.lab': 'no' });
    nova.refuseClear = 30; // 30 polls of 10 ms: past blockedGiveUpMs
    expect(await handlers.setPower(ctx('cmp-a', {}, 5_000), 'on')).toBe('confirmed');
    expect(nova.calls.at(-1)).toBe('enable cmp-a.lab');
  });

  it('gives up at the deadline with the reason, never enabling', async () => {
    const { nova, handlers } = setup([fenced('cmp-a.lab')], { 'cmp-a.lab': 'yes' });
    await expect(handlers.setPower(ctx('cmp-a', {}, 200), 'on')).rejects.toThrow(
      /could not unfence cmp-a.lab before the action deadline: its evacuation is not finished \(attribute evacuate="yes"\)/,
    );
    expect(nova.calls).toEqual([]);
  });

  it('treats an absent attribute as nothing pending once Nova has evacuations from the host since the fence', async () => {
    const { nova, handlers, marked } = setup([fenced('cmp-a.lab')]);
    nova.migrations = [{ id: 1, sourceCompute: 'cmp-a.lab', status: 'done', createdAt: '2026-11-25T12:00:04.000000' } as Migration];
    await handlers.setPower(ctx('cmp-a'), 'on');
    expect(nova.calls).toEqual(['force-down cmp-a.lab false', 'enable cmp-a.lab']);
    expect(marked).toEqual([]);
  });

  it('an attribute lost before anything was evacuated (wiped at rejoin) is set to yes again, and the host stays fenced', async () => {
    const { nova, handlers, marked, marks } = setup([fenced('cmp-a.lab')]);
    // An evacuation of an earlier failure does not count for this fence.
    nova.migrations = [{ id: 1, sourceCompute: 'cmp-a.lab', status: 'completed', createdAt: '2026-11-20T08:00:00.000000' } as Migration];
    nova.serversOn = ['cmp-a.lab'];
    await expect(handlers.setPower(ctx('cmp-a', {}, 200), 'on')).rejects.toThrow(
      /could not unfence cmp-a.lab before the action deadline: its evacuation is not finished \(attribute evacuate="yes"\)/,
    );
    expect(marked).toEqual(['cmp-a.lab']);
    expect(marks['cmp-a.lab']).toBe('yes');
    expect(nova.calls).toEqual([]);
  });

  it('a host with no server left has nothing to lose: an absent attribute unfences it', async () => {
    const { nova, handlers, marked } = setup([fenced('cmp-a.lab')]);
    await handlers.setPower(ctx('cmp-a'), 'on');
    expect(nova.calls).toEqual(['force-down cmp-a.lab false', 'enable cmp-a.lab']);
    expect(marked).toEqual([]);
  });

  it('restores a reserved host\'s reason instead of enabling it', async () => {
    const reason = 'fence_compute: fenced at 2026-11-25T12:00:00.000Z; previously disabled: reserved host for instance HA';
    const { nova, handlers } = setup([fenced('cmp-r.lab', reason)], { 'cmp-r.lab': 'no' });
    await handlers.setPower(ctx('cmp-r'), 'on');
    expect(nova.calls).toEqual(['force-down cmp-r.lab false', 'disable cmp-r.lab reserved host for instance HA']);
  });
});

describe('fence_compute list', () => {
  it('lists each host as fqdn with its short name and power state', async () => {
    const { handlers } = setup([svc('cmp-a.lab'), svc('cmp-b', { state: 'down', status: 'disabled' })]);
    expect(await handlers.list?.(ctx('x'))).toEqual([
      { id: 'cmp-a.lab', alias: 'cmp-a', status: 'on' },
      { id: 'cmp-b', alias: 'cmp-b', status: 'off' },
    ]);
  });
});
