/**
 * What the server pays, read from its Prometheus endpoint (GET /metrics)
 * once a second during the run: tick duration per room type, event-loop
 * delay, CPU, memory and CCU. Every process of a cluster is found through
 * GET /metrics/targets, which any of them answers from the placement's
 * reports in Redis, so one entry port is enough to see them all.
 */

export interface Sample { name: string; labels: Record<string, string>; value: number }

/** Parse the Prometheus text exposition format (the subset prom-client writes). */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[2]) for (const l of m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** One scrape of one server process, reduced to what the report needs. */
export interface ServerScrape {
  endpoint: string;
  /** The process's matchmaking id (tickforge_process_info); the endpoint for a server that does not say. */
  processId: string;
  /** performance.now() at the scrape, ms. */
  at: number;
  ccu: number;
  cpuSeconds: number;
  rssBytes: number;
  /** Event-loop delay p99 since the previous scrape (prom-client resets it on each collect), s. */
  eventLoopP99: number;
  /** Cumulative tick-duration buckets per room type: upper bound (s) → count. */
  ticks: Record<string, { le: number; count: number }[]>;
}

// A server started with METRICS_TOKEN wants it; the loadtest takes it from the same variable.
const operatorHeaders = (): Record<string, string> => (process.env.METRICS_TOKEN ? { authorization: `Bearer ${process.env.METRICS_TOKEN}` } : {});

export async function scrape(endpoint: string, timeoutMs = 2000): Promise<ServerScrape> {
  const response = await fetch(new URL("/metrics", endpoint), { signal: AbortSignal.timeout(timeoutMs), headers: operatorHeaders() });
  if (!response.ok) throw new Error(`GET ${endpoint}/metrics answered ${response.status}`);
  return reduce(endpoint, parsePrometheus(await response.text()));
}

/** A process to scrape: where its /metrics answers, and what the cluster says of it. */
export interface Target {
  url: string;
  processId?: string;
  /** On the loadtest's own host only: the OS process, for --kill-at and --restart-at. */
  pid?: number;
  hostname?: string;
  draining?: boolean;
}

/**
 * Every process of the cluster `endpoint` belongs to (GET /metrics/targets,
 * Prometheus's HTTP service-discovery format). A server without that route
 * (404, an older commit under `npm run compare`) is a cluster of one.
 */
export async function discover(endpoint: string, timeoutMs = 5000): Promise<Target[]> {
  const response = await fetch(new URL("/metrics/targets", endpoint), { signal: AbortSignal.timeout(timeoutMs), headers: operatorHeaders() });
  if (response.status === 404) return [{ url: new URL(endpoint).origin }];
  if (!response.ok) throw new Error(`GET ${endpoint}/metrics/targets answered ${response.status}`);
  const list = await response.json() as { targets: string[]; labels?: Record<string, string> }[];
  const scheme = new URL(endpoint).protocol;
  return list.flatMap(({ targets, labels = {} }) => targets.map((address) => ({
    url: `${scheme}//${address}`,
    processId: labels.process_id || undefined,
    pid: labels.pid ? Number(labels.pid) : undefined,
    hostname: labels.hostname || undefined,
    draining: labels.draining === "true",
  })));
}

export function reduce(endpoint: string, samples: Sample[]): ServerScrape {
  const one = (name: string) => samples.find((s) => s.name === name)?.value ?? 0;
  const ticks: ServerScrape["ticks"] = {};
  for (const s of samples) {
    if (s.name !== "tickforge_tick_duration_seconds_bucket") continue;
    const type = s.labels.room_type ?? "?";
    (ticks[type] ??= []).push({ le: s.labels.le === "+Inf" ? Infinity : Number(s.labels.le), count: s.value });
  }
  for (const list of Object.values(ticks)) list.sort((a, b) => a.le - b.le);
  return {
    endpoint,
    processId: samples.find((s) => s.name === "tickforge_process_info")?.labels.process_id ?? endpoint,
    at: performance.now(),
    ccu: one("tickforge_ccu"),
    cpuSeconds: one("process_cpu_seconds_total"),
    rssBytes: one("process_resident_memory_bytes"),
    eventLoopP99: one("nodejs_eventloop_lag_p99_seconds"),
    ticks,
  };
}

/**
 * A percentile of the ticks observed between two scrapes, in ms, from the
 * histogram's buckets (linear within the bucket that holds it). Returns
 * undefined when no tick ran in between.
 */
export function tickPercentileMs(before: ServerScrape["ticks"][string] | undefined, after: ServerScrape["ticks"][string] | undefined, q: number): number | undefined {
  if (!after) return undefined;
  const counts = after.map((b, i) => ({ le: b.le, count: b.count - (before?.[i]?.count ?? 0) }));
  const total = counts[counts.length - 1]?.count ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let prevLe = 0, prevCount = 0;
  for (const b of counts) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe * 1000; // beyond the last bucket: report its bound
      const within = b.count - prevCount;
      const fraction = within > 0 ? (rank - prevCount) / within : 1;
      return (prevLe + (b.le - prevLe) * fraction) * 1000;
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe * 1000;
}
