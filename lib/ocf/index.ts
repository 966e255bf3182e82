/** The OCF runtime: declare an agent, then `main(agent)`. */
export { defineAgent } from './agent';
export type { ActionContext, Agent, AgentDeclaration, HandledAction, Handler } from './agent';
export { OCF_EXIT, UnimplementedError, exitCodeForError, exitCodeForResult } from './exit-codes';
export type { OcfExitCode, OcfResult } from './exit-codes';
export { exitReasonLine } from './exit-reason';
export { renderMetadata } from './metadata';
export { isTrue, parseParams } from './params';
export type { ParamDecls, ParamSpec, Params } from './params';
export { main, runAgent } from './run';
export type { AgentIo } from './run';
export { notImplemented, usageText } from './usage';
