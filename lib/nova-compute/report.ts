/**
 * What NovaCompute knows about its node, as the value of the private transient node attribute
 * `nova-ha-compute` (and its local status file): phase, in-place nova-compute restarts, instance
 * restarts. Both directions are pure. The value is compact JSON capped at 4 KiB so attrd and the
 * CIB-free private store never carry an unbounded blob; readers (`nova-ha status`, `explain`)
 * get undefined for anything that is not a well-typed report, never an exception.
 */

export const COMPUTE_REPORT_ATTRIBUTE = 'nova-ha-compute';
/** Upper bound of formatComputeReport's output, in UTF-8 bytes. */
export const COMPUTE_REPORT_MAX_BYTES = 4096;

export const COMPUTE_PHASES = ['waiting', 'delaying', 'starting', 'unfencing', 'running', 'stopped', 'failed'] as const;
export type ComputePhase = (typeof COMPUTE_PHASES)[number];
export const COMPUTE_MODES = ['NovaCompute', 'nova-compute-wait'] as const;
export type ComputeMode = (typeof COMPUTE_MODES)[number];

export interface InstanceRestartRecord {
  id: string;
  name: string;
  /** Epoch ms of restarts through Nova, newest last. */
  at: number[];
  /** The per-instance limit was reached: NovaCompute no longer restarts it. */
  gaveUp: boolean;
  lastError?: string;
}

export interface ComputeReport {
  v: 1;
  /** Nova service host. */
  host: string;
  /** Pacemaker node. */
  node: string;
  mode: ComputeMode;
  phase: ComputePhase;
  /** Epoch ms the phase began. */
  since: number;
  /** One sentence. */
  detail: string;
  /** Epoch ms of in-place nova-compute restarts in the window, newest last. */
  computeRestarts: number[];
  instances: InstanceRestartRecord[];
  checkedAt: number;
  /** Set by formatComputeReport when it had to leave things out to fit the cap. */
  trimmed?: { restartTimes: number; instances: number };
}

// Per-field caps: with them the report without restart history always fits in the byte cap.
const MAX_NAME = 255;
const MAX_ID = 64;
const MAX_DETAIL = 1000;
const MAX_ERROR = 300;

function clip(text: string, max: number): string {
  const points = Array.from(text);
  if (max <= 0) return '';
  return points.length <= max ? text : `${points.slice(0, max - 1).join('')}…`;
}

function bytes(report: ComputeReport): number {
  return Buffer.byteLength(JSON.stringify(report), 'utf8');
}

function ascending(times: readonly number[]): number[] {
  return [...times].sort((a, b) => a - b);
}

/** The newest restart of a record, -Infinity when it has none: the "age" of the record. */
function lastActivity(record: InstanceRestartRecord): number {
  return record.at.length === 0 ? Number.NEGATIVE_INFINITY : Math.max(...record.at);
}

function normalised(report: ComputeReport): ComputeReport {
  const copy: ComputeReport = {
    v: 1,
    host: clip(report.host, MAX_NAME),
    node: clip(report.node, MAX_NAME),
    mode: report.mode,
    phase: report.phase,
    since: report.since,
    detail: clip(report.detail, MAX_DETAIL),
    computeRestarts: ascending(report.computeRestarts),
    instances: report.instances.map((record) => ({
      id: clip(record.id, MAX_ID),
      name: clip(record.name, MAX_NAME),
      at: ascending(record.at),
      gaveUp: record.gaveUp,
      ...(record.lastError !== undefined ? { lastError: clip(record.lastError, MAX_ERROR) } : {}),
    })),
    checkedAt: report.checkedAt,
  };
  if (report.trimmed) copy.trimmed = { ...report.trimmed };
  return copy;
}

/**
 * Drops the oldest restart time that is not the last of its list (each list keeps its newest,
 * so "last restarted at" survives). False when there is none left to drop.
 */
function dropOldestRestartTime(report: ComputeReport): boolean {
  const lists = [report.computeRestarts, ...report.instances.map((record) => record.at)].filter((list) => list.length > 1);
  let oldest: number[] | undefined;
  for (const list of lists) {
    if (oldest === undefined || (list[0] ?? 0) < (oldest[0] ?? 0)) oldest = list;
  }
  if (!oldest) return false;
  oldest.shift();
  return true;
}

