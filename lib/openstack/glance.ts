/**
 * Glance v2 images, every page (the classic agent reads only the first one and misses an
 * `evacuable` tag further down). Glance puts custom properties at the top level of an
 * image; they are gathered into `properties` so callers need not know the core field list.
 */
import type { Deadline } from '../runtime/deadline';
import { ServiceHttp, type TlsOptions, type TokenProvider } from './http';
import { asRecord } from './nova-types';
import { collectPages, glanceNextQuery } from './pagination';

export interface Image {
  readonly id: string;
  readonly name: string | null;
  readonly status: string | null;
  readonly visibility: string | null;
  readonly owner: string | null;
  readonly tags: readonly string[];
  /** Every non-core attribute, as Glance stores them (strings). */
  readonly properties: Readonly<Record<string, string>>;
}

const CORE_FIELDS = new Set([
  'id', 'name', 'status', 'visibility', 'protected', 'checksum', 'os_hash_algo', 'os_hash_value',
  'owner', 'size', 'virtual_size', 'min_ram', 'min_disk', 'created_at', 'updated_at', 'tags',
  'self', 'file', 'schema', 'container_format', 'disk_format', 'direct_url', 'locations',
  'os_hidden', 'stores',
]);

export function normaliseImage(raw: unknown): Image {
  const image = asRecord(raw);
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(image)) {
    if (CORE_FIELDS.has(key) || value === null || value === undefined) continue;
    properties[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
  return {
    id: text(image.id) ?? '',
    name: text(image.name),
    status: text(image.status),
    visibility: text(image.visibility),
    owner: text(image.owner),
    tags: Array.isArray(image.tags) ? image.tags.filter((tag): tag is string => typeof tag === 'string') : [],
    properties,
  };
}

export interface GlanceConnectOptions {
  /** The image endpoint from the catalog, usually without a version ("http://host:9292"). */
  readonly endpoint: string;
  readonly deadline: Deadline;
  readonly tls: TlsOptions;
  readonly auth: TokenProvider;
  readonly callTimeoutMs?: number;
  /** Images per page asked of Glance (its own cap, api_limit_max, is 1000). */
  readonly pageSize?: number;
}

export class GlanceClient {
  private readonly http: ServiceHttp;
  private readonly pageSize: number;

  constructor(options: GlanceConnectOptions) {
    // Catalogs sometimes carry ".../v2": the API root is what the paths below are relative to.
    const root = options.endpoint.replace(/\/+$/, '').replace(/\/v2(\.\d+)?$/, '');
    this.http = new ServiceHttp({
      service: 'glance',
      baseUrl: root,
      deadline: options.deadline,
      tls: options.tls,
      auth: options.auth,
      ...(options.callTimeoutMs ? { callTimeoutMs: options.callTimeoutMs } : {}),
    });
    this.pageSize = options.pageSize ?? 200;
  }

  listImages(): Promise<Image[]> {
    return collectPages(async (query) => {
      const { data } = await this.http.get<Record<string, unknown>>('/v2/images', { what: 'listing of images', query });
      const items = Array.isArray(data?.images) ? data.images.map(normaliseImage) : [];
      return { items, next: glanceNextQuery(data?.next) };
    }, { limit: this.pageSize });
  }
}
