/**
 * Stand-in Pacemaker tools for unit tests: small shell scripts in a temp dir put first on PATH.
 * Each prints a canned stdout/stderr, exits with a chosen code, and records its argv and
 * environment so a test can see exactly how it was called. The real tools live in /usr/sbin,
 * which the stand-in PATH leaves out, so a test never reaches a real cluster by accident.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CannedRun {
  stdout?: string;
  stderr?: string;
  exitCode?: number;
}

export class StandIns {
  readonly dir = mkdtempSync(join(tmpdir(), 'pcmk-stand-ins-'));
  /** PATH for the wrappers: stand-ins first, then only what /bin/sh scripts need. */
  readonly path = `${this.dir}:/usr/bin:/bin`;

  /** An environment to hand the wrappers (`env` option), plus any extra variables. */
  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { PATH: this.path, LANG: 'C', ...extra };
  }

  /**
   * `tool` prints the runs in order, one per call; the last one repeats. Each call appends its
   * argv (one line, arguments separated by a tab) to `<tool>.argv` and writes its env to `<tool>.env`.
   */
  define(tool: string, ...runs: CannedRun[]): void {
    runs.forEach((run, index) => {
      writeFileSync(join(this.dir, `${tool}.${index}.out`), run.stdout ?? '');
      writeFileSync(join(this.dir, `${tool}.${index}.err`), run.stderr ?? '');
      writeFileSync(join(this.dir, `${tool}.${index}.rc`), String(run.exitCode ?? 0));
    });
    rmSync(join(this.dir, `${tool}.calls`), { force: true });
    rmSync(join(this.dir, `${tool}.argv`), { force: true });
    const last = runs.length - 1;
    this.script(
      tool,
      [
        `d='${this.dir}'`,
        `n=$(cat "$d/${tool}.calls" 2>/dev/null || echo 0)`,
        `echo $((n + 1)) > "$d/${tool}.calls"`,
        `[ "$n" -gt ${last} ] && n=${last}`,
        `(IFS='\t'; printf '%s\\n' "$*") >> "$d/${tool}.argv"`,
        `env > "$d/${tool}.env"`,
        `cat "$d/${tool}.$n.out"`,
        `cat "$d/${tool}.$n.err" >&2`,
        `exit $(cat "$d/${tool}.$n.rc")`,
      ].join('\n'),
    );
  }

  /** A stand-in with a hand-written body. */
  script(tool: string, body: string): void {
    const file = join(this.dir, tool);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
  }

  /** Every call's argv so far, oldest first. */
  calls(tool: string): string[][] {
    const file = join(this.dir, `${tool}.argv`);
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.split('\t'));
  }

  /** The environment the last call saw. */
  lastEnv(tool: string): Map<string, string> {
    const lines = readFileSync(join(this.dir, `${tool}.env`), 'utf8').split('\n');
    return new Map(
      lines.filter((line) => line.includes('=')).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
