import { evacuationBlocker, remainingDelayMs, waitForEvacuations, wasFenced, type EvacuationWatch, type Mark } from '../../../lib/nova-compute/rejoin';
import { KeystoneUnreachableError } from '../../../lib/openstack/errors';
import type { Migration } from '../../../lib/openstack/nova-types';
import { Deadline } from '../../../lib/runtime/deadline';
import type { Log } from '../../../lib/runtime/log';

function migration(status: string, updatedAt: string | null = null): Migration {
  return {
    id: 1,
    uuid: null,
    instanceUuid: 'i-1',
    sourceCompute: 'cmp-a',
    destCompute: 'cmp-b',
    sourceNode: null,
    destNode: null,
    destHost: null,
    status,
    migrationType: 'evacuation',
    createdAt: updatedAt,
    updatedAt,
  };
}

const mark = (value: string | undefined, name = 'cmp-a'): Mark => ({ name, value });
const quiet: Log = { debug: () => {}, info: () => {}, notice: () => {}, warn: () => {}, error: () => {} } as unknown as Log;

describe('evacuationBlocker', () => {
  test.each([
    [[mark(undefined)], [], undefined],
    [[mark('')], [], undefined],
    [[mark('no')], [], undefined],
    [[mark('no')], [migration('done'), migration('completed'), migration('failed'), migration('error')], undefined],
    [[mark('yes')], [], /attribute evacuate="yes" for cmp-a/],
    [[mark('ctl1@1700000000')], [], /evacuate="ctl1@1700000000"/],
    [[mark('garbage')], [], /evacuate="garbage"/],
    [[mark(undefined), mark('yes', 'node-a')], [], /for node-a/],
    [[mark('no')], [migration('accepted'), migration('pre-migrating'), migration('done')], /2 evacuation\(s\) from it are still in progress in Nova \(accepted, pre-migrating\)/],
    [[mark(undefined)], [migration('running')], /1 evacuation\(s\)/],
  ])('marks %j, migrations %#', (marks, migrations, expected) => {
    const reason = evacuationBlocker(marks, migrations);
    if (expected === undefined) expect(reason).toBeUndefined();
    else expect(reason).toMatch(expected);
  });
});

describe('remainingDelayMs', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  test.each([
    ['no evacuation ever: no delay', [], 120, undefined, 0],
    ['an evacuation finished an hour ago: no delay', [migration('completed', '2026-11-25T11:00:00.000000')], 120, undefined, 0],
    ['finished 30 s ago: 90 s left', [migration('done', '2026-11-25T11:59:30.000000')], 120, undefined, 90_000],
    ['Nova time without zone is UTC', [migration('done', '2026-11-25T11:59:50')], 120, undefined, 110_000],
    ['delay 0: never', [migration('done', '2026-11-25T11:59:59')], 0, undefined, 0],
    ['waited until just now: the full delay', [], 60, now, 60_000],
    ['the latest of both counts', [migration('done', '2026-11-25T11:59:00')], 120, now - 10_000, 110_000],
    ['a clock ahead never gives more than the delay', [migration('done', '2026-11-25T12:05:00')], 120, undefined, 120_000],
  ] as const)('%s', (_name, migrations, delaySec, waitEndedAt, expected) => {
    expect(remainingDelayMs({ migrations: [...migrations], delaySec, now, waitEndedAt })).toBe(expected);
  });
});

describe('wasFenced', () => {
  test.each([
    [[mark(undefined)], null, false],
    [[mark('')], 'maintenance', false],
    [[mark('no')], null, true],
    [[mark('yes')], null, true],
    [[mark(undefined)], 'fence_compute: fenced at 2026-11-25T12:00:00.000Z', true],
    [[mark(undefined)], 'fence_compute: fenced at 2026-11-25T12:00:00.000Z; previously disabled: reserved host for instance HA', true],
  ])('%j with reason %j → %s', (marks, reason, expected) => {
    expect(wasFenced(marks, { disabledReason: reason })).toBe(expected);
  });
});

/** A watch on a host that was not fenced (so no mark can be lost), with these readings. */
function watchOf(parts: Pick<EvacuationWatch, 'readMarks' | 'listEvacuations'> & Partial<EvacuationWatch>): EvacuationWatch {
  return {
    service: async () => ({ forcedDown: false, disabledReason: null }),
    markNeeded: async () => undefined,
    hasServers: async () => true,
    ...parts,
  };
}

