/**
 * Node attributes held by pacemaker-attrd, through attrd_updater: the primitives of the
 * `evacuate` protocol. Reads use `--output-as=xml`; the classic text form
 * (`name="evacuate" host="h" value="v"`) is read too, as older tools and stand-ins print it.
 *
 * Pacemaker 2.1.5 facts this relies on: a missing attribute exits 78; an existing attribute
 * asked for a node without a value answers `value=""`; `-U` is asynchronous (no `--wait`
 * before 2.1.6); `-D` only empties the value; `-p` fixes privacy when the attribute is created.
 */
import { Deadline } from '../runtime/deadline';
import { DeadlineError } from '../runtime/errors';
import { ToolOutputError } from './errors';
import { expectSuccess, runTool, type ToolCallOptions } from './run-tool';
import { attr, children, looksLikeXml, parsePacemakerResult } from './xml';

const TOOL = 'attrd_updater';

/** attrd_updater's exit code for "attribute does not exist" (CRM_EX_CONFIG). */
export const EXIT_NO_SUCH_ATTRIBUTE = 78;

export interface AttrdValue {
  name: string;
  host: string;
  value: string;
}

export interface UpdateOptions extends ToolCallOptions {
  /** Keep the attribute out of the CIB (attrd_updater -p); decided when the attribute is created. */
  private?: boolean;
}

/** The classic text form: one `name="…" host="…" value="…"` line per node. */
export function parseAttrdText(text: string): AttrdValue[] {
  const values: AttrdValue[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const match = /^name="(.*?)" host="(.*?)" value="(.*)"$/.exec(line.trim());
    if (match?.[1] === undefined || match[2] === undefined || match[3] === undefined) {
      throw new ToolOutputError(TOOL, 'not a name="…" host="…" value="…" line', line);
    }
    values.push({ name: match[1], host: match[2], value: match[3] });
  }
  return values;
}

/** The `--output-as=xml` form: `<attribute name value host/>` elements. */
export async function parseAttrdXml(xml: string): Promise<AttrdValue[]> {
  const result = await parsePacemakerResult(TOOL, xml);
  return children(result, 'attribute').map((element) => {
    const name = attr(element, 'name');
    const host = attr(element, 'host');
    if (name === undefined || host === undefined) {
      throw new ToolOutputError(TOOL, '<attribute> without name or host', xml);
    }
    return { name, host, value: attr(element, 'value') ?? '' };
  });
}

export async function parseAttrdOutput(output: string): Promise<AttrdValue[]> {
  return looksLikeXml(output) ? parseAttrdXml(output) : parseAttrdText(output);
}

async function query(args: string[], options: ToolCallOptions): Promise<AttrdValue[] | undefined> {
  const result = await runTool(TOOL, [...args, '--output-as=xml'], options);
  if (result.exitCode === EXIT_NO_SUCH_ATTRIBUTE) return undefined;
  return parseAttrdOutput(expectSuccess(result).stdout);
}

/**
 * The value of `name` on `node`: undefined when the attribute does not exist at all or attrd
 * reports nothing for the node, `''` when it exists without a value there.
 */
export async function queryAttribute(
  name: string,
  node: string,
  options: ToolCallOptions = {},
): Promise<string | undefined> {
  const values = await query(['-Q', '-n', name, '-N', node], options);
  return values?.find((entry) => entry.host === node)?.value;
}

/** Every node's value of `name` (`-Q -A`); empty when the attribute does not exist. */
export async function queryAttributeAllNodes(
  name: string,
  options: ToolCallOptions = {},
): Promise<Map<string, string>> {
  const values = (await query(['-Q', '-A', '-n', name], options)) ?? [];
  return new Map(values.filter((entry) => entry.name === name).map((entry) => [entry.host, entry.value]));
}

/** Sets `name` on `node` (`-U`). Asynchronous in attrd: use waitForAttribute to read it back. */
export async function updateAttribute(
  name: string,
  node: string,
  value: string,
  options: UpdateOptions = {},
): Promise<void> {
  const privacy = options.private ? ['-p'] : [];
  expectSuccess(await runTool(TOOL, [...privacy, '-n', name, '-N', node, '-U', value], options));
}

/** Clears `name` on `node` (`-D`): attrd keeps listing it with an empty value. */
export async function deleteAttribute(name: string, node: string, options: UpdateOptions = {}): Promise<void> {
  const privacy = options.private ? ['-p'] : [];
  expectSuccess(await runTool(TOOL, [...privacy, '-D', '-n', name, '-N', node], options));
}

export interface WaitOptions extends ToolCallOptions {
  pollMs?: number;
}

/**
 * Polls `name` on `node` until `accept(value)` holds, and returns that value. Throws
 * DeadlineError, with the last value seen, when `deadline` passes first.
 */
export async function waitForAttribute(
  name: string,
  node: string,
  accept: (value: string | undefined) => boolean,
  deadline: Deadline,
  options: WaitOptions = {},
): Promise<string | undefined> {
  const pollMs = options.pollMs ?? 200;
  let seen = 'none read';
  const timedOut = () => new DeadlineError(`timed out waiting for attribute ${name} of ${node} (last value: ${seen})`);
  for (;;) {
    let value: string | undefined;
    try {
      value = await queryAttribute(name, node, { ...options, deadline });
    } catch (error) {
      // A query cut short by the deadline itself: report the wait, not the last call.
      if (error instanceof DeadlineError && deadline.expired()) throw timedOut();
      throw error;
    }
    if (accept(value)) return value;
    seen = value === undefined ? 'absent' : `"${value}"`;
    await deadline.sleep(pollMs);
    if (deadline.expired()) throw timedOut();
  }
}
