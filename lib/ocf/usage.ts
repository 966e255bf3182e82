/**
 * The usage text (`usage`/`help`, and on stderr for an unknown action), and the marker for
 * actions that are declared — so the meta-data is final — but not carried out yet.
 */
import type { Agent, Handler } from './agent';
import { UnimplementedError } from './exit-codes';
import type { ParamDecls } from './params';

const UNIMPLEMENTED = Symbol('unimplemented');

type MarkedHandler = Handler<unknown> & { [UNIMPLEMENTED]?: string };

/** A handler that answers OCF_ERR_UNIMPLEMENTED (3) with `reason`, and is listed as such in usage. */
export function notImplemented(reason: string): Handler<unknown> {
  const handler: MarkedHandler = async (ctx) => {
    throw new UnimplementedError(`${ctx.action} is not implemented: ${reason}`);
  };
  handler[UNIMPLEMENTED] = reason;
  return handler;
}

export function unimplementedReason(handler: Handler<never>): string | undefined {
  return (handler as unknown as MarkedHandler)[UNIMPLEMENTED];
}

export function usageText<D extends ParamDecls>(agent: Agent<D>): string {
  const declared = Object.keys(agent.actions).filter((name) => name !== 'meta-data');
  const actions = [...new Set([...declared, 'validate-all', 'meta-data', 'usage'])];
  const lines = [`usage: ${agent.name} {${actions.join('|')}}`];
  const pending = Object.entries(agent.actions).flatMap(([name, spec]) => {
    const reason = 'handler' in spec ? unimplementedReason(spec.handler) : undefined;
    return reason === undefined ? [] : [`  ${name}: not implemented (exit 3): ${reason}`];
  });
  if (pending.length > 0) lines.push('', ...pending);
  lines.push('', 'Parameters come from OCF_RESKEY_<name>; `meta-data` lists them.');
  return `${lines.join('\n')}\n`;
}
