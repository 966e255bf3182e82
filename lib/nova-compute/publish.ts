/**
 * Publishes what NovaCompute knows (a ComputeReport): the local status file on every call,
 * and the private transient node attribute `nova-ha-compute` whenever something other than
 * the check time changed — so a quiet monitor costs attrd nothing. Best effort: a report that
 * cannot be published is logged at debug level and never fails an action.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { updateAttribute } from '../pacemaker/attrd';
import type { Deadline } from '../runtime/deadline';
import { errorMessage } from '../runtime/errors';
import type { Log } from '../runtime/log';
import {
  COMPUTE_REPORT_ATTRIBUTE,
  formatComputeReport,
  parseComputeReport,
  type ComputeMode,
  type ComputePhase,
  type ComputeReport,
  type InstanceRestartRecord,
} from './report';

const ATTRD_CALL_MS = 5_000;

export interface ReportUpdate {
  readonly phase: ComputePhase;
  readonly detail: string;
  readonly computeRestarts?: readonly number[];
  readonly instances?: readonly InstanceRestartRecord[];
}

export interface Publisher {
  /** The report as last published (from the status file at first). */
  readonly current: ComputeReport | undefined;
  publish(update: ReportUpdate): Promise<void>;
}

function readStatus(path: string): ComputeReport | undefined {
  try {
    return parseComputeReport(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

function withoutCheckTime(report: ComputeReport | undefined): string {
  return report === undefined ? '' : JSON.stringify({ ...report, checkedAt: 0 });
}

export function openPublisher(input: {
  readonly statusPath: string;
  readonly host: string;
  readonly node: string;
  readonly mode: ComputeMode;
  readonly deadline: Deadline;
  readonly log: Log;
  readonly now?: () => number;
}): Publisher {
  const now = input.now ?? Date.now;
  let current = readStatus(input.statusPath);
  return {
    get current() {
      return current;
    },
    async publish(update) {
      const at = now();
      const samePhase = current !== undefined && current.phase === update.phase && current.host === input.host;
      const report: ComputeReport = {
        v: 1,
        host: input.host,
        node: input.node,
        mode: input.mode,
        phase: update.phase,
        since: samePhase && current ? current.since : at,
        detail: update.detail,
        computeRestarts: [...(update.computeRestarts ?? current?.computeRestarts ?? [])],
        instances: (update.instances ?? current?.instances ?? []).map((r) => ({ ...r, at: [...r.at] })),
        checkedAt: at,
      };
      const value = formatComputeReport(report);
      const changed = withoutCheckTime(parseComputeReport(value)) !== withoutCheckTime(current);
      current = parseComputeReport(value);
      try {
        mkdirSync(dirname(input.statusPath), { recursive: true });
        const tmp = `${input.statusPath}.${process.pid}.tmp`;
        writeFileSync(tmp, `${value}\n`, { mode: 0o644 });
        renameSync(tmp, input.statusPath);
      } catch (error) {
        input.log.debug(`status file ${input.statusPath} not written: ${errorMessage(error)}`);
      }
      if (!changed) return;
      try {
        await updateAttribute(COMPUTE_REPORT_ATTRIBUTE, input.node, value, {
          private: true,
          deadline: input.deadline,
          capMs: ATTRD_CALL_MS,
        });
      } catch (error) {
        input.log.debug(`attribute ${COMPUTE_REPORT_ATTRIBUTE} not published: ${errorMessage(error)}`);
      }
    },
  };
}
