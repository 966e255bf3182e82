import { AgentError, ArgsError, ConfigError, DeadlineError, NotInstalledError, PermissionError } from '../../../lib/runtime/errors';
import { defineAgent, notImplemented, runAgent, type ActionContext, type OcfResult } from '../../../lib/ocf';

interface Captured {
  stdout: string;
  stderr: string;
}

let seen: ActionContext<unknown> | undefined;
let monitorResult: OcfResult = 'success';
let thrown: unknown;

const agent = defineAgent({
  name: 'Probe',
  version: '1.0',
  shortdesc: 'test agent',
  longdesc: 'test agent',
  parameters: {
    name: { type: 'string', required: true, shortdesc: 'n', longdesc: 'n' },
    delay: { type: 'integer', default: 5, shortdesc: 'd', longdesc: 'd' },
    password: { type: 'string', secret: true, shortdesc: 'p', longdesc: 'p' },
  },
  actions: {
    start: { timeout: 30, handler: async (ctx) => (await import('./fixtures/heavy')).start(ctx) },
    stop: {
      timeout: 20,
      handler: async (ctx) => {
        seen = ctx;
        return 'success';
      },
    },
    monitor: {
      timeout: 20,
      interval: 10,
      depth: 0,
      handler: async (ctx) => {
        seen = ctx;
        if (thrown !== undefined) throw thrown;
        return monitorResult;
      },
    },
    promote: { timeout: 20, handler: notImplemented('no roles') },
    'meta-data': { timeout: 5 },
  },
});

async function run(action: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number } & Captured> {
  const out: Captured = { stdout: '', stderr: '' };
  const code = await runAgent(agent, action, env, {
    stdout: (text) => void (out.stdout += text),
    stderr: (text) => void (out.stderr += text),
  });
  return { code, ...out };
}

const configured = { OCF_RESKEY_name: 'db1', OCF_RESOURCE_INSTANCE: 'rsc1' };
const recurring = { ...configured, OCF_RESKEY_CRM_meta_interval: '10000' };
const reasons = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('ocf-exit-reason:'));
const heavyLoads = () => (globalThis as { heavyModuleLoads?: number }).heavyModuleLoads ?? 0;

beforeEach(() => {
  seen = undefined;
  monitorResult = 'success';
  thrown = undefined;
});

describe('dispatch', () => {
  test('meta-data prints XML, exits 0, logs nothing and loads no handler module', async () => {
    const before = heavyLoads();
    const result = await run('meta-data');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^<\?xml version="1.0"\?>\n<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">/);
    expect(result.stderr).toBe('');
    expect(heavyLoads()).toBe(before);
  });

  test('a lazy handler loads its module only when its action runs', async () => {
    const before = heavyLoads();
    const result = await run('start', configured);
    expect(result.code).toBe(0);
    expect(heavyLoads()).toBe(before + 1);
    expect(result.stderr).toContain('Probe(rsc1)[');
    expect(result.stderr).toContain('INFO: heavy start for db1');
  });

  test.each(['usage', 'help'])('%s prints the usage line on stdout and exits 0', async (action) => {
    const result = await run(action);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage: Probe \{start\|stop\|monitor\|promote\|validate-all\|meta-data\|usage\}\n/);
    expect(result.stdout).toContain('promote: not implemented (exit 3): no roles');
  });

  test.each(['reload', 'bogus', ''])('unknown action %p → 3 with usage and one exit reason', async (action) => {
    const result = await run(action, configured);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('usage: Probe');
    expect(reasons(result.stderr)).toEqual([`ocf-exit-reason:unknown action '${action}'`]);
  });

  test('a declared but unimplemented action → 3, even as a probe with missing parameters', async () => {
    expect((await run('promote', configured)).code).toBe(3);
    const result = await run('promote', {});
    expect(result.code).toBe(3);
    expect(reasons(result.stderr)).toEqual(['ocf-exit-reason:promote is not implemented: no roles']);
  });

  test('validate-all without a handler checks the parameters', async () => {
    expect((await run('validate-all', configured)).code).toBe(0);
    expect((await run('validate-all', { ...configured, OCF_RESKEY_delay: 'soon' })).code).toBe(6);
  });
});

describe('OCF habits for missing parameters', () => {
  test('a probe of an unconfigured resource answers NOT_RUNNING without running the handler', async () => {
    const result = await run('monitor', {});
    expect(result.code).toBe(7);
    expect(seen).toBeUndefined();
    expect(reasons(result.stderr)).toEqual([]);
  });
  test('an interval of 0 is a probe too', async () => {
    expect((await run('monitor', { OCF_RESKEY_CRM_meta_interval: '0' })).code).toBe(7);
  });
  test('a recurring monitor with missing parameters → 6 naming the parameter', async () => {
    const result = await run('monitor', { OCF_RESKEY_CRM_meta_interval: '10000' });
    expect(result.code).toBe(6);
    expect(reasons(result.stderr)).toEqual(['ocf-exit-reason:name not configured']);
  });
  test('stop with missing parameters succeeds', async () => {
    const result = await run('stop', {});
    expect(result.code).toBe(0);
    expect(seen).toBeUndefined();
  });
  test('start with missing parameters → 6', async () => {
    const result = await run('start', {});
    expect(result.code).toBe(6);
    expect(reasons(result.stderr)).toEqual(['ocf-exit-reason:name not configured']);
  });
});

