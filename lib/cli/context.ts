/**
 * What every command gets: its io, the global options, one Deadline for the whole command
 * (--timeout), and lazy access to the cloud (authenticated on first use, with the same
 * library and messages as the agents). Heavy modules load only when a command needs them.
 */
import type { Cloud } from '../openstack/connect';
import type { AuthSpec } from '../openstack/credentials';
import { Deadline } from '../runtime/deadline';
import { cliAuthParams, type CredentialOptions } from './credentials';
import type { CliIo } from './io';

export const DEFAULT_TIMEOUT_S = 60;
export const DEFAULT_CALL_TIMEOUT_MS = 15_000;

export interface GlobalOptions extends CredentialOptions {
  statusFile: string;
  timeout: number;
  novaMaxMicroversion?: string;
  verbose?: boolean;
}

export interface CommandContext {
  readonly io: CliIo;
  readonly options: GlobalOptions;
  readonly deadline: Deadline;
  /** Resolves the credentials (warning once about secrets on argv). */
  authSpec(): Promise<AuthSpec>;
  /** Authenticates on first call; later calls share the session. */
  cloud(): Promise<Cloud>;
  /** The subcommand's options given on the command line (not defaults), camelCase. */
  readonly explicit: ReadonlySet<string>;
  /** Pacemaker tool options: this command's deadline and environment. */
  readonly tools: { deadline: Deadline; env: NodeJS.ProcessEnv };
}

export function createContext(io: CliIo, options: GlobalOptions, explicit: ReadonlySet<string> = new Set()): CommandContext {
  const deadline = Deadline.in(options.timeout * 1000, io.now);
  let spec: Promise<AuthSpec> | undefined;
  let cloud: Promise<Cloud> | undefined;
  const authSpec = (): Promise<AuthSpec> => {
    if (!spec) {
      spec = (async () => {
        const { resolveAuthSpec } = await import('../openstack/credentials');
        const { params, warnings } = cliAuthParams(options, io.env);
        for (const warning of warnings) io.err(`nova-ha: warning: ${warning}\n`);
        return resolveAuthSpec(params, { env: io.env, cwd: io.cwd, home: io.env.HOME ?? '/root' });
      })();
    }
    return spec;
  };
  return {
    io,
    options,
    deadline,
    authSpec,
    cloud() {
      if (!cloud) {
        cloud = (async () => {
          const { connect } = await import('../openstack/connect');
          return connect(await authSpec(), {
            deadline,
            callTimeoutMs: DEFAULT_CALL_TIMEOUT_MS,
            ...(options.novaMaxMicroversion ? { novaMaxMicroversion: options.novaMaxMicroversion } : {}),
          });
        })();
      }
      return cloud;
    },
    explicit,
    tools: { deadline, env: io.env as NodeJS.ProcessEnv },
  };
}
