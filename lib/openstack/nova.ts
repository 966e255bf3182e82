/**
 * The Nova compute API, at the microversion negotiated with the server: min(server max,
 * our ceiling). Where Nova's behaviour changed across microversions the client speaks the
 * form that microversion expects:
 *
 * - services: by UUID `PUT /os-services/{id}` from 2.53; before, the legacy
 *   `PUT /os-services/force-down|disable|disable-log-reason|enable` with host + binary
 *   (force-down itself needs 2.11);
 * - evacuate: `onSharedStorage` is required up to 2.13 and gone from 2.14 (Nova checks the
 *   disk itself); a target `host` is checked by the scheduler from 2.29 (we never send
 *   `force`, which would skip that check, and which 2.68 removed); from 2.95 an evacuated
 *   instance arrives stopped, hence our default ceiling 2.94;
 * - a server's flavor is embedded from 2.47 (extra specs included, no id), an id before;
 * - migrations: `changes-since` and pagination from 2.59 (filtered here below it).
 */
import type { Deadline } from '../runtime/deadline';
import { log } from '../runtime/log';
import { registerSecret } from '../runtime/secrets';
import { UnsupportedError } from './errors';
import { ServiceHttp, type Query, type TlsOptions, type TokenProvider } from './http';
import {
  DEFAULT_NOVA_CEILING,
  atLeast,
  formatMicroversion,
  negotiateMicroversion,
  parseMicroversion,
  type Microversion,
} from './microversion';
import {
  asRecord,
  normaliseAction,
  normaliseAggregate,
  normaliseFlavor,
  normaliseHypervisor,
  normaliseMigration,
  normaliseServer,
  normaliseService,
  type Aggregate,
  type ComputeService,
  type Flavor,
  type Hypervisor,
  type Migration,
  type Server,
  type ServerAction,
} from './nova-types';
import { collectPages, novaNextQuery } from './pagination';

export * from './nova-types';

export interface NovaConnectOptions {
  /** The compute endpoint from the catalog. */
  readonly endpoint: string;
  readonly deadline: Deadline;
  readonly tls: TlsOptions;
  readonly auth: TokenProvider;
  /** Highest microversion we speak; DEFAULT_NOVA_CEILING (2.94) unless an operator raises it. */
  readonly ceiling?: Microversion;
  readonly callTimeoutMs?: number;
}

export interface EvacuateOptions {
  /** Target host; without it the scheduler picks one. */
  readonly host?: string;
  /** Only sent below 2.14 (where it is required; false when not given). */
  readonly onSharedStorage?: boolean;
  readonly adminPass?: string;
}

export interface EvacuateResult {
  readonly microversion: string;
  /** Whether Nova's scheduler validates `host` (2.29 and later) or trusts it blindly. */
  readonly hostCheckedByScheduler: boolean;
}

export interface MigrationFilter {
  readonly sourceCompute?: string;
  readonly instanceUuid?: string;
  readonly migrationType?: 'evacuation' | 'live-migration' | 'migration' | 'resize';
  /** ISO 8601; applied by Nova from 2.59, by this client below. */
  readonly changesSince?: string;
  readonly status?: string;
}

const SERVICE_BINARY = 'nova-compute';

/** The version document at the endpoint's /v2.1 root → Nova's min and max microversions. */
export function parseNovaVersionDocument(data: unknown, endpoint: string): { min: Microversion; max: Microversion } {
  const doc = asRecord(data);
  const candidates = Array.isArray(doc.versions) ? doc.versions.map(asRecord) : [asRecord(doc.version)];
  const entry = candidates.find((item) => item.id === 'v2.1') ?? candidates.find((item) => item.version);
  const max = typeof entry?.version === 'string' ? entry.version : '';
  const min = typeof entry?.min_version === 'string' && entry.min_version !== '' ? entry.min_version : '2.1';
  if (max === '') {
    throw new UnsupportedError(
      `the compute endpoint ${endpoint} offers no microversions (legacy v2.0 API?): the catalog must point at Nova's /v2.1`,
    );
  }
  return { min: parseMicroversion(min, 'Nova min_version'), max: parseMicroversion(max, 'Nova max version') };
}

/** ".../v2.1/<project>" or ".../v2.1" → ".../v2.1"; other forms unchanged. */
export function versionRoot(endpoint: string): string {
  const trimmed = endpoint.replace(/\/+$/, '');
  const match = /^(.*\/v2(?:\.1)?)(?:\/.*)?$/.exec(trimmed);
  return match?.[1] ?? trimmed;
}

