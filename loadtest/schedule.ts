/**
 * How many bots should be in play at each moment: a piecewise-linear ramp of
 * (time, bots) points. `--bots 500 --ramp 10` is [(0, 0), (10, 500)]; the
 * bench chains steps to search for capacity.
 */

export interface SchedulePoint { at: number; bots: number }
export type Schedule = readonly SchedulePoint[];

/** Bots that should have joined by `t` seconds. */
export function botsAt(schedule: Schedule, t: number): number {
  if (schedule.length === 0 || t < schedule[0].at) return 0;
  for (let i = 1; i < schedule.length; i++) {
    const a = schedule[i - 1], b = schedule[i];
    if (t < b.at) return Math.floor(a.bots + ((b.bots - a.bots) * (t - a.at)) / (b.at - a.at));
  }
  return schedule[schedule.length - 1].bots;
}

/** When bot number `k` (0-based) joins, s: the moment the ramp first reaches k + 1 bots. */
export function joinTime(schedule: Schedule, k: number): number | undefined {
  const need = k + 1;
  for (let i = 0; i < schedule.length; i++) {
    const b = schedule[i];
    if (b.bots < need) continue;
    if (i === 0) return b.at;
    const a = schedule[i - 1];
    if (a.bots >= need) return a.at;
    return a.at + ((need - a.bots) / (b.bots - a.bots)) * (b.at - a.at);
  }
  return undefined;
}

export function peakBots(schedule: Schedule): number {
  return schedule.reduce((m, p) => Math.max(m, p.bots), 0);
}

/** The ramp the CLI's --bots and --ramp describe. */
export function linearRamp(bots: number, rampSeconds: number): Schedule {
  return rampSeconds > 0 ? [{ at: 0, bots: 0 }, { at: rampSeconds, bots }] : [{ at: 0, bots }];
}

/** Slots each period is cut into: the helper fleets (floor.ts, stock.ts) spread their sends as the bot workers spread their steps. */
const SEND_SLOTS = 6;

/**
 * Call `send(i)` for each of `count` senders `perSecond` times a second, the
 * senders spread over SEND_SLOTS slots of each period, each slot on its own
 * deadline: timers round to whole milliseconds, which would change the rate.
 * Returns a function that stops it.
 */
export function sendInSlots(count: number, perSecond: number, send: (i: number) => void): () => void {
  const slotMs = 1000 / perSecond / SEND_SLOTS;
  const from = performance.now();
  let slot = 0;
  let timer: ReturnType<typeof setTimeout>;
  const tick = () => {
    const due = Math.floor((performance.now() - from) / slotMs);
    for (; slot <= due; slot++) for (let i = slot % SEND_SLOTS; i < count; i += SEND_SLOTS) send(i);
    timer = setTimeout(tick, Math.max(0, from + slot * slotMs - performance.now()));
  };
  tick();
  return () => clearTimeout(timer);
}
