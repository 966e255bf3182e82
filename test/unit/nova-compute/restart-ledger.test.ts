import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  allowance,
  formatLedger,
  mergeEntries,
  openRestartLedger,
  parseLedger,
} from '../../../lib/nova-compute/restart-ledger';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const REPO = fileURLToPath(new URL('../../..', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ledger-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('allowance', () => {
  const cases: [string, number[], number, number, { allowed: boolean; count: number; retryAt?: number }][] = [
    ['nothing recorded', [], T0, 3, { allowed: true, count: 0 }],
    ['two of three', [T0 - 10, T0 - 5], T0, 3, { allowed: true, count: 2 }],
    ['three of three: retry when the oldest leaves', [T0 - 30, T0 - 20, T0 - 10], T0, 3, { allowed: false, count: 3, retryAt: T0 - 30 + HOUR }],
    ['order of input does not matter', [T0 - 10, T0 - 30, T0 - 20], T0, 3, { allowed: false, count: 3, retryAt: T0 - 30 + HOUR }],
    ['old entries do not count', [T0 - 2 * HOUR, T0 - HOUR, T0 - 10], T0, 2, { allowed: true, count: 1 }],
    ['an entry exactly one window old has left', [T0 - HOUR, T0 - 1], T0, 2, { allowed: true, count: 1 }],
    ['one ms inside the window still counts', [T0 - HOUR + 1, T0 - 1], T0, 2, { allowed: false, count: 2, retryAt: T0 + 1 }],
    [
      'over the limit (limit lowered): two must leave',
      [T0 - 40, T0 - 30, T0 - 20, T0 - 10],
      T0,
      3,
      { allowed: false, count: 4, retryAt: T0 - 30 + HOUR },
    ],
    ['limit 0 never allows, no retry time', [], T0, 0, { allowed: false, count: 0 }],
  ];
  it.each(cases)('%s', (_name, times, now, limit, expected) => {
    expect(allowance(times, now, limit, HOUR)).toEqual(expected);
  });
});

describe('file format', () => {
  it('round-trips and sorts', () => {
    const entries = new Map([
      ['nova-compute', { windowMs: HOUR, at: [1, 2, 3] }],
      ['instance:a', { windowMs: 2 * HOUR, at: [5] }],
    ]);
    expect(parseLedger(formatLedger(entries))).toEqual(entries);
  });

  it.each([
    ['not JSON', 'garbage{'],
    ['an array', '[]'],
    ['another version', '{"v":2,"keys":{}}'],
    ['keys missing', '{"v":1}'],
    ['an entry that is a bare list', '{"v":1,"keys":{"a":[1]}}'],
    ['an entry without a window', '{"v":1,"keys":{"a":{"at":[1]}}}'],
    ['an entry with a zero window', '{"v":1,"keys":{"a":{"windowMs":0,"at":[1]}}}'],
  ])('rejects %s', (_name, text) => {
    expect(() => parseLedger(text)).toThrow();
  });

  it('drops non-numbers inside a list, and keys left empty', () => {
    expect(parseLedger('{"v":1,"keys":{"a":{"windowMs":10,"at":[2,"x",null,1]},"b":{"windowMs":10,"at":["y"]}}}')).toEqual(
      new Map([['a', { windowMs: 10, at: [1, 2] }]]),
    );
  });

  it("merges two readings without doubling shared times; the newer reading's window wins", () => {
    const a = new Map([['k', { windowMs: 10, at: [1, 2, 2] }]]);
    const b = new Map([
      ['k', { windowMs: 20, at: [2, 3] }],
      ['j', { windowMs: 20, at: [9] }],
    ]);
    expect(mergeEntries(a, b)).toEqual(
      new Map([
        ['k', { windowMs: 20, at: [1, 2, 2, 3] }],
        ['j', { windowMs: 20, at: [9] }],
      ]),
    );
  });
});

describe('openRestartLedger', () => {
  it('a missing file is a fresh ledger, not a problem', async () => {
    const ledger = await openRestartLedger(join(dir, 'sub', 'ledger.json'), 3, HOUR);
    expect(ledger.loaded).toBe('missing');
    expect(ledger.problem).toBeUndefined();
    expect(ledger.history('nova-compute')).toEqual([]);
    expect(ledger.allowed('nova-compute', T0)).toEqual({ allowed: true, count: 0 });
  });

  it('records durably, counts to the limit and says when to retry', async () => {
    const path = join(dir, 'sub', 'ledger.json');
    const ledger = await openRestartLedger(path, 3, HOUR);
    await ledger.record('instance:a', T0);
    await ledger.record('instance:a', T0 + 1000);
    await ledger.record('instance:b', T0 + 1500);
    expect(ledger.allowed('instance:a', T0 + 2000)).toEqual({ allowed: true, count: 2 });
    await ledger.record('instance:a', T0 + 2000);
    expect(ledger.allowed('instance:a', T0 + 3000)).toEqual({ allowed: false, count: 3, retryAt: T0 + HOUR });
    expect(ledger.allowed('instance:a', T0 + HOUR)).toEqual({ allowed: true, count: 2 });
    expect(ledger.recent('instance:a', T0 + HOUR)).toEqual([T0 + 1000, T0 + 2000]);
    expect(ledger.history('instance:a')).toEqual([T0, T0 + 1000, T0 + 2000]);

    const again = await openRestartLedger(path, 3, HOUR);
    expect(again.loaded).toBe('read');
    expect(again.history('instance:a')).toEqual([T0, T0 + 1000, T0 + 2000]);
    expect(again.history('instance:b')).toEqual([T0 + 1500]);
    // Only the ledger itself is left behind, no temporary file.
    expect(readdirSync(join(dir, 'sub'))).toEqual(['ledger.json']);
  });

  it('prunes entries that left the window when it writes', async () => {
    const path = join(dir, 'ledger.json');
    const ledger = await openRestartLedger(path, 3, HOUR);
    await ledger.record('instance:old', T0);
    await ledger.record('instance:a', T0 + 10);
    await ledger.record('instance:a', T0 + 2 * HOUR);
    expect(ledger.history('instance:a')).toEqual([T0 + 2 * HOUR]);
    expect(ledger.history('instance:old')).toEqual([]);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ v: 1, keys: { 'instance:a': { windowMs: HOUR, at: [T0 + 2 * HOUR] } } });
  });

  it('two ledgers with different windows share a file: each key is pruned to its own window', async () => {
    const path = join(dir, 'ledger.json');
    const compute = await openRestartLedger(path, 3, 10 * HOUR);
    const instances = await openRestartLedger(path, 3, HOUR);
    await compute.record('nova-compute', T0);
    await instances.record('instance:a', T0);
    // Two hours later an instance record prunes instance:a, but not nova-compute's 10 h window.
    await instances.record('instance:b', T0 + 2 * HOUR);
    const again = await openRestartLedger(path, 3, 10 * HOUR);
    expect(again.history('nova-compute')).toEqual([T0]);
    expect(again.history('instance:a')).toEqual([]);
    expect(again.history('instance:b')).toEqual([T0 + 2 * HOUR]);
  });

  it('records made at once are written one after the other, none lost', async () => {
    const path = join(dir, 'ledger.json');
    const ledger = await openRestartLedger(path, 10, HOUR);
    await Promise.all([1, 2, 3, 4, 5].map((n) => ledger.record(`instance:${n}`, T0 + n)));
    const again = await openRestartLedger(path, 10, HOUR);
    for (const n of [1, 2, 3, 4, 5]) expect(again.history(`instance:${n}`)).toEqual([T0 + n]);
  });

  it('keeps what another run wrote since it read the file', async () => {
    const path = join(dir, 'ledger.json');
    const first = await openRestartLedger(path, 3, HOUR);
    const second = await openRestartLedger(path, 3, HOUR);
    await first.record('nova-compute', T0);
    await second.record('nova-compute', T0 + 5);
    expect(second.history('nova-compute')).toEqual([T0, T0 + 5]);
    expect((await openRestartLedger(path, 3, HOUR)).history('nova-compute')).toEqual([T0, T0 + 5]);
  });

  it.each([
    ['garbage', 'not json at all'],
    ['a truncated write', '{"v":1,"keys":{"instance:a":{"windowMs":3600000,"at":[17'],
    ['an empty file', ''],
  ])('a corrupt file (%s) reads as empty with a problem to log, and is replaced on the next write', async (_name, text) => {
    const path = join(dir, 'ledger.json');
    writeFileSync(path, text);
    const ledger = await openRestartLedger(path, 3, HOUR);
    expect(ledger.loaded).toBe('corrupt');
    expect(ledger.problem).toMatch(/restart ledger .*ledger\.json is corrupt .*starting empty/);
    expect(ledger.allowed('instance:a', T0)).toEqual({ allowed: true, count: 0 });
    await ledger.record('instance:a', T0);
    const again = await openRestartLedger(path, 3, HOUR);
    expect(again.loaded).toBe('read');
    expect(again.history('instance:a')).toEqual([T0]);
  });

  it('a leftover temporary file from a killed write does not affect the ledger', async () => {
    const path = join(dir, 'ledger.json');
    const ledger = await openRestartLedger(path, 3, HOUR);
    await ledger.record('instance:a', T0);
    writeFileSync(`${path}.99999.tmp`, '{"v":1,"keys":{"instance:a":{"windowMs":1,"at":[');
    const again = await openRestartLedger(path, 3, HOUR);
    expect(again.history('instance:a')).toEqual([T0]);
  });
});

