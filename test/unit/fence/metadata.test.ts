import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { renderMetadata } from '../../../lib/fence/metadata';
import { renderManpage } from '../../../lib/fence/docs';
import { newDevice, testAgent } from './test-agent';

const SCHEMA = '/usr/share/cluster/relaxng/metadata.rng';

function xmllint(xml: string): { status: number | null; stderr: string } {
  const result = spawnSync('xmllint', ['--noout', '--relaxng', SCHEMA, '-'], { input: xml, encoding: 'utf8', timeout: 10_000 });
  return { status: result.status, stderr: result.stderr };
}

describe('fence metadata', () => {
  const power = renderMetadata(testAgent(newDevice()));
  const fabric = renderMetadata(testAgent(newDevice(), { fabricFencing: true }));

  it.each([
    ['power agent', power],
    ['fabric agent', fabric],
  ])('%s metadata is valid against fence-agents schema', (_label, xml) => {
    expect(existsSync(SCHEMA)).toBe(true);
    expect(xmllint(xml)).toEqual({ status: 0, stderr: '- validates\n' });
  });

  it('the schema really checks: a parameter without getopt is rejected', () => {
    const broken = power.replace(/\t\t<getopt mixed="--insecure" \/>\n/, '');
    expect(broken).not.toBe(power);
    expect(xmllint(broken).status).not.toBe(0);
  });

  it('lists each option under its current and its old name', () => {
    expect(power).toContain('<parameter name="plug" unique="0" required="1" obsoletes="port">');
    expect(power).toContain('<parameter name="port" unique="0" required="1" deprecated="1">');
    expect(power).toContain('<parameter name="username" unique="0" required="0" obsoletes="login">');
    expect(power).toContain('<parameter name="passwd" unique="0" required="0" deprecated="1">');
    expect(power).toContain('<parameter name="project_domain" unique="0" required="0" obsoletes="project-domain">');
    expect(power).toContain('<parameter name="project-domain" unique="0" required="0" deprecated="1">');
    // Aliases are accepted on input but not advertised.
    expect(power).not.toContain('api_token');
  });

  it('types content, getopt lines, defaults and select options', () => {
    expect(power).toContain('<getopt mixed="-k, --auth-url=[url]" />');
    expect(power).toContain('<getopt mixed="--insecure" />\n\t\t<content type="boolean" />');
    expect(power).toContain('<content type="integer" default="3" />');
    expect(power).toContain('<content type="second" default="2" />'); // power_timeout, agent default
    expect(power).toMatch(/<content type="select" default="internalURL" >\n\t\t\t<option value="publicURL" \/>/);
    expect(power).toContain('<content type="string" default="reboot" />');
    expect(fabric).toContain('<content type="string" default="off" />');
  });

  it('escapes text', () => {
    expect(power).toContain('shortdesc="Test device &lt;in memory&gt;"');
    expect(power).toContain('<longdesc>Switches plugs held in memory &amp; reports them.</longdesc>');
  });

  it('lists actions: power agents reboot, fabric agents unfence automatically and never reboot', () => {
    const actions = (xml: string) => [...xml.matchAll(/<action name="([^"]+)"/g)].map((m) => m[1]);
    expect(actions(power)).toEqual(['on', 'off', 'reboot', 'status', 'list', 'list-status', 'monitor', 'metadata', 'manpage', 'validate-all']);
    expect(power).toContain('<action name="on" automatic="0"/>');
    expect(actions(fabric)).toEqual(['on', 'off', 'status', 'list', 'list-status', 'monitor', 'metadata', 'manpage', 'validate-all']);
    expect(fabric).toContain('<action name="on" automatic="1"/>');
  });

  it('orders parameters as the classic library does: by order, then by name', () => {
    const names = [...power.matchAll(/<parameter name="([^"]+)"/g)].map((m) => m[1] as string);
    expect(names.indexOf('action')).toBeLessThan(names.indexOf('auth_url'));
    expect(names.indexOf('auth_url')).toBeLessThan(names.indexOf('plug'));
    expect(names.indexOf('plug')).toBeLessThan(names.indexOf('quiet'));
    expect(names.indexOf('quiet')).toBeLessThan(names.indexOf('verbose'));
    expect(names.at(-1)).toBe('retry_on');
    expect(new Set(names).size).toBe(names.length);
  });

  it('renders a manpage man can format', () => {
    const page = renderManpage(testAgent(newDevice()));
    expect(page).toMatch(/^\.TH FENCE_TEST 8/);
    expect(page).toContain('\\-k, \\-\\-auth\\-url=[url]');
    const man = spawnSync('man', ['-l', '-'], { input: page, encoding: 'utf8', timeout: 10_000, env: { ...process.env, MANWIDTH: '100', MANPAGER: 'cat', PAGER: 'cat' } });
    if (man.error === undefined) expect(man.stdout).toContain('auth-url');
  });
});

describe('typed options', () => {
  it('handlers see option values typed from the declaration', () => {
    const agent = testAgent(newDevice());
    type Handlers = Exclude<typeof agent.handlers, () => unknown>;
    const check: Parameters<Handlers['getStatus']>[0]['options'] extends { retries: number; insecure: boolean; tenant_name: string | undefined }
      ? true
      : false = true;
    expect(check).toBe(true);
    const probe = (options: Parameters<Handlers['getStatus']>[0]['options']) =>
      // @ts-expect-error a misspelt option does not compile
      options.tenantname;
    expect(typeof probe).toBe('function');
  });
});
