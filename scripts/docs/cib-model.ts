/**
 * A CIB configuration as what it means to Pacemaker, without the ids and spellings that pcs,
 * crmsh and cibadmin each choose differently: the form in which the docs test compares the
 * pcs and crm forms of docs/cluster-configuration.md with each other and with cluster-up.
 *
 * What is normalised (and why it is safe): every `id` (Pacemaker uses ids only as names);
 * durations to milliseconds (`0`, `0s` and a missing interval are the same; bare numbers are
 * seconds); scores (`inf`, `+INFINITY`, `INFINITY`); the defaults Pacemaker applies to an
 * order constraint (start/start, Mandatory, symmetrical) and a location (discovery always).
 * Everything else is kept, so a real difference always shows.
 */
import { parseStringPromise } from 'xml2js';
import { attr, child, children, type XmlElement } from '../../lib/pacemaker/xml';

export type Pairs = Record<string, string>;

export interface OpModel {
  name: string;
  intervalMs: number;
  /** The op's other attributes (timeout in ms, on-fail, role, …), without id/name/interval. */
  attributes: Pairs;
  /** Its instance attributes (OCF_CHECK_LEVEL). */
  params: Pairs;
}

export interface PrimitiveModel {
  agent: string;
  params: Pairs;
  meta: Pairs;
  /** Keyed by `name@intervalMs[/depth]`: Pacemaker's own identity of an operation. */
  ops: Record<string, OpModel>;
  /** The clone (or group) holding it, if any. */
  parent?: string;
}

export interface ConfigurationModel {
  properties: Pairs;
  rscDefaults: Pairs;
  opDefaults: Pairs;
  nodes: Record<string, { type: string; attributes: Pairs }>;
  primitives: Record<string, PrimitiveModel>;
  /** Clones and groups: their meta attributes and members. */
  containers: Record<string, { kind: string; meta: Pairs; members: string[] }>;
  /** Each constraint as canonical JSON, sorted. */
  constraints: string[];
  /** `target level: devices`, sorted. */
  fencingLevels: string[];
}

/** `60`, `60s`, `1min`, `20000ms`, `1h` → milliseconds; unparseable text is kept as NaN. */
export function durationMs(text: string | undefined): number {
  if (text === undefined || text === '') return 0;
  const match = /^\s*(\d+)\s*(ms|msec|s|sec|m|min|h|hr)?\s*$/i.exec(text);
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  const unit = (match[2] ?? 's').toLowerCase();
  const factor: Record<string, number> = { ms: 1, msec: 1, s: 1000, sec: 1000, m: 60000, min: 60000, h: 3600000, hr: 3600000 };
  return value * (factor[unit] ?? Number.NaN);
}

export function normaliseScore(score: string | undefined): string | undefined {
  if (score === undefined) return undefined;
  const s = score.trim();
  if (/^[+]?inf(inity)?$/i.test(s)) return 'INFINITY';
  if (/^-inf(inity)?$/i.test(s)) return '-INFINITY';
  return s;
}

function withoutId(element: XmlElement): Pairs {
  const out: Pairs = {};
  for (const [key, value] of Object.entries(element.$ ?? {})) if (key !== 'id') out[key] = value;
  return out;
}

/** All nvpairs of every set of this kind under `element` (sets merged in document order). */
function nvpairs(element: XmlElement, setName: string): Pairs {
  const out: Pairs = {};
  for (const set of children(element, setName)) {
    for (const pair of children(set, 'nvpair')) {
      const name = attr(pair, 'name');
      if (name !== undefined) out[name] = attr(pair, 'value') ?? '';
    }
  }
  return out;
}

function opModel(op: XmlElement): OpModel {
  const attributes: Pairs = {};
  for (const [key, value] of Object.entries(withoutId(op))) {
    if (key === 'name' || key === 'interval') continue;
    attributes[key] = key === 'timeout' || key === 'start-delay' ? String(durationMs(value)) : value;
  }
  return { name: attr(op, 'name') ?? '', intervalMs: durationMs(attr(op, 'interval')), attributes, params: nvpairs(op, 'instance_attributes') };
}

function primitiveModel(element: XmlElement, parent: string | undefined): PrimitiveModel {
  const klass = attr(element, 'class') ?? '';
  const provider = attr(element, 'provider');
  const agent = [klass, provider, attr(element, 'type')].filter((part) => part !== undefined).join(':');
  const ops: Record<string, OpModel> = {};
  for (const op of children(child(element, 'operations') ?? {}, 'op')) {
    const model = opModel(op);
    const depth = model.params['OCF_CHECK_LEVEL'];
    ops[`${model.name}@${model.intervalMs}${depth === undefined ? '' : `/${depth}`}`] = model;
  }
  const model: PrimitiveModel = { agent, params: nvpairs(element, 'instance_attributes'), meta: nvpairs(element, 'meta_attributes'), ops };
  if (parent !== undefined) model.parent = parent;
  return model;
}

function sortedObject(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedObject);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortedObject((value as Record<string, unknown>)[key]);
  return out;
}