/** Runs a child that records `count` restarts, then SIGKILLs itself where the restart call would be. */
function recordThenDie(path: string, key: string, at: number): Promise<NodeJS.Signals | null> {
  const script = [
    `import { openRestartLedger } from ${JSON.stringify(join(REPO, 'lib/nova-compute/restart-ledger.ts'))};`,
    `const ledger = await openRestartLedger(${JSON.stringify(path)}, 3, ${HOUR});`,
    `if (ledger.allowed(${JSON.stringify(key)}, ${at}).allowed) {`,
    `  await ledger.record(${JSON.stringify(key)}, ${at});`,
    `  process.kill(process.pid, 'SIGKILL');`,
    `}`,
    `process.exit(3);`,
  ].join('\n');
  const file = join(dir, `child-${at}.mts`);
  writeFileSync(file, script);
  const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: REPO, stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('child did not finish'));
    }, 30_000);
    child.once('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve(signal);
    });
  });
}

describe('a monitor killed right after recording', () => {
  it('never loses the restart and never exceeds the limit', async () => {
    const path = join(dir, 'ledger.json');
    const signals = [];
    // Five agents in a row, each killed where it would call Nova: three get to record, two are refused.
    for (let i = 0; i < 5; i++) signals.push(await recordThenDie(path, 'instance:a', T0 + i * 1000));
    expect(signals).toEqual(['SIGKILL', 'SIGKILL', 'SIGKILL', null, null]);
    const ledger = await openRestartLedger(path, 3, HOUR);
    expect(ledger.history('instance:a')).toEqual([T0, T0 + 1000, T0 + 2000]);
    expect(ledger.allowed('instance:a', T0 + 5000).allowed).toBe(false);
  });
});
