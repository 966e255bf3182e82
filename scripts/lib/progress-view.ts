/**
 * The demo's live view of a recovery: one row per failed host (its `evacuate` mark, instances
 * evacuated / in flight / pending / failed, a bar). On a terminal it redraws in place about
 * once a second; elsewhere (CI logs) it prints one compact line per refresh instead.
 */
import type { HostProgress } from './recovery';

export interface ViewRow extends HostProgress {
  mark: string;
  segment: string;
}

const BAR = 24;

function bar(row: HostProgress): string {
  if (row.total === 0) return `[${'='.repeat(BAR)}]`;
  const done = Math.round((row.evacuated / row.total) * BAR);
  const moving = Math.min(BAR - done, Math.round((row.inFlight / row.total) * BAR));
  return `[${'#'.repeat(done)}${'>'.repeat(moving)}${'.'.repeat(BAR - done - moving)}]`;
}

export function renderRows(elapsedSec: number, rows: readonly ViewRow[], note: string): string[] {
  const width = Math.max(4, ...rows.map((row) => row.host.length));
  const markWidth = Math.max(4, ...rows.map((row) => (row.mark || '-').length));
  const lines = [`recovery  t+${elapsedSec.toFixed(1)}s  ${note}`];
  for (const row of rows) {
    lines.push(
      `  ${row.host.padEnd(width)}  ${row.segment.padEnd(9)}  mark ${(row.mark || '-').padEnd(markWidth)}  ${bar(row)} ` +
        `${String(row.evacuated).padStart(3)}/${row.total} evacuated  ${String(row.inFlight).padStart(3)} in flight  ` +
        `${String(row.pending).padStart(3)} pending  ${String(row.failed).padStart(3)} failed`,
    );
  }
  return lines;
}

/** One line for logs: `t+3.0s cmp-01 mark=… 5/14 ev 9 fl 0 pe 0 fa | …`. */
export function renderLine(elapsedSec: number, rows: readonly ViewRow[], note: string): string {
  const parts = rows.map(
    (row) => `${row.host} mark=${row.mark || '-'} ${row.evacuated}/${row.total} evacuated, ${row.inFlight} in flight, ${row.pending} pending, ${row.failed} failed`,
  );
  return `t+${elapsedSec.toFixed(1)}s ${parts.join(' | ')}${note ? ` | ${note}` : ''}`;
}

export class ProgressView {
  private drawn = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    readonly live: boolean,
  ) {}

  update(elapsedSec: number, rows: readonly ViewRow[], note = ''): void {
    if (!this.live) {
      this.out.write(`${renderLine(elapsedSec, rows, note)}\n`);
      return;
    }
    const lines = renderRows(elapsedSec, rows, note);
    // Move up over the previous frame and clear each line before writing the new one.
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A`);
    this.out.write(lines.map((line) => `\x1b[2K${line}`).join('\n') + '\n');
    this.drawn = lines.length;
  }

  /** Later output starts below the last frame. */
  finish(): void {
    this.drawn = 0;
  }
}
