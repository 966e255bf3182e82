import { spawnSync } from 'node:child_process';
import { defineAgent, notImplemented, renderMetadata } from '../../../lib/ocf';

const agent = defineAgent({
  name: 'Sample',
  version: '2.3',
  shortdesc: 'A <sample> & "quoted" agent',
  longdesc: 'Line one.\nLine two with <tags> & ampersands.',
  parameters: {
    zeta: { type: 'string', required: true, unique: true, shortdesc: 'Zeta', longdesc: 'First declared, listed first.' },
    alpha: { type: 'integer', default: 120, shortdesc: 'Alpha', longdesc: 'Delay in seconds.' },
    flag: { type: 'boolean', default: false, shortdesc: 'Flag', longdesc: 'A boolean.' },
    quoted: { type: 'string', default: 'a"b<c>&d', shortdesc: 'Quoted default', longdesc: 'Escaping in attributes.' },
    secret: { type: 'string', secret: true, shortdesc: 'Secret', longdesc: 'No default.' },
  },
  actions: {
    'meta-data': { timeout: 5 },
    'validate-all': { timeout: 20, handler: async () => 'success' },
    monitor: { timeout: 600, interval: 10, depth: 0, handler: notImplemented('later') },
    stop: { timeout: 20, handler: notImplemented('later') },
    start: { timeout: 20, handler: notImplemented('later') },
  },
});

const xml = renderMetadata(agent);

function xmllint(args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync('xmllint', ['--noout', ...args, '-'], {
    input: xml,
    encoding: 'utf8',
    cwd: '/usr/share/resource-agents',
    timeout: 20_000,
  });
  return { status: result.status, stderr: result.stderr };
}

test('header, OCF version and agent version', () => {
  expect(xml.split('\n').slice(0, 4)).toEqual([
    '<?xml version="1.0"?>',
    '<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">',
    '<resource-agent name="Sample" version="2.3">',
    '<version>1.1</version>',
  ]);
});

test('longdesc before shortdesc, both lang="en" and escaped', () => {
  const longAt = xml.indexOf('<longdesc lang="en">\nLine one.\nLine two with &lt;tags&gt; &amp; ampersands.\n</longdesc>');
  const shortAt = xml.indexOf('<shortdesc lang="en">A &lt;sample&gt; &amp; "quoted" agent</shortdesc>');
  expect(longAt).toBeGreaterThan(0);
  expect(shortAt).toBeGreaterThan(longAt);
});

test('parameters in declaration order with name/unique/required and typed content', () => {
  const names = [...xml.matchAll(/<parameter name="([^"]+)"/g)].map((match) => match[1]);
  expect(names).toEqual(['zeta', 'alpha', 'flag', 'quoted', 'secret']);
  expect(xml).toContain('<parameter name="zeta" unique="1" required="1">');
  expect(xml).toContain('<parameter name="alpha" unique="0" required="0">');
  expect(xml).toContain('<content type="integer" default="120" />');
  expect(xml).toContain('<content type="boolean" default="false" />');
  expect(xml).toContain('<content type="string" default="a&quot;b&lt;c&gt;&amp;d" />');
  expect(xml).toMatch(/<shortdesc lang="en">Secret<\/shortdesc>\n<content type="string" \/>/);
});

test('actions in a stable order whatever the declaration order, with timeouts, interval and depth', () => {
  const actions = xml.slice(xml.indexOf('<actions>'), xml.indexOf('</actions>')).split('\n').slice(1, -1);
  expect(actions).toEqual([
    '<action name="start" timeout="20s" />',
    '<action name="stop" timeout="20s" />',
    '<action name="monitor" timeout="600s" interval="10s" depth="0" />',
    '<action name="validate-all" timeout="20s" />',
    '<action name="meta-data" timeout="5s" />',
  ]);
});

test('rendering is deterministic', () => {
  expect(renderMetadata(agent)).toBe(xml);
});

test('valid against ra-api-1.dtd the way ocf-tester checks it', () => {
  expect(xmllint(['--valid'])).toEqual({ status: 0, stderr: '' });
});

test('valid against ra-api-1.dtd explicitly and against metadata.rng', () => {
  expect(xmllint(['--dtdvalid', '/usr/share/resource-agents/ra-api-1.dtd']).status).toBe(0);
  const rng = xmllint(['--relaxng', '/usr/share/resource-agents/metadata.rng']);
  expect(rng.status).toBe(0);
  expect(rng.stderr).toContain('- validates');
});

test('the validators would notice a broken document (the checks can fail)', () => {
  const broken = xml.replace('<version>1.1</version>\n', '');
  const result = spawnSync('xmllint', ['--noout', '--valid', '-'], {
    input: broken,
    encoding: 'utf8',
    cwd: '/usr/share/resource-agents',
  });
  expect(result.status).not.toBe(0);
});
