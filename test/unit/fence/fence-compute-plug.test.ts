import { describe, expect, it } from '@jest/globals';
import { domainsInUse, resolvePlug } from '../../../lib/fence-compute/plug-name';

const FQDN = ['cmp-a.example.com', 'cmp-b.example.com'];
const SHORT = ['cmp-a', 'cmp-b'];
const MIXED = ['cmp-a.example.com', 'cmp-b.other.org'];

describe('resolvePlug (the classic fix_domain + fix_plug_name, table by table)', () => {
  it.each([
    // plug, configured domain, Nova hosts, expected host
    ['cmp-a', undefined, FQDN, 'cmp-a.example.com'],
    ['cmp-a.example.com', undefined, FQDN, 'cmp-a.example.com'],
    ['cmp-a.localdomain', undefined, FQDN, 'cmp-a.example.com'],
    ['cmp-a', 'example.com', FQDN, 'cmp-a.example.com'],
    ['cmp-a', 'wrong.net', FQDN, 'cmp-a.example.com'], // one domain in Nova wins over the configured one
    ['cmp-a.example.com', undefined, SHORT, 'cmp-a'], // Nova uses short names: strip
    ['cmp-a', 'example.com', SHORT, 'cmp-a'],
    ['cmp-a', undefined, SHORT, 'cmp-a'],
    ['cmp-z', undefined, FQDN, 'cmp-z.example.com'], // unknown to Nova: still made consistent
    ['cmp-a', undefined, [], 'cmp-a'], // nothing known: unchanged
    ['cmp-a.x.y', 'x.y', [], 'cmp-a.x.y'],
    ['cmp-b.other.org', undefined, MIXED, 'cmp-b.other.org'], // exact host match needs no domain
    ['cmp-b', 'other.org', MIXED, 'cmp-b.other.org'], // several domains: the configured one picks
    ['cmp-a.sub.example.com', undefined, FQDN, 'cmp-a.sub.example.com'], // already ends with .domain
  ])('%s with domain=%s against %j → %s', (plug, domain, hosts, expected) => {
    expect(resolvePlug(plug, domain, hosts).host).toBe(expected);
  });

  it('warns when Nova overrides the configured domain, errs when nothing is known', () => {
    expect(resolvePlug('cmp-a', 'wrong.net', FQDN).notes).toEqual([
      expect.objectContaining({ level: 'warn', message: expect.stringContaining("Overriding supplied domain 'wrong.net'") }),
      expect.objectContaining({ level: 'debug' }),
    ]);
    expect(resolvePlug('cmp-a', undefined, []).notes[0]?.level).toBe('error');
  });

  it('fails, naming the domains, when several are in use and none is chosen', () => {
    expect(() => resolvePlug('cmp-b', undefined, MIXED)).toThrow(/several domains \('example.com', 'other.org'\).*set domain=/);
    expect(() => resolvePlug('cmp-b', 'nope.net', MIXED)).toThrow("The supplied domain 'nope.net' did not match any used inside nova");
  });

  it('lists distinct domains in first-seen order, "" for short names', () => {
    expect(domainsInUse(['a.x', 'b', 'c.x', 'd.y'])).toEqual(['x', '', 'y']);
  });
});
