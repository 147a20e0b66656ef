/** The only source of "now". Domain code receives dates; services ask the clock once, at the edge. */
export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

/** A clock tests move by hand: they never sleep. */
export class ManualClock implements Clock {
  private instant: Date
  constructor(start: Date | string) {
    this.instant = new Date(start)
  }
  now(): Date {
    return new Date(this.instant)
  }
  set(instant: Date | string): void {
    this.instant = new Date(instant)
  }
  advanceMs(ms: number): void {
    this.instant = new Date(this.instant.getTime() + ms)
  }
}
