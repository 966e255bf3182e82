/**
 * `nova-ha doctor`: is this node ready to run instance HA? Each check is one line that says
 * what it found and what to fix; OpenStack checks after a failed one are skipped rather than
 * failing with a less useful message. Exit 1 when any check failed.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Cloud } from '../openstack/connect';
import type { AuthSpec } from '../openstack/credentials';
import { errorMessage } from '../runtime/errors';
import { anyFailed, formatChecks, type CheckResult } from './checks';
import type { CommandContext } from './context';
import { clockCheck, marksDetail, microversionCheck, servicesCheck, statusFileCheck } from './doctor-rules';
import { QuietExit } from './errors';
import { EXIT } from './exit-codes';

export const PACEMAKER_TOOLS = ['attrd_updater', 'crm_attribute', 'crm_mon', 'stonith_admin'] as const;

export interface DoctorOptions {
  json?: boolean;
}

const fail = (name: string, error: unknown, fix?: string): CheckResult => ({
  name,
  status: 'fail',
  detail: errorMessage(error),
  ...(fix ? { fix } : {}),
});

const skip = (name: string, why: string): CheckResult => ({ name, status: 'skip', detail: `skipped: ${why}` });

function describeIdentity(spec: AuthSpec): string {
  const { method } = spec;
  if (method.type === 'application_credential') {
    const which = 'id' in method.credential ? method.credential.id : method.credential.name;
    return `application credential ${which}`;
  }
  const user = 'id' in method.user ? `user id ${method.user.id}` : `user '${method.user.name}'`;
  const project = 'id' in method.project ? `project id ${method.project.id}` : `project '${method.project.name}'`;
  return `${user}, ${project}`;
}

export function findOnPath(tool: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, tool);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function openstackChecks(ctx: CommandContext): Promise<CheckResult[]> {
  const checks: CheckResult[] = [];
  let spec: AuthSpec;
  try {
    spec = await ctx.authSpec();
    checks.push({
      name: 'credentials',
      status: 'ok',
      detail: `${describeIdentity(spec)} from ${spec.source}; ${spec.interface} endpoints${spec.regionName ? ` in ${spec.regionName}` : ''}`,
    });
  } catch (error) {
    checks.push(
      fail('credentials', error, 'pass --cloud, --credentials-file, or OS_AUTH_URL/OS_USERNAME/OS_PASSWORD/OS_PROJECT_NAME'),
    );
    for (const name of ['Keystone', 'catalog', 'Nova API', 'compute services', 'clock']) {
      checks.push(skip(name, 'no credentials'));
    }
    return checks;
  }

  let cloud: Cloud;
  const started = Date.now();
  try {
    cloud = await ctx.cloud();
    const ms = Date.now() - started;
    const identity = await cloud.keystone.identityUrl();
    checks.push({ name: 'Keystone', status: 'ok', detail: `token issued in ${ms} ms by ${identity}`, ms });
  } catch (error) {
    checks.push(fail('Keystone', error));
    for (const name of ['catalog', 'Nova API', 'compute services']) checks.push(skip(name, 'no token'));
    checks.push(await clock(ctx, spec));
    return checks;
  }

  let computeUrl: string | undefined;
  try {
    computeUrl = await cloud.endpoint('compute');
    let image: string;
    try {
      image = `image ${await cloud.endpoint('image')}`;
    } catch (error) {
      checks.push({
        name: 'catalog',
        status: 'warn',
        detail: `compute ${computeUrl}; ${errorMessage(error)}`,
        fix: 'without Glance, images tagged evacuable cannot be recognised',
      });
      image = '';
    }
    if (image) checks.push({ name: 'catalog', status: 'ok', detail: `compute ${computeUrl}, ${image}` });
  } catch (error) {
    checks.push(fail('catalog', error));
  }

  if (computeUrl === undefined) {
    checks.push(skip('Nova API', 'no compute endpoint'), skip('compute services', 'no compute endpoint'));
  } else {
    try {
      const nova = await cloud.nova();
      checks.push(microversionCheck(nova.microversion, nova.serverMaxMicroversion, computeUrl));
      try {
        checks.push(servicesCheck(await nova.listComputeServices()));
      } catch (error) {
        checks.push(fail('compute services', error));
      }
    } catch (error) {
      checks.push(fail('Nova API', error), skip('compute services', 'no Nova API'));
    }
  }
  checks.push(await clock(ctx, spec));
  return checks;
}

/** Keystone's Date header against our clock, taken at the middle of the request. */
async function clock(ctx: CommandContext, spec: AuthSpec): Promise<CheckResult> {
  try {
    const { ServiceHttp } = await import('../openstack/http');
    const http = new ServiceHttp({
      service: 'Keystone',
      baseUrl: spec.authUrl,
      deadline: ctx.deadline,
      tls: { insecure: spec.insecure, ...(spec.caBundle ? { caBundle: spec.caBundle } : {}) },
      isKeystone: true,
      callTimeoutMs: 5_000,
      retry: { attempts: 1, baseDelayMs: 0 },
    });
    const before = ctx.io.now();
    const { headers } = await http.get<unknown>('', { what: 'clock check', acceptStatus: [300] });
    const after = ctx.io.now();
    const date = Date.parse(headers.date ?? '');
    if (!Number.isFinite(date)) {
      return { name: 'clock', status: 'warn', detail: 'Keystone sent no Date header; clock skew not measured' };
    }
    // The header has one-second resolution: compare with the middle of the request.
    return clockCheck(date + 500 - (before + after) / 2, 'Keystone');
  } catch (error) {
    return { name: 'clock', status: 'skip', detail: `skipped: ${errorMessage(error)}` };
  }
}

