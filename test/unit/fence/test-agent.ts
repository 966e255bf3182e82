/** A tiny in-memory fence agent for the runtime's tests: plugs that switch when told. */
import { ConfigError } from '../../../lib/runtime/errors';
import { defineFenceAgent, type FenceIo, type PowerState } from '../../../lib/fence';

export interface Device {
  plugs: Map<string, PowerState>;
  /** Plugs that accept commands but never change state. */
  stuck: Set<string>;
  calls: string[];
  seen: Record<string, unknown>[];
}

export function newDevice(plugs: Record<string, PowerState> = { node1: 'on', node2: 'off' }): Device {
  return { plugs: new Map(Object.entries(plugs)), stuck: new Set(), calls: [], seen: [] };
}

export function testAgent(device: Device, shape: { fabricFencing?: boolean; alwaysSetPower?: boolean } = {}) {
  return defineFenceAgent({
    name: 'fence_test',
    shortdesc: 'Test device <in memory>',
    longdesc: 'Switches plugs held in memory & reports them.',
    vendorUrl: 'https://example.invalid/',
    version: '9.9.9',
    fabricFencing: shape.fabricFencing ?? false,
    alwaysSetPower: shape.alwaysSetPower ?? false,
    list: true,
    standardDefaults: { power_timeout: 2, stonith_status_sleep: 0 },
    options: {
      auth_url: { type: 'string', getopt: '-k', longopt: 'auth-url', metavar: 'url', default: '', shortdesc: 'Auth URL' },
      insecure: { type: 'boolean', longopt: 'insecure', shortdesc: 'Skip TLS verification' },
      project_domain: {
        type: 'string',
        getopt: '-P',
        longopt: 'project-domain',
        deprecatedNames: ['project-domain'],
        default: 'Default',
        shortdesc: 'Project domain',
      },
      tenant_name: { type: 'string', getopt: '-t', longopt: 'tenant-name', shortdesc: 'Project name' },
      endpoint_type: {
        type: 'select',
        getopt: '-e',
        longopt: 'endpoint-type',
        choices: ['publicURL', 'internalURL', 'adminURL'],
        default: 'internalURL',
        shortdesc: 'Endpoint type',
      },
      retries: { type: 'integer', longopt: 'retries', default: 3, shortdesc: 'Retries' },
      token: { type: 'string', longopt: 'token', aliases: ['api_token'], secret: true, shortdesc: 'API token' },
    },
    handlers: {
      async getStatus(ctx) {
        device.calls.push(`status ${ctx.plug}`);
        const state = device.plugs.get(ctx.plug);
        if (state === undefined) throw new ConfigError(`no plug named ${ctx.plug}`);
        return state;
      },
      async setPower(ctx, target) {
        device.calls.push(`${target} ${ctx.plug}`);
        device.seen.push({ ...ctx.options });
        if (!device.plugs.has(ctx.plug)) throw new ConfigError(`no plug named ${ctx.plug}`);
        if (device.stuck.has(ctx.plug)) return 'poll';
        device.plugs.set(ctx.plug, target);
        return 'poll';
      },
      async list() {
        return [...device.plugs].map(([id, status]) => ({ id, alias: `${id}-alias`, status }));
      },
      async validate(ctx) {
        device.seen.push({ ...ctx.options });
        if (ctx.options.auth_url === '') throw new ConfigError('auth_url is empty: set auth_url=https://keystone:5000/v3');
      },
    },
  });
}

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs an agent the way the fencer does (stdin, no argv) or with argv. */
export async function capture(
  run: (io: FenceIo) => Promise<number>,
  input: { argv?: string[]; stdin?: string; env?: NodeJS.ProcessEnv },
): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const code = await run({
    argv: input.argv ?? [],
    env: input.env ?? {},
    readStdin: async () => input.stdin ?? '',
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}
