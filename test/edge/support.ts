/** Raw HTTP and WebSocket requests for the edge specs: what an attacker sends, not what the SDK would. */
import WebSocket from "ws";

export interface UpgradeOutcome {
  /** True when the handshake completed (the socket is then closed). */
  opened: boolean;
  status?: number;
  body?: unknown;
}

/** Try a WebSocket upgrade with the given path and headers; report whether it opened, or the refusal. */
export function tryUpgrade(port: number, path: string, headers: Record<string, string> = {}): Promise<UpgradeOutcome> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
    socket.on("open", () => { socket.terminate(); resolve({ opened: true }); });
    socket.on("unexpected-response", (_req, res) => {
      let text = "";
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => {
        let body: unknown = text;
        try { body = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ opened: false, status: res.statusCode, body });
      });
    });
    socket.on("error", (error) => reject(error));
  });
}
