/**
 * scripts/install: the layout Pacemaker and the fencer expect, modes that let `nobody`
 * (ocf-tester) and `hacluster` (pacemaker-fenced) run the files, DESTDIR/PREFIX/OCF_ROOT,
 * unbuilt bundles reported, and --uninstall.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repo = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const installScript = join(repo, 'scripts/install');
const BUNDLES = ['NovaEvacuate', 'NovaCompute', 'nova-compute-wait', 'fence_compute', 'nova-ha'] as const;
type Bundle = (typeof BUNDLES)[number];
const OCF_AGENTS: readonly Bundle[] = ['NovaEvacuate', 'NovaCompute', 'nova-compute-wait'];

/** Where each bundle lands under the default prefix. */
const DEFAULT_PATH: Record<Bundle, string> = {
  NovaEvacuate: 'usr/lib/ocf/resource.d/openstack/NovaEvacuate',
  NovaCompute: 'usr/lib/ocf/resource.d/openstack/NovaCompute',
  'nova-compute-wait': 'usr/lib/ocf/resource.d/openstack/nova-compute-wait',
  fence_compute: 'usr/sbin/fence_compute',
  'nova-ha': 'usr/bin/nova-ha',
};

const scratch: string[] = [];
afterAll(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A temporary directory `nobody` can traverse (mkdtemp makes 0700). */
function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `nova-ha-${label}-`));
  chmodSync(dir, 0o755);
  scratch.push(dir);
  return dir;
}

function run(file: string, args: string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  // Only the variables the script reads are set, so an OCF_ROOT inherited from a shell cannot leak in.
  const { DESTDIR, PREFIX, OCF_ROOT, SBINDIR, BINDIR, DATADIR, ...base } = process.env;
  return spawnSync(file, args, { env: { ...base, ...env }, encoding: 'utf8', timeout: 60_000 });
}

/** Every path under `root` with its permission bits, as `755 d usr/bin` / `755 f usr/bin/nova-ha`. */
function tree(root: string): string[] {
  const found = spawnSync('find', [root, '-mindepth', '1', '-printf', '%m %y %P\n'], { encoding: 'utf8', timeout: 10_000 });
  return found.stdout.trim().split('\n').filter(Boolean).sort();
}

/** A dist/ with a tiny stand-in for each bundle named, each one identifiable by its name. */
function fakeDist(names: readonly Bundle[]): string {
  const dist = tempDir('dist');
  for (const name of names) {
    writeFileSync(join(dist, name), `#!/usr/bin/env node\nconsole.log(${JSON.stringify(name)});\n`, { mode: 0o600 });
  }
  return dist;
}

function dirsOf(paths: string[]): string[] {
  const dirs = new Set<string>();
  for (const path of paths) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i += 1) dirs.add(parts.slice(0, i).join('/'));
  }
  return [...dirs];
}

