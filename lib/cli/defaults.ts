/** Paths and names the CLI shares with NovaEvacuate (kept here so --help loads nothing else). */
export const DEFAULT_STATUS_FILE = '/run/nova-ha/status.json';
/** Cluster property `nova-ha resume` writes and the brake reads (epoch seconds). */
export const RESUMED_AT_PROPERTY = 'nova-ha-resumed-at';
