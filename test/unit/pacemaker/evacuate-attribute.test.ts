import { describe, expect, test } from '@jest/globals';
import {
  formatEvacuateState,
  formatInProgress,
  parseEvacuateValue,
  type EvacuateState,
} from '../../../lib/pacemaker/evacuate-attribute';

describe('parseEvacuateValue', () => {
  const table: Array<[string | undefined, EvacuateState]> = [
    [undefined, { kind: 'never' }],
    ['', { kind: 'never' }],
    ['  ', { kind: 'never' }],
    ['yes', { kind: 'needed' }],
    ['no', { kind: 'done' }],
    ['ctl1@1795608416', { kind: 'in-progress', by: 'ctl1', since: 1795608416 }],
    ['overcloud-controller-0.localdomain@1500000000', { kind: 'in-progress', by: 'overcloud-controller-0.localdomain', since: 1500000000 }],
    // The node part is everything before the LAST '@'.
    ['a@b@12', { kind: 'in-progress', by: 'a@b', since: 12 }],
    ['yes\n', { kind: 'needed' }],
    ['YES', { kind: 'unknown', raw: 'YES' }],
    ['ctl1@', { kind: 'unknown', raw: 'ctl1@' }],
    ['@1795608416', { kind: 'unknown', raw: '@1795608416' }],
    ['ctl1@17956x', { kind: 'unknown', raw: 'ctl1@17956x' }],
    ['ctl1@99999999999999999999', { kind: 'unknown', raw: 'ctl1@99999999999999999999' }],
    ['true', { kind: 'unknown', raw: 'true' }],
  ];
  test.each(table)('%j → %j', (value, expected) => {
    expect(parseEvacuateValue(value)).toEqual(expected);
  });
});

describe('formatInProgress', () => {
  test('writes <node>@<epoch seconds> as the classic NovaEvacuate does', () => {
    expect(formatInProgress('ctl1', 1795608416)).toBe('ctl1@1795608416');
    expect(formatInProgress('ctl1', 1795608416.9)).toBe('ctl1@1795608416');
  });
  test.each([
    ['', 1],
    ['two words', 1],
    ['ctl1', -1],
    ['ctl1', Number.NaN],
  ])('refuses node %j at epoch %j', (node, epoch) => {
    expect(() => formatInProgress(node, epoch)).toThrow(RangeError);
  });
});

describe('formatEvacuateState round-trips with parseEvacuateValue', () => {
  test.each(['', 'yes', 'no', 'ctl1@1795608416', 'something-else'])('%j', (value) => {
    expect(formatEvacuateState(parseEvacuateValue(value))).toBe(value);
  });
});
