/**
 * Meta-data XML from the declaration. Kept to the subset that both the old ra-api-1.dtd
 * (what ocf-tester enforces, DOCTYPE included) and resource-agents' metadata.rng accept:
 * name/required/unique on parameters, string/integer/boolean content, one lang="en"
 * longdesc and shortdesc, a timeout on every action. Order is the declaration's order.
 */
import type { Agent, HandledAction } from './agent';
import type { ParamDecls, ParamSpec } from './params';

/** Text content needs &, < and > escaped; attribute values (always double-quoted) also ". */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(value: string): string {
  return escapeXml(value).replace(/"/g, '&quot;');
}

function attrs(pairs: Array<[string, string | number | undefined]>): string {
  return pairs
    .filter((pair): pair is [string, string | number] => pair[1] !== undefined)
    .map(([key, value]) => ` ${key}="${escapeAttribute(String(value))}"`)
    .join('');
}

function flag(value: boolean | undefined): string {
  return value === true ? '1' : '0';
}

function renderDefault(spec: ParamSpec): string | undefined {
  if (spec.default === undefined) return undefined;
  return String(spec.default);
}

function renderParameter(name: string, spec: ParamSpec): string {
  return [
    `<parameter${attrs([['name', name], ['unique', flag(spec.unique)], ['required', flag(spec.required)]])}>`,
    `<longdesc lang="en">`,
    escapeXml(spec.longdesc),
    `</longdesc>`,
    `<shortdesc lang="en">${escapeXml(spec.shortdesc)}</shortdesc>`,
    `<content${attrs([['type', spec.type], ['default', renderDefault(spec)]])} />`,
    `</parameter>`,
  ].join('\n');
}

/** The order Pacemaker tools list them in; anything declared is shown. */
const ACTION_ORDER: ReadonlyArray<HandledAction | 'meta-data'> = [
  'start',
  'stop',
  'monitor',
  'notify',
  'promote',
  'demote',
  'reload',
  'recover',
  'migrate_to',
  'migrate_from',
  'validate-all',
  'meta-data',
];

export function renderMetadata<D extends ParamDecls>(agent: Agent<D>): string {
  const parameters = Object.entries(agent.parameters).map(([name, spec]) => renderParameter(name, spec));
  const actions = ACTION_ORDER.flatMap((name) => {
    const spec = agent.actions[name];
    if (spec === undefined) return [];
    const { interval, depth } = spec as { interval?: number; depth?: number };
    return [
      `<action${attrs([
        ['name', name],
        ['timeout', `${spec.timeout}s`],
        ['interval', interval === undefined ? undefined : `${interval}s`],
        ['depth', depth],
      ])} />`,
    ];
  });
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">',
    `<resource-agent${attrs([['name', agent.name], ['version', agent.version]])}>`,
    '<version>1.1</version>',
    '',
    '<longdesc lang="en">',
    escapeXml(agent.longdesc),
    '</longdesc>',
    `<shortdesc lang="en">${escapeXml(agent.shortdesc)}</shortdesc>`,
    '',
    '<parameters>',
    ...parameters,
    '</parameters>',
    '',
    '<actions>',
    ...actions,
    '</actions>',
    '</resource-agent>',
    '',
  ].join('\n');
}
