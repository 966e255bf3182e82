import { actionDeadline, checkLevel, isProbe, stateDir } from '../../../lib/ocf/context';

const clock = () => 1_000_000;

describe('deadline from OCF_RESKEY_CRM_meta_timeout (ms) with a margin to exit cleanly', () => {
  test.each([
    ['20000', 20, 18_000], // 10% margin, at least 1 s
    ['600000', 20, 590_000], // margin capped at 10 s
    ['5000', 20, 4_000], // at least 1 s
    [undefined, 20, 18_000], // not under Pacemaker: the declared timeout
    [undefined, 600, 590_000],
    ['garbage', 300, 290_000],
  ])('timeout %p, declared %ds → %d ms', (timeout, declared, remaining) => {
    const env = timeout === undefined ? {} : { OCF_RESKEY_CRM_meta_timeout: timeout };
    expect(actionDeadline(env, declared, clock).remainingMs()).toBe(remaining);
  });
});

test.each([
  ['monitor', {}, true],
  ['monitor', { OCF_RESKEY_CRM_meta_interval: '0' }, true],
  ['monitor', { OCF_RESKEY_CRM_meta_interval: '10000' }, false],
  ['start', {}, false],
  ['validate-all', {}, false],
])('isProbe(%s, %p) = %p', (action, env, expected) => {
  expect(isProbe(action, env)).toBe(expected);
});

test.each([
  [undefined, 0],
  ['10', 10],
  ['20', 20],
  ['x', 0],
  ['-5', 0],
])('OCF_CHECK_LEVEL %p → %d', (value, level) => {
  expect(checkLevel(value === undefined ? {} : { OCF_CHECK_LEVEL: value })).toBe(level);
});

test('state directory: HA_RSCTMP when set (Pacemaker does not set it for us)', () => {
  expect(stateDir({})).toBe('/run/resource-agents');
  expect(stateDir({ HA_RSCTMP: '' })).toBe('/run/resource-agents');
  expect(stateDir({ HA_RSCTMP: '/var/run/x' })).toBe('/var/run/x');
});
