/**
 * NovaEvacuate's state file (`${stateDir}/NovaEvacuate-${instance}.active`), as the classic
 * agent keeps it: start writes it, stop removes it, a probe answers from it alone. Light on
 * purpose: probes and stops load nothing else.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

export function stateFile(ctx: { readonly stateDir: string; readonly instance: string }): string {
  return join(ctx.stateDir, `NovaEvacuate-${ctx.instance}.active`);
}

export function isStarted(ctx: { readonly stateDir: string; readonly instance: string }): boolean {
  return existsSync(stateFile(ctx));
}

export async function removeStateFile(ctx: { readonly stateDir: string; readonly instance: string }): Promise<void> {
  await rm(stateFile(ctx), { force: true });
}
