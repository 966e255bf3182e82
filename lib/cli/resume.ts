/**
 * `nova-ha resume`: lift the mass-failure brake. The brake (lib/evacuation) ignores trips
 * that happened before the cluster property nova-ha-resumed-at, so writing now there is the
 * whole operation; NovaEvacuate's next monitor (within ~10 s) evacuates what it held back.
 */
import { expectSuccess, runTool } from '../pacemaker/run-tool';
import type { CommandContext } from './context';
import { RESUMED_AT_PROPERTY } from './defaults';

export interface ResumeOptions {
  json?: boolean;
}

/** `crm_attribute --type crm_config -n nova-ha-resumed-at -v <epoch s>`. */
export async function writeResumedAt(ctx: CommandContext, epochSeconds: number): Promise<void> {
  expectSuccess(
    await runTool(
      'crm_attribute',
      ['--type', 'crm_config', '-n', RESUMED_AT_PROPERTY, '-v', String(epochSeconds)],
      { ...ctx.tools, capMs: 15_000 },
    ),
  );
}

export async function runResume(ctx: CommandContext, options: ResumeOptions): Promise<void> {
  const seconds = Math.floor(ctx.io.now() / 1000);
  await writeResumedAt(ctx, seconds);
  const at = new Date(seconds * 1000).toISOString();
  if (options.json) {
    ctx.io.out(`${JSON.stringify({ property: RESUMED_AT_PROPERTY, value: seconds, at })}\n`);
    return;
  }
  ctx.io.out(
    `brake lifted: cluster property ${RESUMED_AT_PROPERTY}=${seconds} (${at}).\n` +
      'NovaEvacuate resumes evacuating at its next monitor (within ~10 s); follow it with `nova-ha status`.\n',
  );
}
