import { DeadlineError } from './errors';

/**
 * The time an action may still use. Pacemaker SIGKILLs the whole process group when the
 * operation timeout expires, so every wait, child process and HTTP call asks the deadline
 * how long it may take, and the action returns with a real answer before the kill.
 */
export class Deadline {
  private constructor(
    private readonly endsAt: number,
    private readonly now: () => number,
  ) {}

  /** A deadline `ms` from now. */
  static in(ms: number, now: () => number = Date.now): Deadline {
    return new Deadline(now() + ms, now);
  }

  static never(now: () => number = Date.now): Deadline {
    return new Deadline(Number.POSITIVE_INFINITY, now);
  }

  /**
   * From Pacemaker's `OCF_RESKEY_CRM_meta_timeout` (milliseconds), keeping a margin so the
   * agent can log, write its exit reason and exit before the kill: 10% of the timeout,
   * at least 1 s and at most 10 s. Without the variable, `fallbackMs` (Pacemaker's default 20 s).
   */
  static fromPacemakerTimeout(
    timeoutMs: string | undefined,
    fallbackMs = 20_000,
    now: () => number = Date.now,
  ): Deadline {
    const parsed = timeoutMs === undefined ? Number.NaN : Number(timeoutMs);
    const total = Number.isFinite(parsed) && parsed > 0 ? parsed : fallbackMs;
    const margin = Math.min(10_000, Math.max(1_000, total * 0.1));
    return new Deadline(now() + Math.max(total - margin, Math.min(total, 500)), now);
  }

  remainingMs(): number {
    return Math.max(0, this.endsAt - this.now());
  }

  expired(): boolean {
    return this.remainingMs() <= 0;
  }

  /** The time one step may take: `capMs`, or less if the deadline is nearer. */
  budget(capMs: number): number {
    return Math.max(0, Math.min(capMs, this.remainingMs()));
  }

  /** A nearer deadline that leaves `marginMs` of this one for whatever follows. */
  withMargin(marginMs: number): Deadline {
    return new Deadline(Math.min(this.endsAt, this.endsAt - marginMs), this.now);
  }

  /** Throws DeadlineError naming what was being waited for. */
  check(what: string): void {
    if (this.expired()) throw new DeadlineError(`timed out ${what}`);
  }

  /** Sleeps `ms`, or until the deadline if that is sooner; never throws. */
  async sleep(ms: number): Promise<void> {
    const wait = this.budget(ms);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