function dropOldestInstanceRecord(report: ComputeReport): boolean {
  if (report.instances.length === 0) return false;
  let index = 0;
  report.instances.forEach((record, i) => {
    if (lastActivity(record) < lastActivity(report.instances[index] as InstanceRestartRecord)) index = i;
  });
  report.instances.splice(index, 1);
  return true;
}

const TRIMMED_SUFFIX = / \(report trimmed to \d+ bytes: .* left out\)$/;

function withTrimNote(detail: string, restartTimes: number, instances: number): string {
  const parts = [
    restartTimes > 0 ? `${restartTimes} oldest restart time(s)` : '',
    instances > 0 ? `${instances} oldest instance record(s)` : '',
  ].filter(Boolean);
  const note = parts.length > 0 ? parts.join(' and ') : 'long texts';
  return `${detail.replace(TRIMMED_SUFFIX, '')} (report trimmed to ${COMPUTE_REPORT_MAX_BYTES} bytes: ${note} left out)`;
}

/**
 * Compact JSON of the report, at most COMPUTE_REPORT_MAX_BYTES. Over the cap it drops the
 * oldest restart times (each list keeps its newest), then the oldest instance records, and
 * says so in `detail` and `trimmed`.
 */
export function formatComputeReport(report: ComputeReport): string {
  const base = normalised(report);
  if (bytes(base) <= COMPUTE_REPORT_MAX_BYTES) return JSON.stringify(base);
  let detail = base.detail;
  let restartTimes = report.trimmed?.restartTimes ?? 0;
  let instances = report.trimmed?.instances ?? 0;
  const over = (): boolean => {
    base.trimmed = { restartTimes, instances };
    base.detail = withTrimNote(detail, restartTimes, instances);
    return bytes(base) > COMPUTE_REPORT_MAX_BYTES;
  };
  while (over() && dropOldestRestartTime(base)) restartTimes += 1;
  while (over() && dropOldestInstanceRecord(base)) instances += 1;
  // Pathological texts only (names full of escaped control characters): shorten them too.
  while (over() && base.computeRestarts.length > 0) {
    base.computeRestarts.shift();
    restartTimes += 1;
  }
  while (over() && detail.length > 0) detail = clip(detail, Math.floor(Array.from(detail).length / 2));
  if (over()) {
    base.host = clip(base.host, 64);
    base.node = clip(base.node, 64);
  }
  return JSON.stringify(base);
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function isTimes(value: unknown): value is number[] {
  return Array.isArray(value) && value.every(isTime);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function parseRecord(value: unknown): InstanceRestartRecord | undefined {
  if (!isObject(value)) return undefined;
  const { id, name, at, gaveUp, lastError } = value;
  if (typeof id !== 'string' || typeof name !== 'string' || !isTimes(at) || typeof gaveUp !== 'boolean') return undefined;
  if (lastError !== undefined && typeof lastError !== 'string') return undefined;
  return { id, name, at: ascending(at), gaveUp, ...(lastError !== undefined ? { lastError } : {}) };
}

/** The report in an attribute value; undefined for absent, empty, non-JSON or mistyped values. */
export function parseComputeReport(text: string | undefined): ComputeReport | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(data) || data.v !== 1) return undefined;
  const { host, node, mode, phase, since, detail, computeRestarts, instances, checkedAt, trimmed } = data;
  if (typeof host !== 'string' || typeof node !== 'string' || typeof detail !== 'string') return undefined;
  if (!COMPUTE_MODES.includes(mode as ComputeMode) || !COMPUTE_PHASES.includes(phase as ComputePhase)) return undefined;
  if (!isTime(since) || !isTime(checkedAt) || !isTimes(computeRestarts) || !Array.isArray(instances)) return undefined;
  const records = instances.map(parseRecord);
  if (records.some((record) => record === undefined)) return undefined;
  const report: ComputeReport = {
    v: 1,
    host,
    node,
    mode: mode as ComputeMode,
    phase: phase as ComputePhase,
    since,
    detail,
    computeRestarts: ascending(computeRestarts),
    instances: records as InstanceRestartRecord[],
    checkedAt,
  };
  if (trimmed !== undefined) {
    if (!isObject(trimmed) || !isCount(trimmed.restartTimes) || !isCount(trimmed.instances)) return undefined;
    report.trimmed = { restartTimes: trimmed.restartTimes, instances: trimmed.instances };
  }
  return report;
}
