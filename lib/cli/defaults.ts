/** Names the CLI shares with NovaEvacuate, taken from where the agent defines them. */
export { DEFAULT_STATUS_FILE } from '../evacuation/status';
/** Cluster property `nova-ha resume` writes and the brake reads (epoch seconds). */
export { RESUMED_AT_PROPERTY } from '../evacuation/ports';
