/**
 * One doctor line: ✓ ok, ! warning, ✗ failure, - skipped (an earlier failure makes it
 * meaningless). Pure: formatting and the verdict are tested table by table.
 */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  readonly name: string;
  readonly status: CheckStatus;
  /** What was found, in one line. */
  readonly detail: string;
  /** What to do about it (warn/fail), when the detail does not already say it. */
  readonly fix?: string;
  /** How long the check took, when timing it is the point (Keystone). */
  readonly ms?: number;
}

const SYMBOLS: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗', skip: '-' };

export function formatCheck(check: CheckResult, nameWidth: number): string {
  const head = `${SYMBOLS[check.status]} ${check.name.padEnd(nameWidth)}  ${check.detail}`;
  return check.fix ? `${head}\n  ${' '.repeat(nameWidth)}  → ${check.fix}` : head;
}

export function formatChecks(checks: readonly CheckResult[]): string {
  const width = Math.max(0, ...checks.map((check) => check.name.length));
  const counts = { ok: 0, warn: 0, fail: 0, skip: 0 };
  for (const check of checks) counts[check.status] += 1;
  const summary =
    counts.fail > 0
      ? `${counts.fail} check(s) failed, ${counts.warn} warning(s)`
      : counts.warn > 0
        ? `all checks passed, ${counts.warn} warning(s)`
        : 'all checks passed';
  return `${checks.map((check) => formatCheck(check, width)).join('\n')}\n\n${summary}\n`;
}

export function anyFailed(checks: readonly CheckResult[]): boolean {
  return checks.some((check) => check.status === 'fail');
}
