/**
 * Cross-process join latency and throughput, on this machine:
 *
 *   node test/scaling/join-latency.ts [--processes 3] [--joins 600] [--concurrency 16]
 *
 * Starts a private redis-server and N game processes (as the scaling specs do),
 * opens host rooms spread over every process, then has players join those rooms
 * always through a *different* process's matchmaking: reservation over Redis on
 * the room's process, then the WebSocket straight to it. Latency is from the
 * matchmaking request to the joined room (the SDK's join resolving); each player
 * leaves right after, so seats stay free. Prints p50/p90/p99/max and joins per second.
 */
import { Command, InvalidArgumentError } from "commander";
import { joinThrough, killAll, startProcesses, startRedis, waitForPeers, type Seat } from "./support.ts";

function integer(min: number) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer of at least ${min}.`);
    return n;
  };
}

const options = new Command("join-latency")
  .option("--processes <n>", "game processes", integer(2), 3)
  .option("--joins <n>", "measured joins", integer(1), 600)
  .option("--concurrency <n>", "players joining at once", integer(1), 16)
  .option("--warmup <n>", "joins before measuring", integer(0), 30)
  .parse()
  .opts<{ processes: number; joins: number; concurrency: number; warmup: number }>();

try {
  const redis = await startRedis();
  const cluster = await startProcesses(options.processes, redis.url);
  await waitForPeers(cluster, redis.port);

  // Host rooms on every process: 2 per process, each with one player who stays.
  const hosts: Seat[] = [];
  const perProcess = new Map<string, number>();
  for (let i = 0; [...perProcess.values()].filter((n) => n >= 2).length < cluster.length && i < 200; i++) {
    const seat = await joinThrough(cluster[i % cluster.length].endpoint, "create", "arena", { mode: "ffa" });
    hosts.push(seat);
    perProcess.set(seat.reservation.processId, (perProcess.get(seat.reservation.processId) ?? 0) + 1);
  }
  if (new Set(hosts.map((h) => h.reservation.processId)).size < cluster.length) throw new Error("placement never spread host rooms over every process");

  let next = 0;
  const joinOnce = async (): Promise<number> => {
    const host = hosts[next++ % hosts.length];
    const others = cluster.filter((p) => p.processId !== host.reservation.processId);
    const via = others[next % others.length];
    const started = performance.now();
    const seat = await joinThrough(via.endpoint, "joinById", host.reservation.roomId);
    const ms = performance.now() - started;
    if (seat.reservation.processId === via.processId) throw new Error("the join was not cross-process");
    await seat.room.leave();
    return ms;
  };

  const run = async (count: number) => {
    const latencies: number[] = [];
    let remaining = count;
    const started = performance.now();
    await Promise.all(Array.from({ length: options.concurrency }, async () => {
      while (remaining-- > 0) latencies.push(await joinOnce());
    }));
    return { latencies, seconds: (performance.now() - started) / 1000 };
  };

  await run(options.warmup);
  const { latencies, seconds } = await run(options.joins);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  const figures = {
    processes: options.processes,
    joins: latencies.length,
    concurrency: options.concurrency,
    p50_ms: round(at(0.5)),
    p90_ms: round(at(0.9)),
    p99_ms: round(at(0.99)),
    max_ms: round(latencies[latencies.length - 1]),
    joins_per_second: round(latencies.length / seconds),
  };
  console.log(`cross-process joins, ${figures.processes} processes, ${figures.joins} joins, ${figures.concurrency} at once`);
  console.log(`  latency p50 ${figures.p50_ms} ms   p90 ${figures.p90_ms} ms   p99 ${figures.p99_ms} ms   max ${figures.max_ms} ms`);
  console.log(`  throughput ${figures.joins_per_second} joins/s`);
  console.log(JSON.stringify(figures));
  await Promise.allSettled(hosts.map((h) => h.room.leave()));
} finally {
  killAll();
}

function round(n: number) {
  return Math.round(n * 10) / 10;
}
