/**
 * A fence agent is a declaration plus handlers: the runtime owns the protocol (input, actions,
 * power state machine, exit codes, metadata). Handler option types are derived from the
 * declaration, so a misspelt option does not compile.
 */
import type { Deadline } from '../runtime/deadline';
import type { Log } from '../runtime/log';
import type {
  FenceOptionSpecs,
  FenceOptionValues,
  StandardOptionKey,
  StandardOptions,
  TunableStandardOption,
} from './options';

export const POWER_ACTIONS = ['on', 'off', 'reboot'] as const;
export const FENCE_ACTIONS = [
  'on',
  'off',
  'reboot',
  'status',
  'list',
  'list-status',
  'monitor',
  'metadata',
  'manpage',
  'validate-all',
] as const;
export type FenceAction = (typeof FENCE_ACTIONS)[number];

export type PowerState = 'on' | 'off';

export interface PlugInfo {
  id: string;
  alias?: string;
  status?: PowerState | 'unknown';
}

/** Caps for single steps, in milliseconds; Infinity when `disable_timeout` leaves only the deadline. */
export interface StepTimeouts {
  readonly powerMs: number;
  readonly shellMs: number;
  readonly loginMs: number;
  readonly powerWaitMs: number;
  readonly statusSleepMs: number;
}

export type AllOptions<O extends FenceOptionSpecs> = StandardOptions & O;

export interface FenceContext<O extends FenceOptionSpecs> {
  readonly agent: string;
  readonly action: FenceAction;
  readonly options: FenceOptionValues<AllOptions<O>>;
  /** Options set in the input, as opposed to filled from defaults. */
  readonly given: ReadonlySet<keyof AllOptions<O> & string>;
  /** Bounds the whole action (`action_timeout`). */
  readonly deadline: Deadline;
  readonly timeouts: StepTimeouts;
  readonly log: Log;
}

/** The context of an action aimed at one machine: on, off, reboot, status. */
export interface PlugContext<O extends FenceOptionSpecs> extends FenceContext<O> {
  readonly plug: string;
}

/**
 * What setPower reports: 'confirmed' when the handler knows the target state is reached
 * (no status polling), 'poll' to let the runtime poll getStatus within power_timeout.
 */
export type SetPowerResult = 'confirmed' | 'poll';

export interface FenceHandlers<O extends FenceOptionSpecs> {
  getStatus(ctx: PlugContext<O>): Promise<PowerState>;
  setPower(ctx: PlugContext<O>, target: PowerState): Promise<SetPowerResult>;
  /** Required when the declaration says `list: true`. */
  list?(ctx: FenceContext<O>): Promise<PlugInfo[]>;
  /** Default: list when declared, else success. */
  monitor?(ctx: FenceContext<O>): Promise<void>;
  /** Agent-specific checks for validate-all (throw ConfigError with what to fix). */
  validate?(ctx: FenceContext<O>): Promise<void>;
}

export type HandlerSource<O extends FenceOptionSpecs> =
  | FenceHandlers<O>
  | (() => Promise<FenceHandlers<O>>);

export interface FenceAgentDeclaration<O extends FenceOptionSpecs> {
  name: string;
  shortdesc: string;
  longdesc: string;
  vendorUrl: string;
  version?: string;
  symlinks?: readonly { name: string; shortdesc: string }[];
  options: O & { readonly [K in StandardOptionKey]?: never };
  /**
   * Fabric fencing (cuts access, not power): off is the default action, reboot is refused,
   * enable/disable alias on/off, and the metadata marks `on` automatic (unfencing).
   */
  fabricFencing: boolean;
  /** The agent answers list/list-status. */
  list: boolean;
  /** Call setPower even when getStatus already shows the target state (no "Already OFF"). */
  alwaysSetPower?: boolean;
  /** The runtime refuses to run without a login / a password (classic `login`/`passwd` devices). */
  needsLogin?: boolean;
  needsPassword?: boolean;
  standardDefaults?: Partial<Record<TunableStandardOption, number>>;
  /**
   * When this returns a reason, every device action (not metadata, help or validate-all)
   * exits 0 at once without output: fence_compute's `record_only=disabled`.
   */
  inactive?(options: FenceOptionValues<AllOptions<O>>): string | undefined;
  /** Inline, or loaded only for actions that talk to the device (`() => import(...)`). */
  handlers: HandlerSource<O>;
}

export interface FenceAgent<O extends FenceOptionSpecs> extends FenceAgentDeclaration<O> {
  readonly kind: 'fence-agent';
}

export function defineFenceAgent<const O extends FenceOptionSpecs>(
  declaration: FenceAgentDeclaration<O>,
): FenceAgent<O> {
  return { ...declaration, kind: 'fence-agent' };
}
