import { describe, expect, it } from '@jest/globals';
import {
  evacuationMarkAllowsUnfence,
  evacuationMarkLost,
  fencedAt,
  fencedByUs,
  fencedReason,
  isEvacuationInFlight,
  isReserved,
  powerState,
  previousReason,
  serviceState,
} from '../../../lib/fence-compute/service-state';

describe('classic status mapping', () => {
  it.each([
    ['up', 'enabled', 'on', 'on'],
    ['down', 'disabled', 'off', 'off'],
    ['down', 'enabled', 'failed', 'on'],
    ['up', 'disabled', 'running', 'on'],
  ] as const)('%s + %s is %s, reported %s', (state, status, full, simple) => {
    expect(serviceState({ state, status })).toBe(full);
    expect(powerState({ state, status })).toBe(simple);
  });
});

describe('disabled reasons', () => {
  const at = new Date('2026-11-25T13:00:00.000Z');

  it('says we fenced it and when', () => {
    expect(fencedReason(at, null)).toBe('fence_compute: fenced at 2026-11-25T13:00:00.000Z');
    expect(fencedByUs(fencedReason(at, null))).toBe(true);
    expect(fencedByUs('maintenance')).toBe(false);
  });

  it('keeps the reason a host was disabled with, once, across repeated fencing', () => {
    const first = fencedReason(at, 'reserved host for instance HA');
    expect(first).toBe('fence_compute: fenced at 2026-11-25T13:00:00.000Z; previously disabled: reserved host for instance HA');
    const again = fencedReason(new Date('2026-11-25T14:00:00.000Z'), first);
    expect(again).toBe('fence_compute: fenced at 2026-11-25T14:00:00.000Z; previously disabled: reserved host for instance HA');
    expect(previousReason(again)).toBe('reserved host for instance HA');
    expect(fencedReason(at, fencedReason(at, null))).toBe('fence_compute: fenced at 2026-11-25T13:00:00.000Z');
  });

  it('fits Nova\'s 255-character column', () => {
    expect(fencedReason(at, 'x'.repeat(400))).toHaveLength(255);
  });

  it.each([
    ['disabled', 'reserved host for instance HA', true],
    ['disabled', 'fence_compute: fenced at 2026-11-25T13:00:00.000Z; previously disabled: Reserved for HA', true],
    ['disabled', 'maintenance', false],
    ['disabled', 'unreserved capacity', false],
    ['enabled', 'reserved', false],
    ['disabled', null, false],
  ] as const)('status %s, reason %j: reserved=%s', (status, disabledReason, expected) => {
    expect(isReserved({ status, disabledReason })).toBe(expected);
  });
});

describe('evacuation progress', () => {
  it.each([
    ['accepted', true],
    ['pre-migrating', true],
    ['running', true],
    ['migrating', true],
    ['queued', true],
    ['done', false],
    ['completed', false],
    ['failed', false],
    ['error', false],
    ['cancelled', false],
  ])('migration status %s in flight: %s', (status, expected) => {
    expect(isEvacuationInFlight({ status })).toBe(expected);
  });

  it.each([
    [undefined, true],
    ['', true],
    ['no', true],
    ['yes', false],
    ['ctl1@1764075600', false],
    ['garbage', false],
  ])('attribute %j allows unfencing: %s', (value, expected) => {
    expect(evacuationMarkAllowsUnfence(value)).toBe(expected);
  });

  describe('evacuationMarkLost', () => {
    const fence = 'fence_compute: fenced at 2026-11-25T12:00:00.000Z';
    const since = [{ createdAt: '2026-11-25T12:00:03.000000' }];
    const before = [{ createdAt: '2026-11-25T10:00:00.000000' }];
    it.each([
      { what: 'no mark, fenced by us, nothing evacuated', mark: undefined, service: { forcedDown: true, disabledReason: fence }, evacuations: [], lost: true },
      { what: 'cleared mark, only an earlier failure\'s records', mark: '', service: { forcedDown: true, disabledReason: fence }, evacuations: before, lost: true },
      { what: 'a record within the clock margin before the fence counts', mark: undefined, service: { forcedDown: true, disabledReason: fence }, evacuations: [{ createdAt: '2026-11-25T11:59:30' }], lost: false },
      { what: 'evacuated since the fence', mark: undefined, service: { forcedDown: true, disabledReason: fence }, evacuations: since, lost: false },
      { what: 'mark still set', mark: 'yes', service: { forcedDown: true, disabledReason: fence }, evacuations: [], lost: false },
      { what: 'mark says done', mark: 'no', service: { forcedDown: true, disabledReason: fence }, evacuations: [], lost: false },
      { what: 'not forced down (already unfenced)', mark: undefined, service: { forcedDown: false, disabledReason: fence }, evacuations: [], lost: false },
      { what: 'forced down by an operator', mark: undefined, service: { forcedDown: true, disabledReason: 'maintenance' }, evacuations: [], lost: false },
      { what: 'our reason, unreadable time', mark: undefined, service: { forcedDown: true, disabledReason: 'fence_compute: fenced at someday' }, evacuations: [], lost: false },
    ])('$what → lost: $lost', ({ mark, service, evacuations, lost }) => {
      expect(evacuationMarkLost(mark, service, evacuations)).toBe(lost);
    });

    it('reads the fence time from a reason that kept an earlier one', () => {
      expect(fencedAt(`${fence}; previously disabled: reserved host for instance HA`)).toBe(Date.parse('2026-11-25T12:00:00.000Z'));
    });
  });
});