describe('results and errors → exit codes, in one place', () => {
  test.each<[OcfResult, number]>([
    ['success', 0],
    ['not-running', 7],
    ['running-promoted', 8],
    ['failed-promoted', 9],
    ['degraded', 190],
    ['degraded-promoted', 191],
  ])('result %s → %d, no exit reason', async (result, code) => {
    monitorResult = result;
    const outcome = await run('monitor', recurring);
    expect(outcome.code).toBe(code);
    expect(reasons(outcome.stderr)).toEqual([]);
  });

  test.each<[unknown, number]>([
    [new AgentError('generic', 'nova said 500'), 1],
    [new ArgsError('state dir missing'), 2],
    [new PermissionError('cannot write state'), 4],
    [new NotInstalledError('attrd_updater missing'), 5],
    [new ConfigError('endpoint_type wrong'), 6],
    [new DeadlineError('timed out waiting for nova'), 1],
    [new TypeError('cannot read x of undefined'), 1],
    ['a string was thrown', 1],
  ])('%p → %d with exactly one exit reason, last on stderr, and an ERROR log line', async (error, code) => {
    thrown = error;
    const outcome = await run('monitor', recurring);
    const message = error instanceof Error ? error.message : String(error);
    expect(outcome.code).toBe(code);
    expect(reasons(outcome.stderr)).toEqual([`ocf-exit-reason:${message}`]);
    const lines = outcome.stderr.trimEnd().split('\n');
    expect(lines[lines.length - 1]).toBe(`ocf-exit-reason:${message}`);
    expect(outcome.stderr).toMatch(new RegExp(`^Probe\\(rsc1\\)\\[\\d+\\]: ERROR: ${message}$`, 'm'));
  });

  test('a handler returning something that is not an OCF result is a generic failure, not success', async () => {
    monitorResult = 'fine' as OcfResult;
    const outcome = await run('monitor', recurring);
    expect(outcome.code).toBe(1);
    expect(reasons(outcome.stderr)).toEqual(["ocf-exit-reason:monitor handler returned 'fine', not an OCF result"]);
  });

  test('with HA_debug the last log line is "<instance> <action> : <rc>", as the classic agents end', async () => {
    const outcome = await run('monitor', { ...recurring, HA_debug: '1' });
    expect(outcome.stderr.trimEnd().split('\n').pop()).toMatch(/^Probe\(rsc1\)\[\d+\]: DEBUG: rsc1 monitor : 0$/);
    expect((await run('monitor', recurring)).stderr).toBe('');
  });

  test('the exit reason uses OCF_EXIT_REASON_PREFIX and never shows a secret', async () => {
    thrown = new AgentError('generic', 'keystone refused password hunter2-secret');
    const outcome = await run('monitor', { ...recurring, OCF_RESKEY_password: 'hunter2-secret', OCF_EXIT_REASON_PREFIX: 'why:' });
    expect(reasons(outcome.stderr)).toEqual([]);
    expect(outcome.stderr).toContain('why:keystone refused password ****\n');
    expect(outcome.stderr).not.toContain('hunter2-secret');
  });
});

describe('the context a handler receives', () => {
  test('params typed, probe flag, check level, instance, state directory, env', async () => {
    await run('monitor', {
      ...recurring,
      OCF_RESKEY_delay: '9',
      OCF_CHECK_LEVEL: '20',
      HA_RSCTMP: '/tmp/rsc',
    });
    expect(seen?.params).toEqual({ name: 'db1', delay: 9, password: undefined });
    expect(seen?.isProbe).toBe(false);
    expect(seen?.checkLevel).toBe(20);
    expect(seen?.instance).toBe('rsc1');
    expect(seen?.stateDir).toBe('/tmp/rsc');
    expect(seen?.action).toBe('monitor');
    expect(seen?.env.OCF_CHECK_LEVEL).toBe('20');
  });
  test('defaults outside Pacemaker: instance = agent name, /run/resource-agents, level 0', async () => {
    await run('monitor', { OCF_RESKEY_name: 'db1', OCF_CHECK_LEVEL: 'deep' });
    expect(seen?.isProbe).toBe(true);
    expect(seen?.instance).toBe('Probe');
    expect(seen?.stateDir).toBe('/run/resource-agents');
    expect(seen?.checkLevel).toBe(0);
  });
  test('the deadline comes from CRM_meta_timeout, keeping a margin', async () => {
    await run('monitor', { ...recurring, OCF_RESKEY_CRM_meta_timeout: '600000' });
    const remaining = seen?.deadline.remainingMs() ?? 0;
    expect(remaining).toBeLessThanOrEqual(590_000);
    expect(remaining).toBeGreaterThan(500_000);
  });
});
