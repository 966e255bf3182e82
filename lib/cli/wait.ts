/**
 * `evacuate --wait`: follow NovaEvacuate's status file (and the host's `evacuate` mark) until
 * the host is done, printing a line whenever its progress changes. Bounded by --timeout.
 */
import { readStatusFile, type HostStatus, type StatusDocument } from '../evacuation/status';
import type { Deadline } from '../runtime/deadline';
import { EVACUATE_ATTRIBUTE, parseEvacuateValue } from '../pacemaker/evacuate-attribute';
import { errorMessage } from '../runtime/errors';
import type { CommandContext } from './context';
import { CliError } from './errors';
import { EXIT } from './exit-codes';

const POLL_MS = 2_000;

export interface WaitOutcome {
  readonly host: string;
  readonly givenUp: readonly string[];
}

export function progressLine(host: HostStatus): string {
  const by = new Map<string, number>();
  for (const instance of host.instances) by.set(instance.state, (by.get(instance.state) ?? 0) + 1);
  const parts = [...by].map(([state, count]) => `${count} ${state}`);
  return `${host.name}: ${host.state}${parts.length ? ` (${parts.join(', ')})` : ''}${host.detail ? ` - ${host.detail}` : ''}`;
}

function givenUpOf(document: StatusDocument | undefined, host: string): string[] {
  if (!document) return [];
  return document.givenUp.filter((item) => item.host === host).map((item) => `${item.name} (${item.id}): ${item.reason}`);
}

export interface WaitOptions {
  readonly json: boolean;
  /** The wait's own budget (--wait-timeout), longer than a single command's. */
  readonly deadline: Deadline;
  readonly seconds: number;
}

export async function waitForHost(ctx: CommandContext, host: string, options: WaitOptions): Promise<WaitOutcome> {
  const { queryAttribute } = await import('../pacemaker/attrd');
  const started = ctx.io.now();
  let last = '';
  let document: StatusDocument | undefined;
  const say = (line: string) => {
    if (line === last) return;
    last = line;
    ctx.io.out(options.json ? `${JSON.stringify({ at: new Date(ctx.io.now()).toISOString(), progress: line })}\n` : `${line}\n`);
  };
  for (;;) {
    try {
      document = await readStatusFile(ctx.options.statusFile);
    } catch (error) {
      say(`status file unreadable: ${errorMessage(error)}`);
    }
    const fresh = document !== undefined && document.lastPassAt >= started;
    const entry = fresh ? document?.hosts.find((item) => item.name === host) : undefined;
    if (entry) say(progressLine(entry));
    if (entry?.state === 'done') return { host, givenUp: givenUpOf(document, host) };

    const mark = await queryAttribute(EVACUATE_ATTRIBUTE, host, { ...ctx.tools, deadline: options.deadline, capMs: 10_000 });
    if (parseEvacuateValue(mark).kind === 'done') {
      say(`${host}: done (evacuate=no)`);
      return { host, givenUp: givenUpOf(document, host) };
    }
    if (!entry) say(`${host}: waiting for NovaEvacuate (evacuate=${mark ?? 'unset'})`);

    if (options.deadline.remainingMs() <= POLL_MS) {
      throw new CliError(EXIT.timeout, `${host} not done within --wait-timeout ${options.seconds} s; last: ${last}`);
    }
    await options.deadline.sleep(POLL_MS);
  }
}
