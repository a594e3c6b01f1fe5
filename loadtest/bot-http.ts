/**
 * The bots' HTTP client for matchmaking, passed to the SDK as its `fetchFn`.
 *
 * The SDK calls the global `fetch` (undici in Node) for the matchmaking
 * request. A browser makes that call once per player; a bot worker makes it
 * 160 times a second in the bench's join burst, and there undici's web
 * Request, Headers and stream objects cost about 1 ms of the worker's CPU per
 * join, a third of a bot's whole join (measured with 432 sequential joins on
 * a pinned core: 2.5–3.3 ms with `fetch`, 1.6–1.7 ms with this). That time
 * queued the other bots' joins behind it, so the join latency figure was
 * partly the tester's. This sends the same request through `node:http`.
 *
 * Like undici's global pool, and like a browser that loaded the game from the
 * same server, requests reuse kept-alive connections; a worker shares one
 * pool across its bots.
 */
import http from "node:http";
import https from "node:https";

const agents = {
  "http:": new http.Agent({ keepAlive: true }),
  "https:": new https.Agent({ keepAlive: true }),
};

/** What the SDK reads of a fetch Response (@colyseus/sdk HTTP.executeRequest). */
export interface BotResponse {
  ok: boolean;
  status: number;
  statusText: string;
  headers: { get(name: string): string | null };
  json(): Promise<unknown>;
  text(): Promise<string>;
  blob(): Promise<Blob>;
}

interface BotRequestInit {
  method?: string;
  headers?: Headers | Record<string, string>;
  body?: string | null;
  signal?: AbortSignal | null;
}

export function botFetch(url: string | URL, init: BotRequestInit = {}): Promise<BotResponse> {
  const target = typeof url === "string" ? new URL(url) : url;
  const client = target.protocol === "https:" ? https : http;
  const headers = init.headers instanceof Headers ? Object.fromEntries(init.headers) : { ...init.headers };
  return new Promise((resolve, reject) => {
    const request = client.request(target, {
      method: init.method ?? "GET",
      headers,
      agent: agents[target.protocol as keyof typeof agents],
      signal: init.signal ?? undefined,
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () => {
        const body = Buffer.concat(chunks);
        const status = response.statusCode ?? 0;
        resolve({
          ok: status >= 200 && status < 300,
          status,
          statusText: response.statusMessage ?? "",
          headers: {
            get: (name) => {
              const value = response.headers[name.toLowerCase()];
              return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
            },
          },
          json: async () => JSON.parse(body.toString("utf8")),
          text: async () => body.toString("utf8"),
          blob: async () => new Blob([body]),
        });
      });
    });
    request.on("error", reject);
    request.end(init.body ?? undefined);
  });
}
