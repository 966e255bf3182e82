/**
 * Human documentation generated from the same catalogue as the metadata: `--help` text and a
 * roff manpage (`-o manpage`, readable with `man -l -`).
 */
import type { FenceAgentDeclaration } from './agent';
import { availableActions, getoptMixed, optionCatalogue } from './catalogue';
import type { FenceOptionSpec, FenceOptionSpecs } from './options';

function sortedOptions(agent: FenceAgentDeclaration<FenceOptionSpecs>): [string, FenceOptionSpec][] {
  return Object.entries(optionCatalogue(agent)).sort(
    ([ka, a], [kb, b]) => (a.order ?? 1) - (b.order ?? 1) || (ka < kb ? -1 : ka > kb ? 1 : 0),
  );
}

function describe(spec: FenceOptionSpec): string {
  const extras: string[] = [];
  if (spec.choices !== undefined) extras.push(`one of ${spec.choices.join(', ')}`);
  if (spec.default !== undefined && spec.default !== '') extras.push(`default ${String(spec.default)}`);
  return extras.length > 0 ? `${spec.shortdesc} (${extras.join('; ')})` : spec.shortdesc;
}

export function renderUsage(agent: FenceAgentDeclaration<FenceOptionSpecs>): string {
  const lines = ['Usage:', `\t${agent.name} [options]`, 'Options:'];
  for (const [, spec] of sortedOptions(agent)) {
    lines.push(`   ${getoptMixed(spec).padEnd(34)} ${describe(spec)}`);
  }
  lines.push(
    '',
    `Actions: ${availableActions(agent).join(', ')}`,
    'With no arguments, options are read from stdin as key=value lines (as pacemaker-fenced sends them).',
  );
  return `${lines.join('\n')}\n`;
}

const roff = (text: string): string => text.replace(/\\/g, '\\e').replace(/^([.'])/gm, '\\&$1').replace(/-/g, '\\-');

export function renderManpage(agent: FenceAgentDeclaration<FenceOptionSpecs>): string {
  const lines = [
    `.TH ${agent.name.toUpperCase()} 8 "" "nova-ha-agents" "Fence agents"`,
    '.SH NAME',
    `${roff(agent.name)} \\- ${roff(agent.shortdesc)}`,
    '.SH DESCRIPTION',
    roff(agent.longdesc),
    '.PP',
    `${roff(agent.name)} accepts options either on the command line or, when it has no arguments, on stdin as key=value lines.`,
    '.SH PARAMETERS',
  ];
  for (const [key, spec] of sortedOptions(agent)) {
    const names = [key, ...(spec.deprecatedNames ?? [])].join(', ');
    lines.push('.TP', `.B ${roff(getoptMixed(spec))}`, `${roff(describe(spec))}. Stdin name: ${roff(names)}.`);
  }
  lines.push('.SH ACTIONS');
  for (const action of availableActions(agent)) lines.push('.TP', `.B ${roff(action)}`);
  lines.push('.SH EXIT STATUS', '0 success (status: ON), 1 failure, 2 status OFF.');
  return `${lines.join('\n')}\n`;
}
