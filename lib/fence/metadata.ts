/**
 * Fence-agent metadata in the classic fencing library's format (what pacemaker-fenced and pcs
 * read; schema /usr/share/cluster/relaxng/metadata.rng): every option under its current name
 * and under each old name (`deprecated="1"` there, `obsoletes=` on the current one), a getopt
 * child, a typed content element, and the actions with `on` first (automatic for fabric agents).
 */
import type { FenceAgentDeclaration } from './agent';
import { availableActions, getoptMixed, optionCatalogue } from './catalogue';
import type { FenceOptionSpec, FenceOptionSpecs } from './options';

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/'/g, '&apos;');
}

interface MetadataEntry {
  name: string;
  spec: FenceOptionSpec;
  marker: string;
}

function entries(specs: Record<string, FenceOptionSpec>): MetadataEntry[] {
  const list: MetadataEntry[] = [];
  for (const [key, spec] of Object.entries(specs)) {
    const old = spec.deprecatedNames ?? [];
    list.push({ name: key, spec, marker: old[0] === undefined ? '' : ` obsoletes="${escapeXml(old[0])}"` });
    for (const name of old) list.push({ name, spec, marker: ' deprecated="1"' });
  }
  return list.sort((a, b) => (a.spec.order ?? 1) - (b.spec.order ?? 1) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function defaultAttribute(spec: FenceOptionSpec): string {
  if (spec.default === undefined) return '';
  const text = typeof spec.default === 'boolean' ? (spec.default ? '1' : '0') : String(spec.default);
  return ` default="${escapeXml(text)}"`;
}

function parameterXml({ name, spec, marker }: MetadataEntry): string[] {
  const lines = [
    `\t<parameter name="${escapeXml(name)}" unique="0" required="${spec.required === true ? 1 : 0}"${marker}>`,
    `\t\t<getopt mixed="${escapeXml(getoptMixed(spec))}" />`,
  ];
  if (spec.type === 'select') {
    lines.push(`\t\t<content type="select"${defaultAttribute(spec)} >`);
    for (const choice of spec.choices ?? []) lines.push(`\t\t\t<option value="${escapeXml(choice)}" />`);
    lines.push('\t\t</content>');
  } else {
    lines.push(`\t\t<content type="${spec.type}"${defaultAttribute(spec)} />`);
  }
  lines.push(`\t\t<shortdesc lang="en">${escapeXml(spec.shortdesc)}</shortdesc>`, '\t</parameter>');
  return lines;
}

export function renderMetadata(agent: FenceAgentDeclaration<FenceOptionSpecs>): string {
  const lines = [
    '<?xml version="1.0" ?>',
    `<resource-agent name="${escapeXml(agent.name)}" shortdesc="${escapeXml(agent.shortdesc)}" >`,
  ];
  for (const link of agent.symlinks ?? []) {
    lines.push(`<symlink name="${escapeXml(link.name)}" shortdesc="${escapeXml(link.shortdesc)}"/>`);
  }
  lines.push(
    `<longdesc>${escapeXml(agent.longdesc)}</longdesc>`,
    `<vendor-url>${escapeXml(agent.vendorUrl)}</vendor-url>`,
    '<parameters>',
  );
  for (const entry of entries(optionCatalogue(agent))) lines.push(...parameterXml(entry));
  lines.push('</parameters>', '<actions>');
  for (const action of availableActions(agent)) {
    lines.push(
      action === 'on'
        ? `\t<action name="on" automatic="${agent.fabricFencing ? 1 : 0}"/>`
        : `\t<action name="${action}" />`,
    );
  }
  lines.push('</actions>', '</resource-agent>');
  return `${lines.join('\n')}\n`;
}
