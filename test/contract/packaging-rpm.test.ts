/**
 * The noarch RPM, built with rpmbuild (Debian's rpm package) by scripts/build-rpm from the
 * bundles in dist/: its file list, modes and owners, contents, and its requirement on Node 20.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repo = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const dist = join(repo, 'dist');
const BUNDLE_PATHS: Record<string, string> = {
  NovaEvacuate: '/usr/lib/ocf/resource.d/openstack/NovaEvacuate',
  NovaCompute: '/usr/lib/ocf/resource.d/openstack/NovaCompute',
  'nova-compute-wait': '/usr/lib/ocf/resource.d/openstack/nova-compute-wait',
  fence_compute: '/usr/sbin/fence_compute',
  'nova-ha': '/usr/bin/nova-ha',
};
const haveRpmbuild = spawnSync('rpmbuild', ['--version'], { timeout: 10_000 }).status === 0;

function query(rpmFile: string, format: string): string[] {
  const result = spawnSync('rpm', ['-qp', '--queryformat', format, rpmFile], { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) throw new Error(`rpm -qp failed: ${result.stderr}`);
  return result.stdout.split('\n').filter(Boolean);
}

(haveRpmbuild ? describe : describe.skip)('nova-ha-agents.noarch.rpm', () => {
  const out = mkdtempSync(join(tmpdir(), 'nova-ha-rpm-out-'));
  chmodSync(out, 0o755);
  let rpmFile = '';
  let buildLog = '';
  const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
  const built = Object.keys(BUNDLE_PATHS).filter((name) => existsSync(join(dist, name)));
  const metadataXml = existsSync(join(repo, 'metadata'))
    ? readdirSync(join(repo, 'metadata')).filter((file) => built.some((name) => file === `${name}.xml`))
    : [];

  beforeAll(() => {
    // Builds dist/ first (npm run build), then the RPM from it.
    const result = spawnSync(join(repo, 'scripts/build-rpm'), ['--allow-missing', '--out', out], {
      encoding: 'utf8',
      timeout: 240_000,
    });
    buildLog = result.stderr;
    if (result.status !== 0) throw new Error(`scripts/build-rpm failed:\n${result.stderr}`);
    rpmFile = result.stdout.trim().split('\n').pop() ?? '';
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test('is printed by scripts/build-rpm as a noarch package of the package.json version', () => {
    expect(rpmFile).toBe(join(out, `nova-ha-agents-${version}-1.noarch.rpm`));
    expect(existsSync(rpmFile)).toBe(true);
    expect(query(rpmFile, '%{NAME} %{VERSION} %{ARCH} %{LICENSE}\n')).toEqual([`nova-ha-agents ${version} noarch Apache-2.0`]);
  });

  test('holds exactly the built CLIs, the meta-data, the licence and the README, owned by root', () => {
    const files = query(rpmFile, '[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES}\n]');
    const ofInterest = files.filter((line) => !line.includes('/usr/share/doc/') && !line.includes('/usr/share/licenses/'));
    const ocfAgents = built.filter((name) => BUNDLE_PATHS[name]?.includes('/ocf/'));
    const expected = [
      ...built.map((name) => `-rwxr-xr-x root:root ${BUNDLE_PATHS[name]}`),
      ...(ocfAgents.length ? ['drwxr-xr-x root:root /usr/lib/ocf/resource.d/openstack'] : []),
      ...(metadataXml.length
        ? [
            'drwxr-xr-x root:root /usr/share/nova-ha-agents',
            'drwxr-xr-x root:root /usr/share/nova-ha-agents/metadata',
            ...metadataXml.map((xml) => `-rw-r--r-- root:root /usr/share/nova-ha-agents/metadata/${xml}`),
          ]
        : []),
    ];
    expect(ofInterest.sort()).toEqual(expected.sort());
    expect(files.some((line) => /^-rw-r--r-- root:root \/usr\/share\/licenses\/.*\/LICENSE$/.test(line))).toBe(true);
    expect(files.some((line) => /^-rw-r--r-- root:root \/usr\/share\/doc\/.*\/README\.md$/.test(line))).toBe(true);
  });

  test('carries the bundles byte for byte', () => {
    const digests = new Map(
      query(rpmFile, '[%{FILEDIGESTS} %{FILENAMES}\n]').map((line) => {
        const [digest = '', path = ''] = line.split(' ');
        return [path, digest] as const;
      }),
    );
    for (const name of built) {
      const sha256 = createHash('sha256').update(readFileSync(join(dist, name))).digest('hex');
      expect(digests.get(BUNDLE_PATHS[name] ?? '')).toBe(sha256);
    }
  });

  test('requires Node 20 and nothing the bundles do not need', () => {
    const requires = query(rpmFile, '[%{REQUIRENAME} %{REQUIREFLAGS:depflags} %{REQUIREVERSION}\n]').map((line) => line.trim());
    expect(requires).toContain('nodejs >= 20');
    expect(requires.filter((line) => !line.startsWith('rpmlib('))).toEqual(['nodejs >= 20']);
  });

  test('installs with rpm into a scratch root, where the agents answer meta-data as nobody', () => {
    const root = join(out, 'root');
    const rpm = (args: string[]) => spawnSync('rpm', ['--root', root, ...args], { encoding: 'utf8', timeout: 60_000 });
    expect(rpm(['--initdb']).status).toBe(0);
    // --nodeps: nodejs comes from dpkg here, which the rpm database does not know.
    const install = rpm(['-i', '--nodeps', '--noscripts', rpmFile]);
    expect(install.status).toBe(0);
    expect(rpm(['-q', 'nova-ha-agents']).stdout.trim()).toBe(`nova-ha-agents-${version}-1.noarch`);
    expect(rpm(['-V', '--nodeps', 'nova-ha-agents']).status).toBe(0); // sizes, digests, modes as packaged
    if (process.getuid?.() !== 0) return;
    for (const name of built.filter((n) => n !== 'nova-ha')) {
      const path = join(root, BUNDLE_PATHS[name] ?? '');
      const action = name === 'fence_compute' ? '-o metadata' : 'meta-data';
      const result = spawnSync('su', ['nobody', '-s', '/bin/sh', '-c', `'${path}' ${action}`], { encoding: 'utf8', timeout: 30_000 });
      expect(result.status).toBe(0);
      expect(result.stdout).toContain(`<resource-agent name="${name}"`);
    }
  });

  test('reports the CLIs that are not built yet', () => {
    const missing = Object.keys(BUNDLE_PATHS).filter((name) => !built.includes(name));
    if (missing.length) expect(buildLog).toContain(`not built, not installed: ${missing.join(' ')}`);
    else expect(buildLog).not.toContain('not built');
  });
});
