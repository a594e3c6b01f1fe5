/**
 * DevOverlay (F3): the network as the prediction sees it (the link's round
 * trip, arrival jitter, corrections per second and their mean size, inputs in
 * flight), how smoothly other entities are drawn (shared/motion-figures.ts:
 * the same figures as bench/measure-client.ts, since the link last changed) and
 * the link conditioner's controls, so anyone can add 150 ms and watch
 * prediction hold.
 */
import * as Phaser from "phaser";
import type { LinkSettings } from "../../../../shared/link.ts";
import type { MotionSummary } from "../../../../shared/motion-figures.ts";
import type { RemoteView } from "../../net/remotes.ts";
import type { GameSession } from "../../net/session.ts";
import { debugOf, sessionOf } from "../context.ts";
import { FONT, OVERLAY, OVERLAY_LEFT, OVERLAY_PRESET, OVERLAY_TOP } from "../layout.ts";
import { COLORS } from "../style.ts";
import { button, panel, textStyle } from "../ui.ts";

/** The motion figures sort every frame's delay: summed up twice a second, not every frame. */
const MOTION_EVERY_MS = 500;

const W = OVERLAY.width;
const H = OVERLAY.height;

interface Knob { key: keyof LinkSettings; label: string; unit: string; step: number }
const KNOBS: Knob[] = [
  { key: "latencyMs", label: "latency", unit: "ms", step: 25 },
  { key: "jitterMs", label: "jitter", unit: "ms", step: 5 },
  { key: "lossPercent", label: "loss", unit: "%", step: 1 },
];

export class DevOverlay extends Phaser.Scene {
  #session!: GameSession;
  #stats!: Phaser.GameObjects.Text;
  #knobText: Phaser.GameObjects.Text[] = [];
  #motion: MotionSummary | undefined;
  #motionAt = 0;

  constructor() {
    super("DevOverlay");
  }

  create(): void {
    this.#session = sessionOf(this);
    const left = OVERLAY_LEFT;
    const top = OVERLAY_TOP;
    panel(this, left, top, W, H, 0.9);
    this.add.text(left + 16, top + 12, "NETWORK  (F3 to close)", textStyle(FONT.small, COLORS.accent, true));
    this.#stats = this.add.text(left + 16, top + 40, "", { ...textStyle(FONT.small, COLORS.text, true), lineSpacing: 3 });
    this.#stats.setText(this.#lines().join("\n")); // sized once, so the controls sit below it
    const knobTop = this.#stats.y + this.#stats.height + 40;
    this.add.text(left + 16, knobTop - 32, "LINK CONDITIONER (both directions)", textStyle(FONT.small - 2, COLORS.dim, true));
    this.#knobText = [];
    KNOBS.forEach((knob, i) => {
      const y = knobTop + i * 30;
      this.#knobText.push(this.add.text(left + 16, y, "", textStyle(FONT.small, COLORS.text, true)).setOrigin(0, 0.5));
      button(this, left + W - 96, y, "−", () => this.#nudge(knob, -1), { width: 40, height: 24, size: FONT.small });
      button(this, left + W - 48, y, "+", () => this.#nudge(knob, +1), { width: 40, height: 24, size: FONT.small });
    });
    button(this, OVERLAY_PRESET.x, OVERLAY_PRESET.y, "150 ± 20 ms", () => this.#set({ latencyMs: 150, jitterMs: 20, lossPercent: 0 }), { width: 130, height: 26, size: FONT.small });
    button(this, left + 220, top + H - 24, "clean", () => this.#set({ latencyMs: 0, jitterMs: 0, lossPercent: 0 }), { width: 90, height: 26, size: FONT.small });
    this.events.once("shutdown", () => { debugOf(this).overlayOpen = false; });
    debugOf(this).overlayOpen = true;
  }

  update(): void {
    this.#stats.setText(this.#lines().join("\n"));
    const link = this.#session.link.settings;
    KNOBS.forEach((knob, i) => this.#knobText[i].setText(`${knob.label.padEnd(8)} ${String(link[knob.key]).padStart(4)} ${knob.unit}`));
  }

  #lines(): string[] {
    const session = this.#session;
    const room = session.room;
    const debug = debugOf(this);
    const stats = debug.stats as Record<string, number> | undefined;
    const view = debug.remoteView?.();
    const fps = this.game.loop.actualFps;
    const last = session.roundTrip.lastSampleMs;
    return [
      `fps            ${fps.toFixed(0)}`,
      `ping           ${session.pingMs.toFixed(0)} ms  (last ${Number.isFinite(last) ? last.toFixed(0) : "-"})`,
      `clock rtt      ${(room?.clock.smoothedRtt() ?? 0).toFixed(0)} ms`,
      ...(view ? this.#remoteLines(view) : ["", "(this room type draws nothing from patches)", "", "", ""]),
      ...(stats ? this.#predictionLines(stats) : ["", "(this room type does not predict)", "", ""]),
    ];
  }

  /** How the room type's client draws other entities from the jitter buffer (net/remotes.ts). */
  #remoteLines(view: RemoteView): string[] {
    const playback = view.timeline.playback;
    const now = performance.now();
    if (now - this.#motionAt > MOTION_EVERY_MS) {
      this.#motion = view.motion.summary();
      this.#motionAt = now;
    }
    const m = this.#motion;
    const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
    return [
      `arrival jitter ${playback.jitter.quantileMs(0.95).toFixed(0)} ms p95`,
      `others drawn   ${view.remotes === "sdk" ? "SDK lerp" : `${playback.delayMs.toFixed(0)} ms back (target ${playback.targetDelayMs.toFixed(0)})`}`,
      `  speed CV     ${m ? m.speedCv.toFixed(3) : "-"}   jump ${m ? m.maxJumpRatio.toFixed(2) : "-"}×`,
      `    server's own ${m ? m.truthCv.toFixed(3) : "-"}   clock ${m ? m.clockCv.toFixed(3) : "-"}`,
      `  stalls       ${m ? `${pct(m.stallShare)}, longest ${m.longestStallMs.toFixed(0)} ms; at turns back ${pct(m.turnStallShare)}` : "-"}`,
      `  underruns    ${m ? pct(m.underrunShare) : "-"}`,
    ];
  }

  /** A predicting room type's report (the arena's PredictionStats). */
  #predictionLines(stats: Record<string, number>): string[] {
    return [
      `corrections/s  ${(stats?.correctionsPerSecond ?? 0).toFixed(2)}  (${stats?.corrections ?? 0}; ${stats?.correctionsAtDeath ?? 0} at death)`,
      `mean correct.  ${(stats?.meanCorrection ?? 0).toFixed(2)} units`,
      `inputs pending ${stats?.pendingInputs ?? 0}`,
      `own shots      ${stats?.shotsConfirmed ?? 0}/${stats?.shotsPredicted ?? 0} ok, ${stats?.shotsRejected ?? 0} dropped`,
    ];
  }

  #nudge(knob: Knob, direction: number): void {
    const current = this.#session.link.settings[knob.key];
    const limit = knob.key === "latencyMs" ? 2000 : knob.key === "jitterMs" ? 500 : 50;
    this.#set({ [knob.key]: Math.max(0, Math.min(limit, current + direction * knob.step)) });
  }

  #set(settings: Partial<LinkSettings>): void {
    this.#session.link.set(settings);
    debugOf(this).resetMotion(); // the figures are for the link on screen
  }
}
