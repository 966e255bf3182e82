/**
 * What the NovaEvacuate contract tests share: where the built agents and the stand-ins are,
 * the environment pacemaker-execd would give the agent (stand-ins first on PATH, the
 * simulated cloud's credentials, a per-test work folder), and spawning a built agent that may
 * be SIGKILLed when a condition holds. Each test adds what is its own through `extra`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

export const agentPaths = {
  REPO,
  AGENT: join(REPO, 'dist', 'NovaEvacuate'),
  FENCE: join(REPO, 'dist', 'fence_compute'),
  STANDINS: join(REPO, 'test', 'standins'),
} as const;

/** For a `beforeAll`: the contract tests run the bundles in dist/, they do not build them. */
export function assertAgentsBuilt(): void {
  if (!existsSync(agentPaths.AGENT) || !existsSync(agentPaths.FENCE)) throw new Error('run `npm run build` first');
}

/**
 * The NovaEvacuate environment common to the contract tests: stand-in attrd_updater and
 * crm_attribute first on PATH with their attribute file, HA_RSCTMP and the status file under
 * `work`, and the simulator's admin credentials. `extra` comes last and wins.
 */
export function novaEvacuateEnv(work: string, authUrl: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: `${agentPaths.STANDINS}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    NOVA_HA_STANDIN_ATTRS: join(work, 'attrs.json'),
    HA_RSCTMP: join(work, 'state'),
    OCF_RESOURCE_INSTANCE: 'nova-evacuate',
    OCF_RESKEY_auth_url: authUrl,
    OCF_RESKEY_username: 'admin',
    OCF_RESKEY_password: 'admin',
    OCF_RESKEY_tenant_name: 'admin',
    OCF_RESKEY_region_name: 'RegionOne',
    OCF_RESKEY_status_file: join(work, 'status.json'),
    OCF_RESKEY_pass_interval: '1',
    ...extra,
  };
}

/** Asks `killWhen` every `everyMs` until `child` closes, and SIGKILLs it the first time it holds. */
export function killChildWhen(child: ChildProcess, killWhen: () => Promise<boolean>, everyMs: number): void {
  let done = false;
  child.on('close', () => {
    done = true;
  });
  void (async () => {
    while (!done) {
      if (await killWhen()) {
        child.kill('SIGKILL');
        return;
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
}

/**
 * Runs `file` with `stdin` written to it and its output discarded; resolves with its exit code
 * (null once `killWhen`, asked every 3 ms, has had it SIGKILLed).
 */
export function runExitCode(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin: string,
  killWhen?: () => Promise<boolean>,
): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('close', resolve);
    child.stdin.end(stdin);
    if (killWhen) killChildWhen(child, killWhen, 3);
  });
}
