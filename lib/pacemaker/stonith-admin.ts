/**
 * Fencing facts from pacemaker-fenced, through stonith_admin: the history of fencing operations,
 * when a node was last fenced, and the registered devices.
 */
import { ToolFailedError, ToolOutputError } from './errors';
import { newestPerTarget, parseFenceEvent, parsePacemakerTime, type FenceEvent } from './fence-event';
import { expectSuccess, failureText, runTool, type ToolCallOptions } from './run-tool';
import { attr, child, children, parsePacemakerResult, resultStatus } from './xml';

const TOOL = 'stonith_admin';

/** stonith_admin 2.1.5 `--last NODE --output-as=xml` for a never-fenced node: rc 74, no element. */
const EXIT_IO_ERROR = 74;

/**
 * Every recorded fencing operation against `target` ('*' for all), newest first. Uses --verbose:
 * without it stonith_admin keeps one success per node, and in 2.1.5 the oldest one.
 */
export async function fenceHistory(target: string, options: ToolCallOptions = {}): Promise<FenceEvent[]> {
  const result = expectSuccess(await runTool(TOOL, ['--history', target, '--verbose', '--output-as=xml'], options));
  const document = await parsePacemakerResult(TOOL, result.stdout);
  const list = child(document, 'list');
  if (!list) throw new ToolOutputError(TOOL, 'no <list> of fencing history', result.stdout);
  return children(list, 'fence_event')
    .map(parseFenceEvent)
    .filter((event): event is FenceEvent => event !== undefined);
}

/** The newest fencing operation against `target` (any status), or undefined if none is recorded. */
export async function newestFenceEvent(target: string, options: ToolCallOptions = {}): Promise<FenceEvent | undefined> {
  return newestPerTarget(await fenceHistory(target, options)).get(target);
}

/** When `target` was last fenced successfully (epoch ms), or undefined if never. */
export async function lastFenced(target: string, options: ToolCallOptions = {}): Promise<number | undefined> {
  const result = await runTool(TOOL, ['--last', target, '--output-as=xml'], options);
  if (result.exitCode === 0) {
    const document = await parsePacemakerResult(TOOL, result.stdout);
    const element = child(document, 'last-fenced');
    const when = parsePacemakerTime(element ? attr(element, 'when') : undefined);
    if (when === undefined) throw new ToolOutputError(TOOL, 'no <last-fenced when=…>', result.stdout);
    return when;
  }
  if (result.exitCode === EXIT_IO_ERROR) {
    // The XML form fails for a node that was never fenced; the text form says so plainly.
    const text = expectSuccess(await runTool(TOOL, ['--last', target], options)).stdout;
    if (/has never been fenced/.test(text)) return undefined;
    throw new ToolFailedError(TOOL, ['--last', target, '--output-as=xml'], result.exitCode, text);
  }
  throw new ToolFailedError(TOOL, result.args, result.exitCode, failureText(result));
}

/** The ids of the fence devices registered with the local fencer. */
export async function listRegisteredDevices(options: ToolCallOptions = {}): Promise<string[]> {
  const result = expectSuccess(await runTool(TOOL, ['--list-registered', '--output-as=xml'], options));
  const document = await parsePacemakerResult(TOOL, result.stdout);
  const status = resultStatus(document);
  if (status && status.code !== 0) throw new ToolFailedError(TOOL, result.args, status.code, status.message);
  const list = child(document, 'list');
  if (!list) throw new ToolOutputError(TOOL, 'no <list> of devices', result.stdout);
  return children(list, 'item')
    .map((item) => (typeof item._ === 'string' ? item._.trim() : ''))
    .filter((name) => name !== '');
}
