/** The fence-agent runtime's public surface: declare an agent, run it. */
export { defineFenceAgent } from './agent';
export type {
  FenceAction,
  FenceAgent,
  FenceContext,
  FenceHandlers,
  PlugContext,
  PlugInfo,
  PowerState,
  SetPowerResult,
  StepTimeouts,
} from './agent';
export type { FenceOptionSpec, FenceOptionSpecs, FenceOptionValues } from './options';
export { FENCE_EXIT } from './exit-codes';
export { main, runFenceAgent, type FenceIo } from './run';
