/** Time as the embedded host sees it; tests swap in a manual clock to skip waiting. */
export interface Clock {
  now(): number;
  /** Called by the host to wait; a manual clock resolves when time is advanced past `until`. */
  onAdvance?(listener: () => void): void;
}

export const systemClock: Clock = { now: () => Date.now() };

export class ManualClock implements Clock {
  private listeners: Array<() => void> = [];
  constructor(private current = Date.parse('2026-01-01T00:00:00Z')) {}
  now(): number {
    return this.current;
  }
  onAdvance(listener: () => void): void {
    this.listeners.push(listener);
  }
  advance(ms: number): void {
    this.current += ms;
    for (const listener of this.listeners) listener();
  }
}
