/**
 * The doctor's judgements, pure: what a microversion, a clock skew, a service list or a
 * status file's age means for instance HA. doctor.ts gathers the facts.
 */
import type { ComputeService } from '../openstack/nova-types';
import type { CheckResult } from './checks';

export const MIN_GOOD_MICROVERSION = { major: 2, minor: 53 };
export const STOPPED_AFTER_EVACUATE = { major: 2, minor: 95 };
export const MAX_SKEW_MS = 5_000;
/** NovaEvacuate's monitor runs every 10 s; a minute without a pass means it is not running here. */
export const STALE_STATUS_MS = 60_000;

type Version = { readonly major: number; readonly minor: number };
const below = (a: Version, b: Version) => a.major < b.major || (a.major === b.major && a.minor < b.minor);
const text = (v: Version) => `${v.major}.${v.minor}`;

export function microversionCheck(negotiated: Version, serverMax: Version, endpoint: string): CheckResult {
  const detail = `microversion ${text(negotiated)} negotiated (server max ${text(serverMax)}) at ${endpoint}`;
  if (below(negotiated, MIN_GOOD_MICROVERSION)) {
    return {
      name: 'Nova API',
      status: 'warn',
      detail,
      fix: 'below 2.53 services are addressed by host name, not UUID; upgrade Nova (Pike or later) for exact service updates',
    };
  }
  if (!below(negotiated, STOPPED_AFTER_EVACUATE)) {
    return {
      name: 'Nova API',
      status: 'warn',
      detail,
      fix: 'from 2.95 evacuated instances arrive stopped; lower --nova-max-microversion (and the agents\' nova_max_microversion) to 2.94',
    };
  }
  return { name: 'Nova API', status: 'ok', detail };
}

export function servicesCheck(services: readonly ComputeService[]): CheckResult {
  if (services.length === 0) {
    return {
      name: 'compute services',
      status: 'fail',
      detail: 'Nova lists no nova-compute service',
      fix: 'check that this is the right cloud/region and that the user has the admin role',
    };
  }
  const count = (test: (s: ComputeService) => boolean) => services.filter(test).length;
  const up = count((s) => s.state === 'up');
  const forced = count((s) => s.forcedDown);
  const disabled = count((s) => s.status === 'disabled');
  return {
    name: 'compute services',
    status: 'ok',
    detail: `${services.length} nova-compute: ${up} up, ${services.length - up} down, ${forced} forced down, ${disabled} disabled`,
  };
}

export function clockCheck(skewMs: number, source: string): CheckResult {
  const seconds = Math.round(skewMs / 100) / 10;
  const detail = `${seconds >= 0 ? '+' : ''}${seconds} s against ${source}'s Date header`;
  if (Math.abs(skewMs) > MAX_SKEW_MS) {
    return {
      name: 'clock',
      status: 'warn',
      detail,
      fix: 'synchronise this host with NTP (chrony): token expiry and the brake window compare times across hosts',
    };
  }
  return { name: 'clock', status: 'ok', detail };
}

/** `lastPassAt`/mtime of the status file, or undefined when it does not exist. */
export function statusFileCheck(path: string, ageMs: number | undefined): CheckResult {
  if (ageMs === undefined) {
    return {
      name: 'status file',
      status: 'warn',
      detail: `${path} does not exist`,
      fix: 'NovaEvacuate has not run a pass on this node (normal where it is not active); use `nova-ha status --live` here',
    };
  }
  const seconds = Math.round(ageMs / 1000);
  if (ageMs > STALE_STATUS_MS) {
    return {
      name: 'status file',
      status: 'warn',
      detail: `${path} is ${seconds} s old`,
      fix: 'NovaEvacuate is not monitoring on this node (see crm_mon); `nova-ha status --live` reads Pacemaker and Nova directly',
    };
  }
  return { name: 'status file', status: 'ok', detail: `${path} written ${seconds} s ago` };
}

export function marksDetail(marks: ReadonlyMap<string, string>): string {
  const set = [...marks].filter(([, value]) => value !== '');
  if (set.length === 0) return 'evacuate attribute readable: no host marked';
  return `evacuate attribute readable: ${set.map(([host, value]) => `${host}=${value}`).join(', ')}`;
}