function ruleModel(rule: XmlElement): unknown {
  const attributes = withoutId(rule);
  if (attributes['score'] !== undefined) attributes['score'] = normaliseScore(attributes['score']) ?? '';
  attributes['boolean-op'] ??= 'and';
  const expressions = children(rule, 'expression').map((e) => JSON.stringify(sortedObject(withoutId(e)))).sort();
  const nested = children(rule, 'rule').map((r) => JSON.stringify(ruleModel(r))).sort();
  const other = children(rule, 'date_expression').map((e) => JSON.stringify(sortedObject(withoutId(e)))).sort();
  return sortedObject({ ...attributes, expressions, rules: nested, dates: other });
}

function constraintModel(kind: string, element: XmlElement): string {
  const attributes = withoutId(element);
  for (const key of ['score']) if (attributes[key] !== undefined) attributes[key] = normaliseScore(attributes[key]) ?? '';
  if (kind === 'rsc_location') attributes['resource-discovery'] ??= 'always';
  if (kind === 'rsc_order') {
    attributes['first-action'] ??= 'start';
    attributes['then-action'] ??= attributes['first-action'];
    if (attributes['kind'] === undefined) {
      const score = attributes['score'];
      attributes['kind'] = score === undefined || score === 'INFINITY' ? 'Mandatory' : score === '0' ? 'Optional' : `score ${score}`;
      delete attributes['score'];
    }
    attributes['symmetrical'] ??= attributes['kind'] === 'Serialize' ? 'false' : 'true';
  }
  const rules = children(element, 'rule').map((r) => JSON.stringify(ruleModel(r))).sort();
  const sets = children(element, 'resource_set').map((s) => JSON.stringify(sortedObject({ ...withoutId(s), refs: children(s, 'resource_ref').map((r) => attr(r, 'id')) })));
  return JSON.stringify(sortedObject({ kind, ...attributes, rules, sets }));
}

/** The model of the `<configuration>` element of a CIB (or of a bare `<configuration>`). */
export async function configurationModel(xml: string): Promise<ConfigurationModel> {
  const document = (await parseStringPromise(xml, { explicitArray: true })) as Record<string, XmlElement>;
  const configuration = document['cib'] ? child(document['cib'], 'configuration') : document['configuration'];
  if (!configuration) throw new Error('no <configuration> element');

  const crmConfig = child(configuration, 'crm_config') ?? {};
  const model: ConfigurationModel = {
    properties: nvpairs(crmConfig, 'cluster_property_set'),
    rscDefaults: nvpairs(child(configuration, 'rsc_defaults') ?? {}, 'meta_attributes'),
    opDefaults: nvpairs(child(configuration, 'op_defaults') ?? {}, 'meta_attributes'),
    nodes: {},
    primitives: {},
    containers: {},
    constraints: [],
    fencingLevels: [],
  };

  for (const node of children(child(configuration, 'nodes') ?? {}, 'node')) {
    const uname = attr(node, 'uname') ?? attr(node, 'id') ?? '';
    model.nodes[uname] = { type: attr(node, 'type') ?? 'member', attributes: nvpairs(node, 'instance_attributes') };
  }

  const resources = child(configuration, 'resources') ?? {};
  for (const primitive of children(resources, 'primitive')) model.primitives[attr(primitive, 'id') ?? ''] = primitiveModel(primitive, undefined);
  for (const kind of ['clone', 'group', 'master', 'bundle']) {
    for (const container of children(resources, kind)) {
      const id = attr(container, 'id') ?? '';
      const members: string[] = [];
      for (const primitive of children(container, 'primitive')) {
        const memberId = attr(primitive, 'id') ?? '';
        members.push(memberId);
        model.primitives[memberId] = primitiveModel(primitive, id);
      }
      for (const group of children(container, 'group')) members.push(attr(group, 'id') ?? '');
      model.containers[id] = { kind, meta: nvpairs(container, 'meta_attributes'), members };
    }
  }

  const constraints = child(configuration, 'constraints') ?? {};
  for (const kind of ['rsc_location', 'rsc_order', 'rsc_colocation', 'rsc_ticket']) {
    for (const element of children(constraints, kind)) model.constraints.push(constraintModel(kind, element));
  }
  model.constraints.sort();

  for (const level of children(child(configuration, 'fencing-topology') ?? {}, 'fencing-level')) {
    const target = attr(level, 'target') ?? `${attr(level, 'target-attribute') ?? ''}=${attr(level, 'target-value') ?? ''}`;
    model.fencingLevels.push(`${target} ${attr(level, 'index') ?? ''}: ${attr(level, 'devices') ?? ''}`);
  }
  model.fencingLevels.sort();
  return model;
}

/** Every path where the two models differ, as `path: left | right` lines (empty: the same). */
export function modelDifferences(left: unknown, right: unknown, path = ''): string[] {
  if (JSON.stringify(left) === JSON.stringify(right)) return [];
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (Array.isArray(left) && Array.isArray(right)) {
    const onlyLeft = left.filter((item) => !right.some((other) => JSON.stringify(other) === JSON.stringify(item)));
    const onlyRight = right.filter((item) => !left.some((other) => JSON.stringify(other) === JSON.stringify(item)));
    return [...onlyLeft.map((item) => `${path}: only left ${String(item)}`), ...onlyRight.map((item) => `${path}: only right ${String(item)}`)];
  }
  if (isObject(left) && isObject(right)) {
    const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
    return keys.flatMap((key) => modelDifferences(left[key], right[key], path === '' ? key : `${path}.${key}`));
  }
  return [`${path}: ${JSON.stringify(left)} | ${JSON.stringify(right)}`];
}
