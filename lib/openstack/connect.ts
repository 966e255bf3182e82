/**
 * The one entry point agents use: authenticate (or reuse the cached token), then hand out
 * Nova and Glance clients on demand. Nova's version discovery happens on the first
 * `nova()` and is shared by later calls; an agent that only needs Glance never pays for it.
 */
import type { Deadline } from '../runtime/deadline';
import type { AuthSpec } from './credentials';
import { GlanceClient } from './glance';
import type { TlsOptions } from './http';
import { KeystoneSession } from './keystone';
import { DEFAULT_NOVA_CEILING, parseMicroversion, type Microversion } from './microversion';
import { connectNova, type NovaClient } from './nova';

export interface ConnectOptions {
  /** The action's deadline: every call made through this Cloud fits inside it. */
  readonly deadline: Deadline;
  /** The agents' state directory, for the token cache (0600 file). Without it: no cache. */
  readonly stateDir?: string;
  /** Nova microversion ceiling ("2.94" by default; 2.95+ makes evacuated instances arrive stopped). */
  readonly novaMaxMicroversion?: string;
  /** Cap of one HTTP call (30 s by default), always also capped by the deadline. */
  readonly callTimeoutMs?: number;
  /** Renew a token this long before it expires (5 min by default). */
  readonly renewMarginMs?: number;
}

export interface Cloud {
  readonly spec: AuthSpec;
  readonly keystone: KeystoneSession;
  /** The catalog URL of a service type at the configured interface and region. */
  endpoint(serviceType: string): Promise<string>;
  nova(): Promise<NovaClient>;
  glance(): Promise<GlanceClient>;
}

function tlsOf(spec: AuthSpec): TlsOptions {
  return { insecure: spec.insecure, ...(spec.caBundle ? { caBundle: spec.caBundle } : {}) };
}

/** Authenticates now (so bad credentials surface at once) and returns the lazy clients. */
export async function connect(spec: AuthSpec, options: ConnectOptions): Promise<Cloud> {
  const ceiling: Microversion = options.novaMaxMicroversion
    ? parseMicroversion(options.novaMaxMicroversion, 'nova_max_microversion')
    : DEFAULT_NOVA_CEILING;
  const keystone = new KeystoneSession(spec, {
    deadline: options.deadline,
    ...(options.stateDir ? { stateDir: options.stateDir } : {}),
    ...(options.callTimeoutMs ? { callTimeoutMs: options.callTimeoutMs } : {}),
    ...(options.renewMarginMs !== undefined ? { renewMarginMs: options.renewMarginMs } : {}),
  });
  await keystone.ensure();

  const common = {
    deadline: options.deadline,
    tls: tlsOf(spec),
    auth: keystone,
    ...(options.callTimeoutMs ? { callTimeoutMs: options.callTimeoutMs } : {}),
  };
  let nova: Promise<NovaClient> | undefined;
  let glance: Promise<GlanceClient> | undefined;

  return {
    spec,
    keystone,
    endpoint: (serviceType) => keystone.endpoint(serviceType),
    nova() {
      if (!nova) {
        nova = keystone.endpoint('compute').then((endpoint) => connectNova({ ...common, endpoint, ceiling }));
        // A failed discovery may succeed on the next call; do not keep the rejection.
        nova.catch(() => {
          nova = undefined;
        });
      }
      return nova;
    },
    glance() {
      if (!glance) {
        glance = keystone.endpoint('image').then((endpoint) => new GlanceClient({ ...common, endpoint }));
        glance.catch(() => {
          glance = undefined;
        });
      }
      return glance;
    },
  };
}
