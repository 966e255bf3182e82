/**
 * The Keystone v3 service catalog, normalised, and endpoint lookup by service type,
 * interface and region.
 */
import { ConfigError } from '../runtime/errors';
import { parseInterface, type EndpointInterface } from './credentials';

export interface CatalogEndpoint {
  readonly interface: string;
  /** Region id (v3 `region_id`), falling back to the deprecated `region` name. */
  readonly region: string | null;
  readonly url: string;
}

export interface CatalogService {
  readonly type: string;
  readonly name: string | null;
  readonly endpoints: readonly CatalogEndpoint[];
}

export type Catalog = readonly CatalogService[];

/** Keystone's `token.catalog` → Catalog; tolerant of missing fields. */
export function parseCatalog(raw: unknown): Catalog {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((entry): CatalogService[] => {
    if (entry === null || typeof entry !== 'object') return [];
    const service = entry as Record<string, unknown>;
    if (typeof service.type !== 'string') return [];
    const endpoints = Array.isArray(service.endpoints) ? service.endpoints : [];
    return [
      {
        type: service.type,
        name: typeof service.name === 'string' ? service.name : null,
        endpoints: endpoints.flatMap((value): CatalogEndpoint[] => {
          if (value === null || typeof value !== 'object') return [];
          const endpoint = value as Record<string, unknown>;
          if (typeof endpoint.url !== 'string' || typeof endpoint.interface !== 'string') return [];
          const region =
            typeof endpoint.region_id === 'string'
              ? endpoint.region_id
              : typeof endpoint.region === 'string'
                ? endpoint.region
                : null;
          return [{ interface: endpoint.interface, region, url: endpoint.url }];
        }),
      },
    ];
  });
}

/**
 * The URL of `serviceType` at `interfaceName` (public/internal/admin or the v2 spellings
 * publicURL/internalURL/adminURL), in `region` when given. Without a region the first
 * matching endpoint wins, as keystoneauth does.
 */
export function findEndpoint(
  catalog: Catalog,
  serviceType: string,
  interfaceName: EndpointInterface | string,
  region?: string,
): string {
  const iface = parseInterface(interfaceName);
  const service = catalog.find((entry) => entry.type === serviceType);
  if (!service) {
    const types = catalog.map((entry) => entry.type).join(', ') || 'none';
    throw new ConfigError(`the Keystone catalog has no '${serviceType}' service (it has: ${types})`);
  }
  const match = service.endpoints.find(
    (endpoint) => endpoint.interface === iface && (region === undefined || endpoint.region === region),
  );
  if (!match) {
    const offered =
      service.endpoints.map((endpoint) => `${endpoint.interface} in ${endpoint.region ?? 'no region'}`).join(', ') ||
      'no endpoints';
    throw new ConfigError(
      `the catalog's '${serviceType}' service has no ${iface} endpoint${region ? ` in region ${region}` : ''} ` +
        `(it has: ${offered}): check endpoint_type / region_name`,
    );
  }
  return match.url;
}