describe('waitForEvacuations', () => {
  test('polls until clear, reporting each new reason once and the end', async () => {
    const seen: (string | undefined)[] = [];
    const answers: [string | undefined, Migration[]][] = [
      ['yes', []],
      ['yes', []],
      ['no', [migration('pre-migrating')]],
      ['no', [migration('done', '2026-11-25T11:59:59')]],
    ];
    let call = 0;
    const outcome = await waitForEvacuations(
      { deadline: Deadline.in(5_000), log: quiet, pollMs: 1, now: Date.now, onWaiting: (r) => void seen.push(r) },
      watchOf({
        readMarks: async () => [mark(answers[Math.min(call, 3)]![0])],
        listEvacuations: async () => answers[Math.min(call++, 3)]![1],
      }),
    );
    expect(seen).toEqual([expect.stringMatching(/evacuate="yes"/), expect.stringMatching(/pre-migrating/), undefined]);
    expect(outcome.waitEndedAt).toBeDefined();
    expect(outcome.migrations.map((m) => m.status)).toEqual(['done']);
  });

  test('nothing pending: returns at once without a wait end', async () => {
    const outcome = await waitForEvacuations(
      { deadline: Deadline.in(5_000), log: quiet, pollMs: 1, now: Date.now },
      watchOf({ readMarks: async () => [mark(undefined)], listEvacuations: async () => [] }),
    );
    expect(outcome).toEqual({ waitedMs: 0, migrations: [] });
  });

  test('Keystone unreachable is a reason to wait; the deadline ends it with that reason', async () => {
    await expect(
      waitForEvacuations(
        { deadline: Deadline.in(50), log: quiet, pollMs: 10, now: Date.now },
        watchOf({
          readMarks: async () => [mark(undefined)],
          listEvacuations: async () => {
            throw new KeystoneUnreachableError('http://127.0.0.1:9/v3', 'ECONNREFUSED');
          },
        }),
      ),
    ).rejects.toThrow(/cannot tell whether evacuations are pending/);
  });

  test('an error that is not transient is thrown at once', async () => {
    await expect(
      waitForEvacuations(
        { deadline: Deadline.in(5_000), log: quiet, pollMs: 1, now: Date.now },
        watchOf({ readMarks: async () => { throw new Error('attrd broke'); }, listEvacuations: async () => [] }),
      ),
    ).rejects.toThrow('attrd broke');
  });

  describe('a mark lost before anything was evacuated (the node rejoined and Pacemaker wiped it)', () => {
    const fenced = { forcedDown: true, disabledReason: 'fence_compute: fenced at 2026-11-25T12:00:00.000Z' };

    test('sets evacuate=yes again and waits until NovaEvacuate is done', async () => {
      let value: string | undefined;
      let rebuilt: Migration[] = [];
      const restored: string[] = [];
      const seen: (string | undefined)[] = [];
      let polls = 0;
      const outcome = await waitForEvacuations(
        { deadline: Deadline.in(5_000), log: quiet, pollMs: 1, now: Date.now, onWaiting: (r) => void seen.push(r) },
        watchOf({
          readMarks: async () => {
            // NovaEvacuate's side: it sees the restored `yes`, evacuates, says `no`.
            if (value === 'yes' && ++polls > 2) [value, rebuilt] = ['no', [migration('done', '2026-11-25T12:00:09')]];
            return [mark(value)];
          },
          listEvacuations: async () => rebuilt,
          service: async () => fenced,
          markNeeded: async () => {
            restored.push('yes');
            value = 'yes';
          },
        }),
      );
      expect(restored).toEqual(['yes']);
      expect(seen[0]).toMatch(/evacuate attribute is gone.*evacuate="yes" set again/);
      expect(outcome.migrations.map((m) => m.status)).toEqual(['done']);
    });

    test('not lost when Nova has evacuations from the host since the fence (the mark was cleared after them)', async () => {
      const restored: string[] = [];
      const outcome = await waitForEvacuations(
        { deadline: Deadline.in(5_000), log: quiet, pollMs: 1, now: Date.now },
        watchOf({
          readMarks: async () => [mark(undefined)],
          listEvacuations: async () => [migration('done', '2026-11-25T12:00:05')],
          service: async () => fenced,
          markNeeded: async () => void restored.push('yes'),
        }),
      );
      expect(restored).toEqual([]);
      expect(outcome.waitedMs).toBe(0);
    });

    test('not lost when no server is left on the host (nothing to evacuate)', async () => {
      const restored: string[] = [];
      const outcome = await waitForEvacuations(
        { deadline: Deadline.in(5_000), log: quiet, pollMs: 1, now: Date.now },
        watchOf({
          readMarks: async () => [mark(undefined)],
          listEvacuations: async () => [],
          service: async () => fenced,
          hasServers: async () => false,
          markNeeded: async () => void restored.push('yes'),
        }),
      );
      expect(restored).toEqual([]);
      expect(outcome.waitedMs).toBe(0);
    });
  });
});
