import type { Clock } from '#application/ports/clock.ts';

/** A clock that only moves when the test says so. */
export class FixedClock implements Clock {
  private current: Date;

  constructor(start: Date | string = '2026-11-23T10:00:00.000Z') {
    this.current = new Date(start);
  }

  now(): Date {
    return new Date(this.current);
  }

  set(time: Date | string): void {
    this.current = new Date(time);
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
