/**
 * Entry point, and the only file that touches the page: finds the mount
 * point, reads link-conditioner settings from the query string
 * (`?latency=150&jitter=20&loss=1`) and what draws other players
 * (`?remotes=sdk`: the SDK's lerp and clock, for comparison), starts the game and exposes the debug
 * hook as `window.__tickforge` for tests and the measurement script.
 */
import { checkLinkSettings, type LinkSettings } from "../../shared/link.ts";
import { StartGame } from "./game/StartGame.ts";

function linkFromQuery(params: URLSearchParams): Partial<LinkSettings> {
  const read = (name: string) => (params.has(name) ? Number(params.get(name)) : undefined);
  try {
    return checkLinkSettings({ latencyMs: read("latency"), jitterMs: read("jitter"), lossPercent: read("loss") });
  } catch (error) {
    console.warn(`${(error as Error).message} Starting with a clean link.`);
    return {};
  }
}

const { game, debug } = StartGame("game", {
  endpoint: `${location.protocol}//${location.host}`,
  link: linkFromQuery(new URLSearchParams(location.search)),
  remotes: new URLSearchParams(location.search).get("remotes") === "sdk" ? "sdk" : "buffer",
});

/** Count distinct colours in a downscaled snapshot of the canvas: proof something was drawn. */
function countColours(): Promise<number> {
  return new Promise((resolve) => {
    game.renderer.snapshot((image) => {
      const img = image as HTMLImageElement;
      const canvas = document.createElement("canvas");
      canvas.width = 160;
      canvas.height = 100;
      const ctx = canvas.getContext("2d")!;
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < data.length; i += 4) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      resolve(seen.size);
    });
  });
}

Object.assign(window, { __tickforge: Object.assign(debug, { countColours }) });
