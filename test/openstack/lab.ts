/**
 * The real-OpenStack lab as tests see it: what scripts/openstack-up wrote in DIR/lab.json
 * (endpoints, credentials, flavors, images, computes), our own clients connected to it, the
 * per-host nova-compute control (scripts/openstack/compute) and a bounded poll.
 *
 * DIR is NOVA_HA_OPENSTACK_DIR, else /tmp/nova-ha-openstack (scripts/test-openstack brings the
 * lab up first). Without a lab the tier fails at once with the command that starts one.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect, type Cloud } from '../../lib/openstack/connect';
import { resolveAuthSpec, type AuthParams } from '../../lib/openstack/credentials';
import type { NovaClient, Server } from '../../lib/openstack/nova';
import { Deadline } from '../../lib/runtime/deadline';

export interface LabUser {
  username: string;
  password: string;
  project: string;
  userDomain: string;
  projectDomain: string;
  projectId: string;
}

export interface Lab {
  dir: string;
  /** 'cold' or 'warm': how scripts/openstack-up started it. */
  start: string;
  region: string;
  authUrl: string;
  endpoints: { identity: string; compute: string; placement: string; image: string; network: string };
  admin: LabUser & { userId: string };
  demo: LabUser;
  applicationCredential: { id: string; secret: string; name: string };
  cloudsYaml: string;
  clouds: { password: string; appcred: string };
  computes: string[];
  computeCtl: string;
  flavors: { evacuable: { id: string; name: string }; plain: { id: string; name: string } };
  images: { evacuable: string; plain: string };
}

export function labDir(): string {
  return process.env.NOVA_HA_OPENSTACK_DIR || '/tmp/nova-ha-openstack';
}

export function loadLab(): Lab {
  const file = join(labDir(), 'lab.json');
  if (!existsSync(file)) {
    throw new Error(`no OpenStack lab at ${labDir()} (no lab.json): run scripts/test-openstack, or scripts/openstack-up first`);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as Lab;
}

/** The admin's credentials under the classic agents' parameter names. */
export function adminParams(lab: Lab): AuthParams {
  return {
    auth_url: lab.authUrl,
    username: lab.admin.username,
    password: lab.admin.password,
    tenant_name: lab.admin.project,
    user_domain: lab.admin.userDomain,
    project_domain: lab.admin.projectDomain,
    region_name: lab.region,
    endpoint_type: 'public',
  };
}

export function appCredParams(lab: Lab): AuthParams {
  return {
    auth_url: lab.authUrl,
    application_credential_id: lab.applicationCredential.id,
    application_credential_secret: lab.applicationCredential.secret,
    region_name: lab.region,
    endpoint_type: 'public',
  };
}

/** Our client stack against the lab, with a deadline for everything done through it. */
export async function connectLab(params: AuthParams, deadlineMs = 120_000): Promise<Cloud> {
  return connect(resolveAuthSpec(params), { deadline: Deadline.in(deadlineMs) });
}

const run = promisify(execFile);

/** scripts/openstack/compute ACTION HOST (start, stop, kill, status); its stdout. */
export async function computeCtl(lab: Lab, action: 'start' | 'stop' | 'kill' | 'status', host: string): Promise<string> {
  const { stdout } = await run(lab.computeCtl, ['--dir', lab.dir, action, host], { timeout: 60_000 });
  return stdout.trim();
}

/** Polls `probe` every `intervalMs` until it returns a value; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  intervalMs = 500,
): Promise<T> {
  const deadline = Deadline.in(timeoutMs);
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (deadline.expired()) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The raw compute API at a given microversion, for what NovaClient does not do (boot, delete). */
export async function novaRequest(
  cloud: Cloud,
  method: string,
  path: string,
  body?: unknown,
  microversion = '2.74',
): Promise<{ status: number; data: unknown }> {
  const endpoint = await cloud.endpoint('compute');
  const token = await cloud.keystone.token();
  const response = await fetch(`${endpoint.replace(/\/+$/, '')}${path}`, {
    method,
    headers: {
      'X-Auth-Token': token,
      'Content-Type': 'application/json',
      'OpenStack-API-Version': `compute ${microversion}`,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, data: text ? (JSON.parse(text) as unknown) : null };
}

/** Boots one server on `host` as admin (availability zone `nova:HOST`), no network; the image tagged `evacuable` unless told. */
export async function bootOn(cloud: Cloud, lab: Lab, name: string, host: string, flavorId: string, imageId = lab.images.evacuable): Promise<string> {
  const { status, data } = await novaRequest(cloud, 'POST', '/servers', {
    server: { name, flavorRef: flavorId, imageRef: imageId, networks: 'none', availability_zone: `nova:${host}` },
  });
  if (status !== 202) throw new Error(`boot of ${name} on ${host}: HTTP ${status} ${JSON.stringify(data)}`);
  return (data as { server: { id: string } }).server.id;
}

export async function waitActiveOn(nova: NovaClient, id: string, host: string, timeoutMs = 90_000): Promise<Server> {
  return waitFor(`server ${id} ACTIVE on ${host}`, timeoutMs, async () => {
    const server = await nova.getServer(id);
    if (server.status === 'ERROR') throw new Error(`server ${id} went to ERROR`);
    return server.status === 'ACTIVE' && server.host === host && !server.taskState ? server : undefined;
  });
}

/** Deletes servers and waits until Nova no longer lists them (best effort, bounded). */
export async function deleteServers(cloud: Cloud, ids: readonly string[]): Promise<void> {
  for (const id of ids) await novaRequest(cloud, 'DELETE', `/servers/${id}`).catch(() => undefined);
  await waitFor('servers deleted', 60_000, async () => {
    for (const id of ids) {
      const { status } = await novaRequest(cloud, 'GET', `/servers/${id}`);
      if (status !== 404) return undefined;
    }
    return true;
  }).catch(() => undefined);
}
