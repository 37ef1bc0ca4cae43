/** One audit record of a request. */
export interface AuditEvent {
  time: string;
  user: string;
  impersonatedBy?: string;
  groups: string[];
  verb: string;
  path: string;
  code: number;
  userAgent?: string;
}

/** A bounded in-memory audit log (newest last). */
export class AuditLog {
  private readonly events: AuditEvent[] = [];
  constructor(private readonly capacity = 10_000) {}

  /** Records an event, dropping the oldest when full. */
  record(e: AuditEvent): void {
    this.events.push(e);
    if (this.events.length > this.capacity) this.events.splice(0, this.events.length - this.capacity);
  }

  /** A copy of the recorded events. */
  list(): AuditEvent[] {
    return [...this.events];
  }
}
