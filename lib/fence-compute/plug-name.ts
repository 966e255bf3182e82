/**
 * Which Nova compute host a fence target is. Pacemaker names nodes its own way (often short
 * names), Nova names compute services by `host` in nova.conf (often FQDNs); the classic
 * fence_compute reconciles them by the DNS domain the services use, and so do we:
 *
 *   1. a plug that is exactly a service host is that host (the classic agent skipped this);
 *   2. the domains in use are each host minus its first label ("" for short names);
 *   3. one domain: it wins, even over a configured `domain` (with a warning, as classic);
 *      several: the configured `domain` picks one of them (the classic agent gave up here),
 *      otherwise it is an error; none (no services): the plug is used as given;
 *   4. domain "" → the short plug; a plug already in the domain → unchanged; else short.domain.
 *
 * Pure: the caller lists the services and logs the notes.
 */
import { ConfigError } from '../runtime/errors';

export interface PlugResolution {
  /** The Nova host to act on, and the key of the `evacuate` attribute. */
  host: string;
  /** The domain used, when one was calculated. */
  domain?: string;
  notes: { level: 'warn' | 'error' | 'debug'; message: string }[];
}

export function shortName(host: string): string {
  return host.split('.')[0] ?? host;
}

export function domainOf(host: string): string {
  const dot = host.indexOf('.');
  return dot < 0 ? '' : host.slice(dot + 1);
}

/** Distinct domains of the hosts, in first-seen order. */
export function domainsInUse(hosts: readonly string[]): string[] {
  return [...new Set(hosts.map(domainOf))];
}

export function resolvePlug(plug: string, configuredDomain: string | undefined, hosts: readonly string[]): PlugResolution {
  const notes: PlugResolution['notes'] = [];
  if (hosts.includes(plug)) return { host: plug, notes };

  const domains = domainsInUse(hosts);
  let domain: string;
  if (domains.length === 0) {
    notes.push({ level: 'error', message: 'Could not calculate the domain names used by compute nodes in nova' });
    return { host: plug, notes };
  }
  if (domains.length === 1) {
    domain = domains[0] as string;
    if (configuredDomain !== undefined && configuredDomain !== domain) {
      notes.push({
        level: 'warn',
        message: `Overriding supplied domain '${configuredDomain}' as it does not match the one calculated from the Nova compute hosts: '${domain}'`,
      });
    }
  } else if (configuredDomain !== undefined && domains.includes(configuredDomain)) {
    domain = configuredDomain;
  } else {
    const listed = domains.map((d) => `'${d}'`).join(', ');
    throw new ConfigError(
      configuredDomain === undefined
        ? `Nova's compute hosts use several domains (${listed}) and '${plug}' is none of its hosts; set domain= to the one the cluster's nodes live in`
        : `The supplied domain '${configuredDomain}' did not match any used inside nova: ${listed}`,
    );
  }

  const short = shortName(plug);
  if (domain === '') return { host: short, domain, notes };
  if (plug.endsWith(`.${domain}`)) return { host: plug, domain, notes };
  notes.push({ level: 'debug', message: `Checking target '${plug}' against calculated domain '${domain}'` });
  return { host: `${short}.${domain}`, domain, notes };
}