export async function connectNova(options: NovaConnectOptions): Promise<NovaClient> {
  const common = {
    service: 'nova',
    deadline: options.deadline,
    tls: options.tls,
    auth: options.auth,
    ...(options.callTimeoutMs ? { callTimeoutMs: options.callTimeoutMs } : {}),
  };
  const root = versionRoot(options.endpoint);
  const discovery = new ServiceHttp({ ...common, baseUrl: root });
  const { data } = await discovery.get<unknown>('/', { what: 'version discovery' });
  const offered = parseNovaVersionDocument(data, root);
  const version = negotiateMicroversion(offered, options.ceiling ?? DEFAULT_NOVA_CEILING, `Nova at ${root}`);
  const text = formatMicroversion(version);
  const http = new ServiceHttp({
    ...common,
    baseUrl: options.endpoint,
    headers: { 'X-OpenStack-Nova-API-Version': text, 'OpenStack-API-Version': `compute ${text}` },
  });
  log.debug(`nova microversion ${text} (server ${formatMicroversion(offered.min)}–${formatMicroversion(offered.max)})`);
  return new NovaClient(http, version, offered.max);
}

function novaTime(text: string | null): number {
  if (!text) return Number.NaN;
  // Nova omits the zone on some fields; its times are UTC.
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
}

export class NovaClient {
  constructor(
    private readonly http: ServiceHttp,
    /** The negotiated microversion every call is made with. */
    readonly microversion: Microversion,
    /** The server's maximum, for `nova-ha doctor`. */
    readonly serverMaxMicroversion: Microversion,
  ) {}

  get microversionText(): string {
    return formatMicroversion(this.microversion);
  }

  supports(version: string): boolean {
    return atLeast(this.microversion, version);
  }

  private require(version: string, what: string): void {
    if (!this.supports(version)) {
      throw new UnsupportedError(
        `${what} needs Nova microversion ${version} but ${this.microversionText} was negotiated ` +
          `(server max ${formatMicroversion(this.serverMaxMicroversion)})`,
      );
    }
  }

  private async list<T>(path: string, key: string, query: Query, what: string, map: (raw: unknown) => T): Promise<T[]> {
    return collectPages(async (pageQuery) => {
      const { data } = await this.http.get<Record<string, unknown>>(path, { what, query: pageQuery });
      const items = Array.isArray(data?.[key]) ? (data[key] as unknown[]).map(map) : [];
      return { items, next: novaNextQuery(data?.[`${key}_links`] ?? data?.links) };
    }, query);
  }

  // --- services -------------------------------------------------------------

  listComputeServices(filter: { host?: string } = {}): Promise<ComputeService[]> {
    return this.list(
      '/os-services',
      'services',
      { binary: SERVICE_BINARY, host: filter.host },
      `listing of nova-compute services${filter.host ? ` on ${filter.host}` : ''}`,
      normaliseService,
    );
  }

  private async updateService(
    service: ComputeService,
    body: Record<string, unknown>,
    what: string,
    applied: Partial<ComputeService>,
  ): Promise<ComputeService> {
    const { data } = await this.http.put<{ service?: unknown }>(`/os-services/${encodeURIComponent(service.id)}`, {
      what,
      body,
      idempotent: true,
    });
    return data?.service ? normaliseService(data.service) : { ...service, ...applied };
  }

  private async legacyServiceCall(
    path: string,
    service: ComputeService,
    extra: Record<string, unknown>,
    what: string,
    applied: Partial<ComputeService>,
  ): Promise<ComputeService> {
    await this.http.put(path, { what, body: { host: service.host, binary: service.binary, ...extra }, idempotent: true });
    // The legacy answers echo only part of the service: apply what we set.
    return { ...service, ...applied };
  }

  async forceDown(service: ComputeService, down: boolean): Promise<ComputeService> {
    const what = `${down ? 'force-down' : 'clearing force-down'} of nova-compute on ${service.host}`;
    const applied = { forcedDown: down, ...(down ? { state: 'down' as const } : {}) };
    if (this.supports('2.53')) return this.updateService(service, { forced_down: down }, what, applied);
    this.require('2.11', 'force-down');
    return this.legacyServiceCall('/os-services/force-down', service, { forced_down: down }, what, applied);
  }

  async disableService(service: ComputeService, reason: string): Promise<ComputeService> {
    const what = `disabling nova-compute on ${service.host}`;
    const applied = { status: 'disabled' as const, disabledReason: reason || null };
    if (this.supports('2.53')) {
      return this.updateService(service, { status: 'disabled', ...(reason ? { disabled_reason: reason } : {}) }, what, applied);
    }
    return reason
      ? this.legacyServiceCall('/os-services/disable-log-reason', service, { disabled_reason: reason }, what, applied)
      : this.legacyServiceCall('/os-services/disable', service, {}, what, applied);
  }

  async enableService(service: ComputeService): Promise<ComputeService> {
    const what = `enabling nova-compute on ${service.host}`;
    const applied = { status: 'enabled' as const, disabledReason: null };
    if (this.supports('2.53')) return this.updateService(service, { status: 'enabled' }, what, applied);
    return this.legacyServiceCall('/os-services/enable', service, {}, what, applied);
  }

