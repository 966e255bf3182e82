/**
 * The safety oracle: it watches every evacuation the cloud accepts and records what
 * instance HA must never do. It judges by physical truth (is the source host alive?) as
 * well as by Nova's view (is its service down or forced down?).
 */

export type ViolationKind =
  /** Evacuate accepted while the source service was neither down nor forced down. */
  | 'evacuated-from-live-service'
  /** A second evacuate accepted while the first one was still in flight. */
  | 'double-evacuation'
  /** The instance would run on two hosts: evacuated while its source host was still running. */
  | 'running-twice';

export interface Violation {
  kind: ViolationKind;
  instance: string;
  sourceHost: string;
  at: string;
  detail: string;
}

export interface OracleReport {
  ok: boolean;
  violations: Violation[];
  /** Evacuations the oracle saw accepted, for context. */
  evacuationsAccepted: number;
}

export interface EvacuationFacts {
  instance: string;
  sourceHost: string;
  serviceForcedDown: boolean;
  serviceDown: boolean;
  hostAlive: boolean;
  /** The instance was powered on when its host was last known running. */
  instanceWasRunning: boolean;
  previousInFlight: boolean;
}

export class SafetyOracle {
  private violations: Violation[] = [];
  private accepted = 0;

  /** Called for each evacuate POST Nova accepts, with the facts at that moment. */
  evacuationAccepted(f: EvacuationFacts, now = Date.now()): void {
    this.accepted++;
    const at = new Date(now).toISOString();
    const base = { instance: f.instance, sourceHost: f.sourceHost, at };
    if (!f.serviceDown && !f.serviceForcedDown) {
      this.violations.push({
        ...base,
        kind: 'evacuated-from-live-service',
        detail: `nova-compute on ${f.sourceHost} was up and not forced down`,
      });
    }
    if (f.previousInFlight) {
      this.violations.push({ ...base, kind: 'double-evacuation', detail: 'an earlier evacuation was still in flight' });
    }
    if (f.hostAlive && f.instanceWasRunning) {
      this.violations.push({
        ...base,
        kind: 'running-twice',
        detail: `${f.sourceHost} is still running the instance while it is rebuilt elsewhere`,
      });
    }
  }

  report(): OracleReport {
    return { ok: this.violations.length === 0, violations: [...this.violations], evacuationsAccepted: this.accepted };
  }

  reset(): void {
    this.violations = [];
    this.accepted = 0;
  }
}
