/**
 * /health tells a load balancer its status and no more; the operator token
 * (ADMIN_TOKEN) gets the details. /metrics can require METRICS_TOKEN, or live
 * only on an internal listener (METRICS_PORT, METRICS_HOST).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, killAll, startProcess, type GameProcess } from "../../tools/process.ts";

const ADMIN_TOKEN = "operator-token-for-the-spec";
const METRICS_TOKEN = "metrics-token-for-the-spec";

let withToken: GameProcess;
let internal: GameProcess;
let metricsPort: number;
beforeAll(async () => {
  metricsPort = await freePort();
  [withToken, internal] = await Promise.all([
    startProcess({ name: "metrics-token", env: { ADMIN_TOKEN, METRICS_TOKEN } }),
    startProcess({ name: "metrics-internal", env: { METRICS_PORT: String(metricsPort), METRICS_HOST: "127.0.0.1" } }),
  ]);
});
afterAll(killAll);

describe("operator surfaces", () => {
  it("answers /health with its status alone, without process ids or player counts", async () => {
    const response = await fetch(`${withToken.endpoint}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("gives the operator token /health's details", async () => {
    const details = await (await fetch(`${withToken.endpoint}/health`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
    expect(details).toMatchObject({ status: "ok", processId: withToken.processId, redis: "unused", rooms: 0, ccu: 0 });
    const wrong = await (await fetch(`${withToken.endpoint}/health`, { headers: { authorization: "Bearer guess" } })).json();
    expect(wrong).toEqual({ status: "ok" });
  });

  it("refuses /metrics without METRICS_TOKEN when one is set", async () => {
    expect((await fetch(`${withToken.endpoint}/metrics`)).status).toBe(401);
    expect((await fetch(`${withToken.endpoint}/metrics`, { headers: { authorization: "Bearer wrong-token-wrong-token" } })).status).toBe(401);
    const allowed = await fetch(`${withToken.endpoint}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain("tickforge_ccu");
  });

  it("with METRICS_PORT, serves /metrics only on that listener", async () => {
    expect((await fetch(`${internal.endpoint}/metrics`)).status).toBe(404);
    const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain("tickforge_ccu");
  });

  it("lists the deployment's processes at /metrics/targets behind the metrics token, each with where its /metrics answers", async () => {
    expect((await fetch(`${withToken.endpoint}/metrics/targets`)).status).toBe(401);
    const targets = await (await fetch(`${withToken.endpoint}/metrics/targets`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).json();
    expect(targets).toEqual([{ targets: [`127.0.0.1:${withToken.port}`], labels: { process_id: withToken.processId, pid: String(withToken.pid), hostname: expect.any(String), draining: "false" } }]);
  });

  it("with METRICS_PORT, lists itself at that listener's address, and serves /metrics/targets only there", async () => {
    expect((await fetch(`${internal.endpoint}/metrics/targets`)).status).toBe(404);
    const targets = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics/targets`)).json();
    expect(targets.map((t: { targets: string[] }) => t.targets[0])).toEqual([`127.0.0.1:${metricsPort}`]);
  });
});
