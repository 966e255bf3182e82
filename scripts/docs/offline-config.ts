/**
 * Runs an operator page's pcs or crm blocks against a CIB file, never against a cluster: bash
 * functions stand in front of `pcs` and `crm`. `pcs cluster cib FILE` copies the start CIB,
 * `pcs cluster cib-push FILE` keeps FILE as the result, and any other pcs call without `-f`
 * fails. Every `crm` call runs with `CIB_file` set to the result file. The whole script runs
 * under scripts/docs/offline-agents.sh, where this project's agents appear installed, so pcs
 * and crmsh check the parameters against the agents' real meta-data.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const OFFLINE_AGENTS = fileURLToPath(new URL('./offline-agents.sh', import.meta.url));

export interface OfflineConfigRun {
  /** An empty directory of its own: the script's cwd, its files and the agents' stand-ins. */
  workDir: string;
  /** The CIB the page's commands start from (a whole `<cib>` document). */
  startCib: string;
  /** Bash: the site values, then the page's blocks, in order. */
  script: string;
  timeoutMs: number;
}

export interface OfflineConfigResult {
  /** The CIB after the commands (for pcs: the file given to cib-push). */
  cib: string;
  /** What the commands printed, stdout and stderr interleaved. */
  output: string;
}

const PREAMBLE = `set -euo pipefail
START_CIB=$PWD/start.xml
RESULT_CIB=$PWD/result.xml
pcs() {
  case "\${1-} \${2-}" in
    "cluster cib") cp "$START_CIB" "\${3:?pcs cluster cib needs a file}"; return ;;
    "cluster cib-push") cp "\${3:?pcs cluster cib-push needs a file}" "$RESULT_CIB"; return ;;
  esac
  if [[ \${1-} != -f ]]; then
    echo "docs test: 'pcs $*' would change the live cluster (no -f)" >&2
    return 97
  fi
  command pcs "$@"
}
crm() { CIB_file=$RESULT_CIB command crm "$@"; }
`;

export async function runOfflineConfig(run: OfflineConfigRun): Promise<OfflineConfigResult> {
  await mkdir(join(run.workDir, 'agents'), { recursive: true });
  await writeFile(join(run.workDir, 'start.xml'), run.startCib);
  // crm edits the result file in place; pcs replaces it at cib-push.
  await writeFile(join(run.workDir, 'result.xml'), run.startCib);
  await writeFile(join(run.workDir, 'script.sh'), `${PREAMBLE}\n${run.script}\n`);
  const done = await execa(OFFLINE_AGENTS, [join(run.workDir, 'agents'), 'bash', 'script.sh'], {
    cwd: run.workDir,
    stdin: 'ignore',
    all: true,
    reject: false,
    timeout: run.timeoutMs,
    env: { LANG: 'C.UTF-8' },
  });
  const output = done.all ?? '';
  if (done.exitCode !== 0 || done.timedOut) {
    throw new Error(`the commands failed (${done.timedOut ? 'timed out' : `exit ${String(done.exitCode)}`}):\n${output}`);
  }
  return { cib: await readFile(join(run.workDir, 'result.xml'), 'utf8'), output };
}
