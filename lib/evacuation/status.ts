/**
 * The status file NovaEvacuate writes after every reconcile pass and `nova-ha status` reads:
 * a versioned JSON document (hosts, per-instance progress, given-up instances, brake, last
 * pass). Written atomically (temp file + rename) so a reader never sees half of it.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError, errorMessage } from '../runtime/errors';

export const STATUS_SCHEMA_VERSION = 1;
export const DEFAULT_STATUS_FILE = '/run/nova-ha/status.json';

/** Where one host stands in the evacuation protocol, as the last pass saw it. */
export type HostEvacuationState =
  /** Marked (or fenced by us) but waiting: evacuate_delay, Nova not showing it down, the brake. */
  | 'waiting'
  | 'evacuating'
  /** Every protected instance is evacuated or given up: marked `no`. */
  | 'done'
  /** Nova shows the host up and not forced down: nothing is evacuated (never evacuate twice). */
  | 'refused'
  | 'braked';

export type InstanceStatusKind = 'pending' | 'in-flight' | 'evacuated' | 'failed' | 'given-up' | 'unprotected';

export interface InstanceStatus {
  readonly id: string;
  readonly name: string;
  readonly state: InstanceStatusKind;
  /** Nova's server status (ACTIVE, SHUTOFF, ERROR…). */
  readonly serverStatus: string;
  /** Where it runs now (the new host once evacuated). */
  readonly host: string | null;
  /** The planned or in-flight target; null when Nova's scheduler chooses. */
  readonly target: string | null;
  /** Failed evacuation attempts so far. */
  readonly attempts: number;
  /** Last error (Nova refusing, rebuild failed…) or why it was given up / not protected. */
  readonly error: string | null;
  /**
   * Evacuate calls Nova refused (no migration record shows them) and when the last one was,
   * epoch ms: the next monitor on this controller carries them on. Absent when none.
   */
  readonly refused?: { readonly count: number; readonly lastAt: number; readonly target: string | null };
}

export interface HostStatus {
  readonly name: string;
  /** The raw `evacuate` attribute value ("" when absent). */
  readonly mark: string;
  readonly segment: string;
  readonly state: HostEvacuationState;
  /** One sentence: why the host is in this state. */
  readonly detail: string;
  /** Epoch ms of the fence (from Nova's disabled reason), when known. */
  readonly fencedAt: number | null;
  readonly instances: readonly InstanceStatus[];
}

export interface GivenUpInstance {
  readonly id: string;
  readonly name: string;
  readonly host: string;
  readonly reason: string;
}

export interface BrakeStatus {
  readonly tripped: boolean;
  readonly reason: string | null;
  /** Epoch ms of the last `nova-ha resume`, when any. */
  readonly resumedAt: number | null;
}

export interface StatusDocument {
  readonly schemaVersion: typeof STATUS_SCHEMA_VERSION;
  /** The controller that wrote it (the node name in the in-progress marker). */
  readonly writtenBy: string;
  /** Epoch ms of the end of the last pass. */
  readonly lastPassAt: number;
  /** The pass's one-sentence summary (also its log line). */
  readonly summary: string;
  /** Errors the last pass met talking to Nova or Pacemaker (retried next pass). */
  readonly errors: readonly string[];
  readonly brake: BrakeStatus;
  readonly hosts: readonly HostStatus[];
  readonly givenUp: readonly GivenUpInstance[];
}

/** Writes the document atomically: a temp file beside the target, then rename over it. */
export async function writeStatusFile(path: string, document: StatusDocument): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o644 });
  await rename(temp, path);
}

/** Parses a status document; ConfigError when it is not one this version understands. */
export function parseStatusDocument(text: string, source = 'status file'): StatusDocument {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${source} is not JSON: ${errorMessage(error)}`);
  }
  const record = data !== null && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  if (record.schemaVersion !== STATUS_SCHEMA_VERSION) {
    throw new ConfigError(
      `${source} has schema version ${String(record.schemaVersion)}, expected ${STATUS_SCHEMA_VERSION}`,
    );
  }
  if (!Array.isArray(record.hosts) || !Array.isArray(record.givenUp) || typeof record.summary !== 'string') {
    throw new ConfigError(`${source} lacks hosts, givenUp or summary`);
  }
  return data as StatusDocument;
}

/** The status file's document; undefined when the file does not exist (no pass ran yet). */
export async function readStatusFile(path: string): Promise<StatusDocument | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseStatusDocument(text, path);
}
