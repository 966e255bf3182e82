/**
 * An OCF agent is a declaration: name, descriptions, parameters and actions with handlers.
 * `defineAgent` only checks the shape and keeps the literal types, so each handler's
 * `ctx.params` is typed from the parameters declared beside it.
 */
import type { Deadline } from '../runtime/deadline';
import type { Log } from '../runtime/log';
import type { OcfResult } from './exit-codes';
import type { ParamDecls, Params } from './params';

/** Actions ra-api-1.dtd lets us advertise that the runtime hands to a handler. */
export type HandledAction =
  | 'start'
  | 'stop'
  | 'monitor'
  | 'validate-all'
  | 'reload'
  | 'recover'
  | 'notify'
  | 'promote'
  | 'demote'
  | 'migrate_to'
  | 'migrate_from';

export interface ActionContext<P> {
  readonly action: HandledAction;
  readonly params: P;
  /** From OCF_RESKEY_CRM_meta_timeout (else the declared timeout), minus a margin to exit cleanly. */
  readonly deadline: Deadline;
  readonly log: Log;
  /** A monitor without CRM_meta_interval: Pacemaker asking whether the resource is active here. */
  readonly isProbe: boolean;
  /** OCF_CHECK_LEVEL (0 when unset or not a number). */
  readonly checkLevel: number;
  /** OCF_RESOURCE_INSTANCE, or the agent name when run by hand. */
  readonly instance: string;
  /** Pacemaker does not set HA_RSCTMP for non-shell agents: defaults to /run/resource-agents. */
  readonly stateDir: string;
  readonly env: NodeJS.ProcessEnv;
}

export type Handler<P> = (ctx: ActionContext<P>) => Promise<OcfResult>;

export interface ActionSpec<P> {
  /** Seconds, advertised in the meta-data and used when Pacemaker passes no timeout. */
  timeout: number;
  /** Seconds; only for recurring actions (monitor). */
  interval?: number;
  /** The OCF_CHECK_LEVEL this monitor entry runs at. */
  depth?: number;
  handler: Handler<P>;
}

export type ActionDecls<P> = { [A in HandledAction]?: ActionSpec<P> } & {
  /** meta-data is answered by the runtime; only its timeout is declared. */
  'meta-data': { timeout: number };
};

export interface AgentDeclaration<D extends ParamDecls> {
  name: string;
  /** The agent's own version (the `version` attribute); the OCF version is always 1.1. */
  version: string;
  shortdesc: string;
  longdesc: string;
  parameters: D;
  actions: ActionDecls<Params<D>>;
}

export type Agent<D extends ParamDecls> = Readonly<AgentDeclaration<D>>;

export function defineAgent<const D extends ParamDecls>(declaration: AgentDeclaration<D>): Agent<D> {
  for (const [name, spec] of Object.entries(declaration.parameters)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      // OCF_RESKEY_<name> must be a valid environment variable name.
      throw new Error(`${declaration.name}: parameter name '${name}' cannot be passed as OCF_RESKEY_${name}`);
    }
    if (spec.required === true && spec.default !== undefined) {
      throw new Error(`${declaration.name}: parameter '${name}' is required but has a default`);
    }
  }
  return declaration;
}
