/**
 * Prometheus metrics (prom-client), served at GET /metrics. One registry per
 * process; rooms report through the helpers below rather than touching
 * prom-client themselves.
 */
import { matchMaker } from "@colyseus/core";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export const registry = new Registry();
// process_cpu_seconds_total, process_resident_memory_bytes, nodejs_eventloop_lag_* …
collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });

new Gauge({
  name: "tickforge_ccu",
  help: "Clients connected to rooms in this process.",
  registers: [registry],
  collect() { this.set(matchMaker.stats.local.ccu); },
});

new Gauge({
  name: "tickforge_process_info",
  help: "Always 1; its label names this process in matchmaking, so a scraper tells a restarted process on the same port from the one before.",
  labelNames: ["process_id"] as const,
  registers: [registry],
  collect() {
    this.reset();
    if (matchMaker.processId) this.labels(matchMaker.processId).set(1);
  },
});

new Gauge({
  name: "tickforge_rooms",
  help: "Rooms alive in this process, by room type.",
  labelNames: ["room_type"] as const,
  registers: [registry],
  async collect() {
    // The listing lives in the driver (Redis with REDIS_URL): during an outage keep the last values, never fail the scrape.
    const rooms = await matchMaker.query({ processId: matchMaker.processId }).catch(() => undefined);
    if (!rooms) return;
    this.reset();
    for (const room of rooms) this.labels(room.name).inc();
  },
});

/** Bucket bounds as fractions of one step's budget: fine below it, the interesting range, and a few past it. */
const TICK_BUCKET_FRACTIONS = [1 / 640, 1 / 320, 1 / 128, 1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1, 2, 3];

/** Bucket bounds (s) for a step budget of 1/tickRate, two significant digits. */
export function tickBuckets(tickRate: number): number[] {
  return TICK_BUCKET_FRACTIONS.map((f) => Number((f / tickRate).toPrecision(2)));
}

let tickHistogram: Histogram<"room_type"> | undefined;
let tickHistogramRate = 0;

/**
 * The step-time histogram, with buckets for this server's tick rate
 * (createGameServer calls it with TICK_RATE; a later server in the same
 * process with another rate gets fresh buckets).
 */
export function tickDuration(tickRate = tickHistogramRate || 30): Histogram<"room_type"> {
  if (tickHistogram && tickHistogramRate === tickRate) return tickHistogram;
  if (tickHistogram) registry.removeSingleMetric("tickforge_tick_duration_seconds");
  tickHistogramRate = tickRate;
  tickHistogram = new Histogram({
    name: "tickforge_tick_duration_seconds",
    help: "Wall time of one fixed simulation step, by room type.",
    labelNames: ["room_type"] as const,
    buckets: tickBuckets(tickRate),
    registers: [registry],
  });
  return tickHistogram;
}

export const rejectedMessages = new Counter({
  name: "tickforge_rejected_messages_total",
  help: "Client messages refused (invalid, unknown type, over the rate limit), by room type and reason.",
  labelNames: ["room_type", "reason"] as const,
  registers: [registry],
});

/** One running total of a hot counter: add to `value` directly. */
export interface CounterCell { value: number }

/**
 * A counter for the per-frame path. prom-client's inc() hashes and validates
 * its labels on every call, which at tens of thousands of frames a second
 * shows in the server's CPU; here each label set is a plain number, found once
 * per socket, and copied into prom-client when /metrics is scraped.
 */
function hotCounter<L extends string>(config: { name: string; help: string; labelNames: readonly L[] }) {
  const cells = new Map<string, { labels: Record<L, string>; cell: CounterCell }>();
  new Counter({
    ...config,
    registers: [registry],
    collect() {
      this.reset();
      for (const { labels, cell } of cells.values()) this.inc(labels, cell.value);
    },
  });
  return {
    /** The running total for these label values, in labelNames order. */
    cell(...values: string[]): CounterCell {
      const key = values.join("\u0000");
      let entry = cells.get(key);
      if (!entry) {
        const labels = Object.fromEntries(config.labelNames.map((name, i) => [name, values[i]])) as Record<L, string>;
        entry = { labels, cell: { value: 0 } };
        cells.set(key, entry);
      }
      return entry.cell;
    },
  };
}

/** Room frames by protocol kind ("patch", "message", "input"…), counted at the WebSocket. */
export const messagesReceived = hotCounter({
  name: "tickforge_messages_received_total",
  help: "WebSocket frames received from clients, by room type and kind.",
  labelNames: ["room_type", "kind"] as const,
});

export const messagesSent = hotCounter({
  name: "tickforge_messages_sent_total",
  help: "WebSocket frames sent to clients, by room type and kind.",
  labelNames: ["room_type", "kind"] as const,
});

export const patchBytes = hotCounter({
  name: "tickforge_patch_bytes_total",
  help: "Bytes of state sent to clients (full states and delta patches), by room type.",
  labelNames: ["room_type"] as const,
});

export const reconnects = new Counter({
  name: "tickforge_reconnects_total",
  help: "Players who got their held seat back after a network drop, by room type.",
  labelNames: ["room_type"] as const,
  registers: [registry],
});

export const announcementsDelivered = new Counter({
  name: "tickforge_announcements_total",
  help: "Server-wide announcements this process forwarded into its rooms.",
  registers: [registry],
});

export const notificationsDelivered = new Counter({
  name: "tickforge_notifications_delivered_total",
  help: "Live notifications this process sent to its sockets (one per socket).",
  registers: [registry],
});

export const redisUp = new Gauge({
  name: "tickforge_redis_up",
  help: "1 while this process reaches Redis (always 1 with local presence).",
  registers: [registry],
});
redisUp.set(1);

export const draining = new Gauge({
  name: "tickforge_draining",
  help: "1 once this process has begun its graceful shutdown.",
  registers: [registry],
});
