/**
 * Compute sessions: nova-compute's life tied to a client's connection. `GET
 * /_sim/hosts/{h}/compute-session` starts nova-compute on the host (like start-compute) and
 * keeps the answer open, one NDJSON line a second; when the connection closes for any reason
 * (the stand-in process exits or is SIGKILLed) nova-compute stops — unless a newer session for
 * that host has started since. The other way round, when nova-compute stops for another
 * reason (host killed, stop-compute), the sim ends every session of that host with a last
 * line saying why, so the stand-in process dies with it.
 *
 * Lines: `{"event":"started","host","session","compute":"started"|"already running"}`,
 * `{"event":"heartbeat","session","at"}`, `{"event":"ended","session","reason"}`.
 */
import type { ServerResponse } from 'node:http';
import type { Cloud } from './cloud';
import type { Reply } from './router';

const HEARTBEAT_MS = 1000;

interface Session {
  id: number;
  host: string;
  res: ServerResponse;
  timer: NodeJS.Timeout;
  /** Ended by the sim (nova-compute stopped): its connection closing changes nothing more. */
  ended: boolean;
}

export class ComputeSessions {
  private seq = 0;
  /** The newest session per host: only its end stops nova-compute. */
  private readonly newest = new Map<string, number>();
  private readonly open = new Set<Session>();

  constructor(private readonly cloud: Cloud) {
    cloud.computeStopListeners.add((host, reason) => {
      for (const s of [...this.open]) if (s.host === host) this.end(s, reason);
    });
  }

  /** The newest session's id for the host while it is open, else null. */
  current(host: string): number | null {
    const id = this.newest.get(host);
    return id !== undefined && [...this.open].some((s) => s.id === id) ? id : null;
  }

  /** How many sessions of the host are open (an older one stays open until its client goes). */
  openCount(host: string): number {
    let n = 0;
    for (const s of this.open) if (s.host === host) n++;
    return n;
  }

  /** Start nova-compute (404 unknown host, 409 powered off) and hold the answer open. */
  start(host: string): Reply {
    const started = this.cloud.startCompute(host);
    const id = ++this.seq;
    this.newest.set(host, id);
    return {
      status: 200,
      headers: { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' },
      hold: (res) => this.hold(id, host, res, started),
    };
  }

  private hold(id: number, host: string, res: ServerResponse, started: boolean): void {
    const s: Session = { id, host, res, timer: setInterval(() => this.beat(s), HEARTBEAT_MS), ended: false };
    s.timer.unref();
    this.open.add(s);
    res.on('error', () => undefined);
    res.once('close', () => this.closed(s));
    this.write(s, { event: 'started', host, session: id, compute: started ? 'started' : 'already running' });
    // The client may have gone before we held the answer: then 'close' has already fired.
    if (res.destroyed || res.socket === null || res.socket.destroyed) this.closed(s);
  }

  private beat(s: Session): void {
    this.write(s, { event: 'heartbeat', session: s.id, at: new Date().toISOString() });
  }

  private write(s: Session, line: Record<string, unknown>): void {
    if (s.res.destroyed || s.res.writableEnded) return;
    s.res.write(`${JSON.stringify(line)}\n`);
  }

  /** nova-compute stopped on the sim's side: say why and close the answer. */
  private end(s: Session, reason: string): void {
    if (s.ended) return;
    s.ended = true;
    clearInterval(s.timer);
    this.write(s, { event: 'ended', session: s.id, reason });
    if (!s.res.destroyed && !s.res.writableEnded) s.res.end();
    this.open.delete(s);
  }

  /** The client's connection closed: the process is gone. */
  private closed(s: Session): void {
    clearInterval(s.timer);
    if (!this.open.delete(s) || s.ended) return;
    s.ended = true;
    if (this.newest.get(s.host) !== s.id) return;
    this.cloud.stopCompute(s.host, `the nova-compute process of session ${s.id} went away`);
  }
}
