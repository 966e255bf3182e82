/**
 * The power state machine of the classic fencing library: status first ("Already OFF"), set,
 * then poll status until the target state or power_timeout; on is retried retry_on times;
 * reboot = off then on, and a failed on after a successful off still counts as rebooted.
 * Every wait is bounded by the action's deadline.
 */
import { AgentError, errorMessage } from '../runtime/errors';
import type { FenceHandlers, PlugContext, PowerState } from './agent';
import { FENCE_EXIT, type FenceExitCode } from './exit-codes';
import type { FenceOptionSpecs } from './options';

type Handlers = FenceHandlers<FenceOptionSpecs>;
type Ctx = PlugContext<FenceOptionSpecs>;

export interface PowerRunOptions {
  alwaysSetPower: boolean;
  write: (line: string) => void;
}

async function waitForState(ctx: Ctx, handlers: Handlers, target: PowerState): Promise<boolean> {
  const started = Date.now();
  for (;;) {
    ctx.deadline.check(`waiting for ${ctx.plug} to be ${target}`);
    const state = await handlers.getStatus(ctx);
    if (state === target) return true;
    const elapsed = Date.now() - started;
    if (elapsed >= ctx.timeouts.powerMs || ctx.deadline.expired()) return false;
    ctx.log.debug(`${ctx.plug} is ${state}, waiting for ${target}`);
    await ctx.deadline.sleep(Math.min(ctx.timeouts.statusSleepMs, ctx.timeouts.powerMs - elapsed));
  }
}

/** Sets the plug to `target` up to `attempts` times; true once the state is confirmed. */
async function setAndConfirm(ctx: Ctx, handlers: Handlers, target: PowerState, attempts: number): Promise<boolean> {
  for (let attempt = 1; attempt <= Math.max(1, attempts); attempt++) {
    ctx.deadline.check(`powering ${ctx.plug} ${target}`);
    const result = await handlers.setPower(ctx, target);
    if (ctx.timeouts.powerWaitMs > 0) await ctx.deadline.sleep(ctx.timeouts.powerWaitMs);
    if (result === 'confirmed') return true;
    if (await waitForState(ctx, handlers, target)) return true;
    ctx.log.warn(`${ctx.plug} did not reach ${target} (attempt ${attempt} of ${attempts})`);
  }
  return false;
}

const timedOut = (target: PowerState): AgentError =>
  new AgentError('timeout', `Failed: Timed out waiting to power ${target.toUpperCase()}`);

export async function runStatus(ctx: Ctx, handlers: Handlers, write: (line: string) => void): Promise<FenceExitCode> {
  const state = await handlers.getStatus(ctx);
  write(`Status: ${state.toUpperCase()}`);
  return state === 'off' ? FENCE_EXIT.statusOff : FENCE_EXIT.success;
}

export async function runSetPower(
  ctx: Ctx,
  handlers: Handlers,
  target: PowerState,
  options: PowerRunOptions,
): Promise<FenceExitCode> {
  if (!options.alwaysSetPower) {
    const state = await handlers.getStatus(ctx);
    if (state === target) {
      options.write(`Success: Already ${target.toUpperCase()}`);
      return FENCE_EXIT.success;
    }
  }
  const attempts = target === 'on' ? 1 + ctx.options.retry_on : 1;
  if (!(await setAndConfirm(ctx, handlers, target, attempts))) throw timedOut(target);
  options.write(`Success: Powered ${target.toUpperCase()}`);
  return FENCE_EXIT.success;
}

export async function runReboot(ctx: Ctx, handlers: Handlers, options: PowerRunOptions): Promise<FenceExitCode> {
  const state = await handlers.getStatus(ctx);
  if (state !== 'off' && !(await setAndConfirm(ctx, handlers, 'off', 1))) throw timedOut('off');
  let poweredOn = false;
  try {
    poweredOn = await setAndConfirm(ctx, handlers, 'on', ctx.options.retry_on);
  } catch (error) {
    // The machine is fenced once it was off; a failed power-on does not undo that.
    ctx.log.warn(errorMessage(error));
  }
  if (!poweredOn) ctx.log.error('Timed out waiting to power ON');
  options.write('Success: Rebooted');
  return FENCE_EXIT.success;
}
