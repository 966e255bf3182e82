/**
 * Runs the BUILT dist/nova-ha as operators do, against the simulated cloud, with the project's
 * stand-in attrd_updater/crm_attribute (test/standins, state in a JSON file), a crm_mon that
 * prints a file (a quiet cluster by default, see setCrmMon) and a trivial stonith_admin first
 * on PATH; /usr/sbin is left out so no real cluster is reached.
 */
import { spawn, spawnSync } from 'node:child_process';
import { capture } from '../../helpers/capture';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRM_MON_NO_FENCING_XML } from '../../fixtures/crm-mon-fencing';

export const REPO = fileURLToPath(new URL('../../..', import.meta.url));
export const BUILT = join(REPO, 'dist', 'nova-ha');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Builds dist/ when the CLI is missing or still the placeholder. */
export function ensureBuilt(): void {
  if (existsSync(BUILT) && !readFileSync(BUILT, 'utf8').includes('nothing here yet')) return;
  const build = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'scripts/build.ts')], { cwd: REPO, timeout: 120_000 });
  if (build.status !== 0) throw new Error(`build failed: ${String(build.stderr)}`);
}

export class CliHarness {
  readonly work = mkdtempSync(join(tmpdir(), 'nova-ha-cli-'));
  readonly bin = join(this.work, 'bin');
  readonly attrs = join(this.work, 'attrs.json');
  readonly statusFile = join(this.work, 'status.json');
  readonly crmMonXml = join(this.work, 'crm_mon.xml');

  constructor() {
    mkdirSync(this.bin);
    writeFileSync(join(this.bin, 'stonith_admin'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    this.setCrmMon(CRM_MON_NO_FENCING_XML);
    writeFileSync(join(this.bin, 'crm_mon'), `#!/bin/sh\ncat '${this.crmMonXml}'\n`, { mode: 0o755 });
    // cibadmin --query --xpath: the CIB fragment in $NOVA_HA_TEST_CIB, else "no such object" (105).
    writeFileSync(
      join(this.bin, 'cibadmin'),
      '#!/bin/sh\nif [ -n "$NOVA_HA_TEST_CIB" ]; then cat "$NOVA_HA_TEST_CIB"; exit 0; fi\n' +
        'echo "Error performing operation: No such device or address" >&2\nexit 105\n',
      { mode: 0o755 },
    );
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      PATH: `${this.bin}:${join(REPO, 'test', 'standins')}:/usr/bin:/bin`,
      HOME: this.work,
      LANG: 'C',
      NOVA_HA_STANDIN_ATTRS: this.attrs,
      NOVA_HA_STANDIN_NODE_BIN: process.execPath,
      NOVA_HA_STATUS_FILE: this.statusFile,
      ...extra,
    };
  }

  run(args: readonly string[], extraEnv: Record<string, string> = {}): Promise<CliRun> {
    const child = spawn(process.execPath, [BUILT, ...args], { env: this.env(extraEnv), stdio: ['ignore', 'pipe', 'pipe'] });
    return capture(child, 50_000);
  }

  /** The stand-ins' JSON store. */
  store(): { attrd: Record<string, Record<string, string>>; attrdPrivate: Record<string, boolean>; crm_config: Record<string, string> } {
    return existsSync(this.attrs)
      ? (JSON.parse(readFileSync(this.attrs, 'utf8')) as ReturnType<CliHarness['store']>)
      : { attrd: {}, attrdPrivate: {}, crm_config: {} };
  }

  setMarks(marks: Record<string, string>): void {
    this.setAttrd({ evacuate: marks });
  }

  /** Replaces these private attrd attributes (name → node → value), keeping the others. */
  setAttrd(attributes: Record<string, Record<string, string>>): void {
    const store = this.store();
    const privacy = Object.fromEntries(Object.keys(attributes).map((name) => [name, true]));
    const next = { nodes: {}, ...store, attrd: { ...store.attrd, ...attributes }, attrdPrivate: { ...store.attrdPrivate, ...privacy } };
    writeFileSync(this.attrs, JSON.stringify(next));
  }

  /** What `crm_mon -1 --output-as=xml` prints from now on. */
  setCrmMon(xml: string): void {
    writeFileSync(this.crmMonXml, xml);
  }

  cleanup(): void {
    rmSync(this.work, { recursive: true, force: true });
  }
}