  // --- servers --------------------------------------------------------------

  listServers(filter: { host?: string; allTenants: boolean; limit?: number }): Promise<Server[]> {
    return this.list(
      '/servers/detail',
      'servers',
      { all_tenants: filter.allTenants ? 1 : undefined, host: filter.host, limit: filter.limit },
      `listing of servers${filter.host ? ` on ${filter.host}` : ''}`,
      normaliseServer,
    );
  }

  async getServer(id: string): Promise<Server> {
    const { data } = await this.http.get<{ server?: unknown }>(`/servers/${encodeURIComponent(id)}`, {
      what: `server ${id}`,
    });
    return normaliseServer(data?.server);
  }

  listServerActions(id: string): Promise<ServerAction[]> {
    return this.list(
      `/servers/${encodeURIComponent(id)}/os-instance-actions`,
      'instanceActions',
      {},
      `actions of server ${id}`,
      normaliseAction,
    );
  }

  private async serverAction(id: string, body: unknown, what: string): Promise<unknown> {
    const { data } = await this.http.post<unknown>(`/servers/${encodeURIComponent(id)}/action`, { what, body });
    return data;
  }

  async startServer(id: string): Promise<void> {
    await this.serverAction(id, { 'os-start': null }, `start of server ${id}`);
  }

  async rebootServer(id: string, type: 'HARD' | 'SOFT' = 'HARD'): Promise<void> {
    await this.serverAction(id, { reboot: { type } }, `${type.toLowerCase()} reboot of server ${id}`);
  }

  /** One POST, never retried: a second evacuate of the same instance must come from a fresh look at Nova. */
  async evacuate(id: string, options: EvacuateOptions = {}): Promise<EvacuateResult> {
    const body: Record<string, unknown> = {};
    if (options.host) body.host = options.host;
    if (!this.supports('2.14')) body.onSharedStorage = options.onSharedStorage ?? false;
    if (options.adminPass !== undefined) {
      registerSecret(options.adminPass);
      body.adminPass = options.adminPass;
    }
    const data = asRecord(
      await this.serverAction(id, { evacuate: body }, `evacuation of server ${id}${options.host ? ` to ${options.host}` : ''}`),
    );
    // Below 2.14 Nova may answer with the generated admin password: keep it out of any log.
    if (typeof data.adminPass === 'string') registerSecret(data.adminPass);
    return { microversion: this.microversionText, hostCheckedByScheduler: !options.host || this.supports('2.29') };
  }

  // --- migrations -----------------------------------------------------------

  async listMigrations(filter: MigrationFilter = {}): Promise<Migration[]> {
    const serverSideSince = this.supports('2.59');
    const migrations = await this.list(
      '/os-migrations',
      'migrations',
      {
        source_compute: filter.sourceCompute,
        instance_uuid: filter.instanceUuid,
        migration_type: filter.migrationType,
        status: filter.status,
        ...(serverSideSince && filter.changesSince ? { 'changes-since': filter.changesSince } : {}),
      },
      `listing of migrations${filter.sourceCompute ? ` from ${filter.sourceCompute}` : ''}`,
      normaliseMigration,
    );
    const since = filter.changesSince ? novaTime(filter.changesSince) : Number.NaN;
    return migrations.filter(
      (migration) =>
        (!filter.migrationType || migration.migrationType === null || migration.migrationType === filter.migrationType) &&
        (Number.isNaN(since) || serverSideSince || novaTime(migration.updatedAt ?? migration.createdAt) >= since),
    );
  }

  // --- flavors, aggregates, hypervisors -------------------------------------

  /** `isPublic: 'none'` lists private flavors too (what evacuable tagging needs). */
  listFlavors(filter: { isPublic: 'none' | boolean } = { isPublic: 'none' }): Promise<Flavor[]> {
    const isPublic = filter.isPublic === 'none' ? 'None' : String(filter.isPublic);
    return this.list('/flavors/detail', 'flavors', { is_public: isPublic }, 'listing of flavors', normaliseFlavor);
  }

  async getFlavorExtraSpecs(id: string): Promise<Record<string, string>> {
    const { data } = await this.http.get<{ extra_specs?: unknown }>(`/flavors/${encodeURIComponent(id)}/os-extra_specs`, {
      what: `extra specs of flavor ${id}`,
    });
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(asRecord(data?.extra_specs))) out[key] = String(value);
    return out;
  }

  listAggregates(): Promise<Aggregate[]> {
    return this.list('/os-aggregates', 'aggregates', {}, 'listing of aggregates', normaliseAggregate);
  }

  listHypervisors(): Promise<Hypervisor[]> {
    return this.list('/os-hypervisors/detail', 'hypervisors', {}, 'listing of hypervisors', normaliseHypervisor);
  }
}