async function pacemakerChecks(ctx: CommandContext): Promise<CheckResult[]> {
  const missing = PACEMAKER_TOOLS.filter((tool) => findOnPath(tool, ctx.io.env.PATH) === undefined);
  const tools: CheckResult =
    missing.length === 0
      ? { name: 'Pacemaker tools', status: 'ok', detail: `${PACEMAKER_TOOLS.join(', ')} on PATH` }
      : {
          name: 'Pacemaker tools',
          status: 'fail',
          detail: `not on PATH: ${missing.join(', ')}`,
          fix: 'install pacemaker-cli-utils (run nova-ha on a cluster node, with /usr/sbin on PATH)',
        };
  const [attributes, agent, fencing] = await Promise.all([
    attributesCheck(ctx, missing),
    agentCheck(ctx),
    fencingCheckNow(ctx, missing),
  ]);
  return [tools, attributes, agent, fencing];
}

async function attributesCheck(ctx: CommandContext, missing: readonly string[]): Promise<CheckResult> {
  if (missing.includes('attrd_updater')) return skip('attributes', 'attrd_updater missing');
  try {
    const { queryAttributeAllNodes } = await import('../pacemaker/attrd');
    const marks = await queryAttributeAllNodes('evacuate', { ...ctx.tools, capMs: 10_000 });
    return { name: 'attributes', status: 'ok', detail: marksDetail(marks) };
  } catch (error) {
    return fail('attributes', error);
  }
}

/** Failed fencing: a lost node that is never fenced is never evacuated. */
async function fencingCheckNow(ctx: CommandContext, missing: readonly string[]): Promise<CheckResult> {
  if (missing.includes('crm_mon')) return skip('fencing', 'crm_mon missing');
  const [{ readFencing }, { fencingCheck }] = await Promise.all([import('./fencing'), import('./fencing-format')]);
  return fencingCheck(await readFencing(ctx.tools), ctx.io.now());
}

/** Is there a NovaEvacuate resource at all? Without one, nothing evacuates automatically. */
async function agentCheck(ctx: CommandContext): Promise<CheckResult> {
  const { readAgentConfig } = await import('./cluster-config');
  const reading = await readAgentConfig(ctx);
  if ('note' in reading) {
    return {
      name: 'NovaEvacuate',
      status: 'warn',
      detail: reading.note,
      fix: 'configure it: pcs resource create nova-evacuate ocf:openstack:NovaEvacuate cloud=… (one instance, on the controllers)',
    };
  }
  const set = Object.keys(reading.config.options);
  return {
    name: 'NovaEvacuate',
    status: 'ok',
    detail: `resource '${reading.config.resource}' configured${set.length ? ` (${set.length} policy parameter(s) set)` : ''}`,
  };
}

/** Age of the last pass the file records; its mtime when it cannot be parsed. */
async function statusFileAge(path: string, now: number): Promise<number | undefined> {
  try {
    const { readStatusFile } = await import('../evacuation/status');
    const document = await readStatusFile(path);
    return document === undefined ? undefined : Math.max(0, now - document.lastPassAt);
  } catch {
    try {
      return Math.max(0, now - statSync(path).mtimeMs);
    } catch {
      return undefined;
    }
  }
}

export async function collectChecks(ctx: CommandContext): Promise<CheckResult[]> {
  const [openstack, pacemaker] = await Promise.all([openstackChecks(ctx), pacemakerChecks(ctx)]);
  const file = ctx.options.statusFile;
  return [...openstack, ...pacemaker, statusFileCheck(file, await statusFileAge(file, ctx.io.now()))];
}

export async function runDoctor(ctx: CommandContext, options: DoctorOptions): Promise<void> {
  const checks = await collectChecks(ctx);
  const failed = anyFailed(checks);
  if (options.json) ctx.io.out(`${JSON.stringify({ ok: !failed, checks }, null, 2)}\n`);
  else ctx.io.out(formatChecks(checks));
  if (failed) throw new QuietExit(EXIT.failure);
}