describe('scripts/install with every bundle built', () => {
  const noMetadata = tempDir('nometa');

  test('gives the exact layout, 0755 files under 0755 directories, and says what it installed', () => {
    const dest = tempDir('dest');
    const result = run(installScript, ['--destdir', dest, '--dist', fakeDist(BUNDLES), '--metadata', noMetadata, '--no-build']);
    expect(result.status).toBe(0);
    const files = BUNDLES.map((name) => DEFAULT_PATH[name]);
    const expected = [...dirsOf(files).map((dir) => `755 d ${dir}`), ...files.map((file) => `755 f ${file}`)].sort();
    expect(tree(dest)).toEqual(expected);
    for (const file of files) expect(result.stdout).toContain(`installed ${dest}/${file}`);
    expect(readFileSync(join(dest, DEFAULT_PATH.fence_compute), 'utf8')).toContain('"fence_compute"');
  });

  test('honours PREFIX, OCF_ROOT, SBINDIR and BINDIR from the environment', () => {
    const dest = tempDir('dest');
    const result = run(installScript, ['--dist', fakeDist(BUNDLES), '--metadata', noMetadata, '--no-build'], {
      DESTDIR: dest,
      PREFIX: '/opt/nha',
      OCF_ROOT: '/usr/lib/ocf',
      SBINDIR: '/usr/sbin',
    });
    expect(result.status).toBe(0);
    const files = tree(dest).filter((line) => line.includes(' f ')).map((line) => line.slice(6));
    expect(files.sort()).toEqual(
      [
        'usr/lib/ocf/resource.d/openstack/NovaEvacuate',
        'usr/lib/ocf/resource.d/openstack/NovaCompute',
        'usr/lib/ocf/resource.d/openstack/nova-compute-wait',
        'usr/sbin/fence_compute',
        'opt/nha/bin/nova-ha',
      ].sort(),
    );
  });

  test('installs the meta-data XML of the installed CLIs read-only under share/nova-ha-agents/metadata', () => {
    const dest = tempDir('dest');
    const metadata = tempDir('meta');
    writeFileSync(join(metadata, 'NovaCompute.xml'), '<?xml version="1.0"?>\n<resource-agent name="NovaCompute"/>\n');
    writeFileSync(join(metadata, 'NovaEvacuate.xml'), '<?xml version="1.0"?>\n<resource-agent name="NovaEvacuate"/>\n');
    const dist = fakeDist(BUNDLES.filter((name) => name !== 'NovaEvacuate'));
    const result = run(installScript, ['--destdir', dest, '--dist', dist, '--metadata', metadata, '--no-build', '--allow-missing']);
    expect(result.status).toBe(0);
    const metadataTree = tree(dest).filter((line) => line.includes('nova-ha-agents'));
    expect(metadataTree).toEqual([
      '644 f usr/share/nova-ha-agents/metadata/NovaCompute.xml',
      '755 d usr/share/nova-ha-agents',
      '755 d usr/share/nova-ha-agents/metadata',
    ]);
  });

  test('--rpm-filelist lists the files and the directories the package owns', () => {
    const dest = tempDir('dest');
    const metadata = tempDir('meta');
    writeFileSync(join(metadata, 'fence_compute.xml'), '<resource-agent name="fence_compute"/>\n');
    const list = join(tempDir('list'), 'files.list');
    const result = run(installScript, [
      '--destdir', dest, '--dist', fakeDist(BUNDLES), '--metadata', metadata, '--no-build', '--rpm-filelist', list,
    ]);
    expect(result.status).toBe(0);
    expect(readFileSync(list, 'utf8').trim().split('\n').sort()).toEqual(
      [
        '%dir /usr/lib/ocf/resource.d/openstack',
        '%dir /usr/share/nova-ha-agents',
        '%dir /usr/share/nova-ha-agents/metadata',
        ...BUNDLES.map((name) => `/${DEFAULT_PATH[name]}`),
        '/usr/share/nova-ha-agents/metadata/fence_compute.xml',
      ].sort(),
    );
  });

  test('--uninstall removes the files and the directories only this package owns', () => {
    const dest = tempDir('dest');
    const metadata = tempDir('meta');
    writeFileSync(join(metadata, 'NovaEvacuate.xml'), '<resource-agent name="NovaEvacuate"/>\n');
    // Another package's agent in the shared OCF tree must survive.
    mkdirSync(join(dest, 'usr/lib/ocf/resource.d/heartbeat'), { recursive: true });
    writeFileSync(join(dest, 'usr/lib/ocf/resource.d/heartbeat/Dummy'), '#!/bin/sh\n');
    const args = ['--destdir', dest, '--dist', fakeDist(BUNDLES), '--metadata', metadata, '--no-build'];
    expect(run(installScript, args).status).toBe(0);
    const removal = run(installScript, [...args, '--uninstall']);
    expect(removal.status).toBe(0);
    expect(removal.stdout).toContain(`removed ${dest}/${DEFAULT_PATH.fence_compute}`);
    const left = tree(dest);
    expect(left.filter((line) => line.includes(' f '))).toEqual(['644 f usr/lib/ocf/resource.d/heartbeat/Dummy']);
    expect(left.some((line) => line.endsWith('openstack') || line.includes('nova-ha-agents'))).toBe(false);
  });
});

