/**
 * Failed fencing as text: the "Fencing failed" section of `nova-ha status` (file and --live),
 * the `fencing` line of `explain` and the doctor's check. Pure: same view and clock, same lines.
 */
import type { CheckResult } from './checks';
import { clockTime } from './computes-format';
import type { FencingFailure, FencingView } from './fencing';

const NODE_STATE: Record<FencingFailure['nodeState'], string> = {
  unclean: 'crm_mon shows it unclean (lost and not fenced)',
  offline: 'crm_mon shows it offline',
  online: 'crm_mon shows it online and clean',
  'not listed': 'crm_mon does not list it',
};

export const NOTHING_EVACUATED = 'nothing is evacuated from it until fencing succeeds';

function when(failure: FencingFailure, now: number): string {
  const { firstFailedAt: first, lastFailedAt: last } = failure;
  if (last === null) return '';
  if (first === null || first === last) return ` at ${clockTime(last, now)}`;
  return ` from ${clockTime(first, now)} to ${clockTime(last, now)}`;
}

/** "FAILED 3 time(s) from … to … (off by ctl1, no exit reason given); …; Pacemaker is trying again" */
export function failedSentence(failure: FencingFailure, now: number): string {
  const by = failure.delegate ? ` by ${failure.delegate}` : '';
  const reason = failure.exitReason ? `exit reason: ${failure.exitReason}` : 'no exit reason given';
  const retry = failure.retrying ? '; Pacemaker is trying again now' : '';
  const since = failure.lastSucceededAt === null ? '' : `, after the success at ${clockTime(failure.lastSucceededAt, now)}`;
  return (
    `FAILED ${failure.attempts} time(s)${when(failure, now)}${since} (${failure.action}${by}, ${reason}); ` +
    `${NODE_STATE[failure.nodeState]}${retry}`
  );
}

export function fencingSentence(failure: FencingFailure, now: number): string {
  return `fencing ${failedSentence(failure, now)}`;
}

/** The "Fencing failed" section without a trailing newline; '' when there is nothing to say. */
export function formatFencing(view: FencingView, now: number): string {
  if (view.failures.length === 0 && view.notes.length === 0) return '';
  const lines: string[] = [];
  if (view.failures.length > 0) {
    lines.push(`Fencing failed (crm_mon's fencing history): ${NOTHING_EVACUATED} — check its fence devices:`);
    for (const failure of view.failures) {
      lines.push(`  ${failure.node}: ${fencingSentence(failure, now)}`);
      lines.push(`  ${' '.repeat(failure.node.length)}  see \`stonith_admin --history ${failure.node} --verbose\``);
    }
  }
  for (const note of view.notes) lines.push(`note:    ${note}`);
  return lines.join('\n');
}

/** The doctor's line: a failure is a failed check (no evacuation can happen for that node). */
export function fencingCheck(view: FencingView, now: number): CheckResult {
  if (view.failures.length > 0) {
    return {
      name: 'fencing',
      status: 'fail',
      detail: view.failures.map((failure) => `${failure.node}: ${fencingSentence(failure, now)}`).join('; '),
      fix: `${NOTHING_EVACUATED}: repair the power fence device (stonith_admin --history NODE --verbose), then Pacemaker fences it`,
    };
  }
  if (view.notes.length > 0) return { name: 'fencing', status: 'skip', detail: `skipped: ${view.notes.join('; ')}` };
  return { name: 'fencing', status: 'ok', detail: 'no failed fencing in crm_mon\'s fencing history' };
}
