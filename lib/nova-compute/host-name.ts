/**
 * The name Nova knows this compute node by, found the way the classic NovaCompute and
 * nova-compute-wait agents find it (notes §3, §4, §7): `[DEFAULT] host` as nova-compute itself
 * reads it from nova.conf and nova.conf.d, else `<short node name>.<domain>` when a domain is
 * given, else the node name. Then checked against Nova's nova-compute services, which the
 * classic agents never did, so a wrong name fails with a message that says what to fix.
 *
 * Everything here is pure; the files are read by listNovaConfFiles (nova-conf.ts).
 */
import { byCodePoint, readNovaConfOption, type NovaConfFile } from './nova-conf';

// Where these lived before nova-conf.ts generalised the reader; callers may import either.
export { listNovaConfFiles, type NovaConfFile } from './nova-conf';

export type NovaHostSource = 'nova.conf' | 'short name + domain' | 'node name';

export interface ResolvedNovaHost {
  readonly host: string;
  readonly source: NovaHostSource;
}

export type NovaHostCheck = { readonly ok: true } | { readonly ok: false; readonly message: string };

/**
 * `[DEFAULT] host` across the files in the order given (nova.conf first, then the drop-ins
 * sorted), read with oslo.config's ini rules (see readNovaConfOption). The last assignment
 * wins, so an empty `host =` in a later drop-in clears an earlier one; an empty or
 * whitespace-only result counts as unset.
 */
export function readNovaConfHost(files: readonly NovaConfFile[]): string | undefined {
  return readNovaConfOption(files, 'DEFAULT', 'host');
}

/** The classic order: nova.conf's host; else `<short uname>.<domain>`; else uname as it is. */
export function resolveNovaHost(input: {
  readonly confHost: string | undefined;
  readonly domain?: string | undefined;
  readonly uname: string;
}): ResolvedNovaHost {
  if (input.confHost !== undefined && input.confHost.trim() !== '') {
    return { host: input.confHost.trim(), source: 'nova.conf' };
  }
  const domain = (input.domain ?? '').trim().replace(/^\.+/, '');
  if (domain !== '') return { host: `${shortName(input.uname)}.${domain}`, source: 'short name + domain' };
  return { host: input.uname, source: 'node name' };
}

/**
 * Nova keys a compute service by its exact host string, so only an exact match will do. When
 * there is none, the message names the services with the same short name (compared without
 * case) under another domain, which is almost always the mistake.
 */
export function checkAgainstNova(host: string, serviceHosts: readonly string[]): NovaHostCheck {
  if (serviceHosts.includes(host)) return { ok: true };
  const short = shortName(host).toLowerCase();
  const near = [...new Set(serviceHosts.filter((candidate) => shortName(candidate).toLowerCase() === short))].sort(
    byCodePoint,
  );
  const fix = 'set [DEFAULT] host in nova.conf or the domain parameter';
  const found =
    near.length > 0
      ? `found: ${near.join(', ')}`
      : serviceHosts.length === 0
        ? 'Nova lists no nova-compute services at all'
        : `none named '${shortName(host)}' under any domain`;
  return { ok: false, message: `Nova has no nova-compute service on host '${host}' (${found}); ${fix}` };
}

function shortName(host: string): string {
  const dot = host.indexOf('.');
  return dot < 0 ? host : host.slice(0, dot);
}