describe('scripts/install when some bundles are not built', () => {
  const built: Bundle[] = ['fence_compute', 'nova-ha'];
  const noMetadata = tempDir('nometa');

  test('fails, naming the missing bundles, and installs nothing', () => {
    const dest = tempDir('dest');
    const result = run(installScript, ['--destdir', dest, '--dist', fakeDist(built), '--metadata', noMetadata, '--no-build']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/not built: NovaEvacuate NovaCompute nova-compute-wait\b/);
    expect(result.stderr).toContain('--allow-missing');
    expect(tree(dest)).toEqual([]);
  });

  test('with --allow-missing installs what exists and still reports the rest', () => {
    const dest = tempDir('dest');
    const result = run(installScript, [
      '--destdir', dest, '--dist', fakeDist(built), '--metadata', noMetadata, '--no-build', '--allow-missing',
    ]);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/not installed: NovaEvacuate NovaCompute nova-compute-wait\b/);
    expect(tree(dest).filter((line) => line.includes(' f ')).map((line) => line.slice(6)).sort()).toEqual(
      built.map((name) => DEFAULT_PATH[name]).sort(),
    );
  });

  test('rejects an unknown option', () => {
    const result = run(installScript, ['--destdir']);
    expect(result.status).not.toBe(0);
    expect(run(installScript, ['--frobnicate']).stderr).toContain("unknown option '--frobnicate'");
  });
});

// The real bundles, installed the way a package would, run by the users Pacemaker runs them as.
const realDist = join(repo, 'dist');
function ensureBuilt(): void {
  const stale = BUNDLES.some((name) => existsSync(join(repo, 'agents', `${name}.ts`)) && !existsSync(join(realDist, name)));
  if (!stale) return;
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: repo, encoding: 'utf8', timeout: 180_000 });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stderr}`);
}
ensureBuilt();
const builtNow = BUNDLES.filter((name) => existsSync(join(realDist, name)));
const asRoot = process.getuid?.() === 0;

describe('the real bundles installed into a DESTDIR', () => {
  const dest = tempDir('real');
  beforeAll(() => {
    const result = run(installScript, ['--destdir', dest, '--allow-missing', '--no-build']);
    if (result.status !== 0) throw new Error(`scripts/install failed:\n${result.stderr}`);
  });

  test('land at their paths, byte for byte, mode 0755', () => {
    for (const name of builtNow) {
      const installed = join(dest, DEFAULT_PATH[name]);
      expect(tree(dest)).toContain(`755 f ${DEFAULT_PATH[name]}`);
      expect(readFileSync(installed).equals(readFileSync(join(realDist, name)))).toBe(true);
    }
  });

  const suOk = asRoot && existsSync('/usr/bin/su');
  function runAs(user: string, command: string): SpawnSyncReturns<string> {
    return spawnSync('su', [user, '-s', '/bin/sh', '-c', command], { encoding: 'utf8', timeout: 30_000 });
  }

  for (const name of BUNDLES) {
    const ready = suOk && builtNow.includes(name);
    const when = builtNow.includes(name) ? '' : ' (n/a: not built yet)';
    if (OCF_AGENTS.includes(name)) {
      (ready ? test : test.skip)(`${name} meta-data runs as nobody, as ocf-tester checks${when}`, () => {
        const result = runAs('nobody', `'${join(dest, DEFAULT_PATH[name])}' meta-data`);
        expect(result.stderr).toBe('');
        expect(result.status).toBe(0);
        expect(result.stdout).toContain(`<resource-agent name="${name}"`);
      });
    } else if (name === 'fence_compute') {
      for (const user of ['nobody', 'hacluster']) {
        const userExists = spawnSync('getent', ['passwd', user], { timeout: 5_000 }).status === 0;
        (ready && userExists ? test : test.skip)(`fence_compute -o metadata runs as ${user}${when}`, () => {
          const result = runAs(user, `'${join(dest, DEFAULT_PATH[name])}' -o metadata`);
          expect(result.status).toBe(0);
          expect(result.stdout).toContain('<resource-agent name="fence_compute"');
        });
      }
    } else {
      (ready ? test : test.skip)(`${name} is readable and executable by nobody${when}`, () => {
        const path = join(dest, DEFAULT_PATH[name]);
        expect(runAs('nobody', `test -r '${path}' && test -x '${path}'`).status).toBe(0);
      });
    }
  }
});
