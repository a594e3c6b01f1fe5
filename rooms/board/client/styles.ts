/** The board page's look, one stylesheet added while a board is open. Light, quiet, like the tools teams use. */
export const BOARD_CSS = `
.bd-root { position: fixed; inset: 0; z-index: 10; background: #f5f5f2; color: #1f2328;
  font: 14px/1.4 Inter, "Segoe UI", system-ui, -apple-system, sans-serif; user-select: none; overflow: hidden; }
.bd-root * { box-sizing: border-box; }
.bd-viewport { position: absolute; inset: 0; overflow: hidden; touch-action: none;
  background-image: radial-gradient(#d4d4cf 1.2px, transparent 1.2px); background-size: 24px 24px; }
.bd-viewport.bd-tool-select { cursor: default; }
.bd-viewport.bd-tool-note, .bd-viewport.bd-tool-rect, .bd-viewport.bd-tool-ellipse, .bd-viewport.bd-tool-text,
.bd-viewport.bd-tool-arrow, .bd-viewport.bd-tool-pen { cursor: crosshair; }
.bd-viewport.bd-panning { cursor: grabbing; }
.bd-world { position: absolute; left: 0; top: 0; transform-origin: 0 0; }
.bd-shape { position: absolute; transform-origin: 50% 50%; }
.bd-note { border-radius: 3px; box-shadow: 0 1px 2px rgba(0,0,0,.08), 0 6px 14px rgba(0,0,0,.10); padding: 16px; }
.bd-rect { border-radius: 8px; border: 2px solid; }
.bd-ellipse { border-radius: 50%; border: 2px solid; }
.bd-text-shape { padding: 2px 4px; }
.bd-text { width: 100%; height: 100%; white-space: pre-wrap; overflow-wrap: anywhere; overflow: hidden; font-size: 18px; line-height: 1.35; }
.bd-text-shape .bd-text { font-size: 24px; font-weight: 600; line-height: 1.25; overflow: visible; }
.bd-text.bd-empty::before { content: attr(data-placeholder); opacity: .45; }
.bd-editor { width: 100%; height: 100%; border: 0; outline: 0; resize: none; background: transparent; color: inherit;
  font: inherit; font-size: 18px; line-height: 1.35; padding: 0; margin: 0; overflow: hidden; user-select: text; }
.bd-text-shape .bd-editor { font-size: 24px; font-weight: 600; line-height: 1.25; }
.bd-shape svg { position: absolute; inset: 0; width: 100%; height: 100%; overflow: visible; pointer-events: none; }
.bd-stroke { pointer-events: none; }
.bd-stroke polyline { pointer-events: stroke; }
.bd-arrow-line { pointer-events: none; }
.bd-arrow { position: absolute; left: 0; top: 0; width: 1px; height: 1px; overflow: visible; }
.bd-arrow svg { position: absolute; left: 0; top: 0; overflow: visible; }
.bd-arrow-hit { stroke: transparent; stroke-width: 14; fill: none; pointer-events: stroke; }
.bd-overlay { position: absolute; left: 0; top: 0; pointer-events: none; }
.bd-sel { position: absolute; transform-origin: 50% 50%; border: 1.5px solid #4f6bed; border-radius: 2px; }
.bd-handle { position: absolute; width: 10px; height: 10px; background: #fff; border: 1.5px solid #4f6bed; border-radius: 2px;
  pointer-events: auto; }
.bd-rotate { position: absolute; width: 12px; height: 12px; background: #fff; border: 1.5px solid #4f6bed; border-radius: 50%;
  pointer-events: auto; cursor: grab; }
.bd-peer-sel { position: absolute; transform-origin: 50% 50%; border: 2px solid; border-radius: 3px; }
.bd-tag { position: absolute; left: -2px; bottom: 100%; margin-bottom: 4px; padding: 1px 7px; border-radius: 6px 6px 6px 0;
  color: #fff; font-size: 11px; font-weight: 600; white-space: nowrap; }
.bd-cursor { position: absolute; left: 0; top: 0; pointer-events: none; transition: transform 60ms linear; }
.bd-cursor svg { display: block; filter: drop-shadow(0 1px 1px rgba(0,0,0,.25)); }
.bd-cursor-name { position: absolute; left: 14px; top: 18px; padding: 2px 8px; border-radius: 10px; color: #fff;
  font-size: 12px; font-weight: 600; white-space: nowrap; box-shadow: 0 1px 3px rgba(0,0,0,.2); }
.bd-marquee { position: absolute; border: 1px solid #4f6bed; background: rgba(79,107,237,.08); }
.bd-preview-line { stroke: #4f6bed; stroke-width: 2; stroke-dasharray: 6 5; fill: none; }

.bd-topbar { position: absolute; left: 12px; right: 12px; top: 12px; height: 48px; display: flex; align-items: center; gap: 10px;
  pointer-events: none; }
.bd-panel { background: #fff; border-radius: 10px; box-shadow: 0 1px 3px rgba(0,0,0,.08), 0 4px 16px rgba(0,0,0,.06);
  pointer-events: auto; }
.bd-title { display: flex; align-items: center; gap: 10px; height: 48px; padding: 0 14px; }
.bd-logo { width: 24px; height: 24px; border-radius: 6px; background: linear-gradient(135deg, #4f6bed, #9c36b5); }
.bd-name { font-weight: 650; font-size: 15px; }
.bd-id { color: #6b7280; font-size: 12px; font-family: ui-monospace, monospace; }
.bd-status { font-size: 12px; padding: 3px 9px; border-radius: 10px; background: #e7f5ec; color: #1f7a3f; }
.bd-status.bd-offline { background: #fff4e0; color: #9a5b00; }
.bd-status.bd-viewer { background: #eef0f3; color: #4b5563; }
.bd-spacer { flex: 1; }
.bd-people { display: flex; align-items: center; height: 48px; padding: 0 10px; gap: 0; }
.bd-avatar { width: 30px; height: 30px; border-radius: 50%; color: #fff; font-size: 12px; font-weight: 700; display: grid;
  place-items: center; border: 2px solid #fff; margin-left: -6px; position: relative; }
.bd-avatar:first-child { margin-left: 0; }
.bd-avatar.bd-away { opacity: .4; }
.bd-btn { height: 36px; padding: 0 14px; border: 0; border-radius: 8px; font: inherit; font-weight: 600; cursor: pointer;
  background: #f1f2f4; color: #1f2328; }
.bd-btn:hover { background: #e6e8eb; }
.bd-btn.bd-primary { background: #4f6bed; color: #fff; }
.bd-btn.bd-primary:hover { background: #3d58d6; }
.bd-actions { display: flex; align-items: center; gap: 8px; height: 48px; padding: 0 6px; }

.bd-toolbar { position: absolute; left: 12px; top: 50%; transform: translateY(-50%); display: flex; flex-direction: column;
  padding: 6px; gap: 2px; }
.bd-tool { width: 40px; height: 40px; border: 0; border-radius: 8px; background: transparent; color: #374151; cursor: pointer;
  display: grid; place-items: center; position: relative; }
.bd-tool:hover { background: #f1f2f4; }
.bd-tool.bd-on { background: #e8ecfd; color: #3d58d6; }
.bd-tool:disabled { opacity: .35; cursor: default; background: transparent; }
.bd-tool svg { width: 22px; height: 22px; fill: none; stroke: currentColor; stroke-width: 1.8; stroke-linecap: round; stroke-linejoin: round; }
.bd-sep { height: 1px; background: #e5e7eb; margin: 4px 6px; }
.bd-swatches { display: grid; grid-template-columns: 1fr 1fr; gap: 4px; padding: 4px 2px; }
.bd-swatch { width: 17px; height: 17px; border-radius: 50%; border: 1px solid rgba(0,0,0,.15); cursor: pointer; padding: 0; }
.bd-swatch.bd-on { outline: 2px solid #4f6bed; outline-offset: 1px; }

.bd-bottom { position: absolute; left: 12px; right: 12px; bottom: 12px; display: flex; align-items: flex-end; gap: 10px; pointer-events: none; }
.bd-hint { padding: 8px 12px; font-size: 12px; color: #4b5563; }
.bd-zoom { display: flex; align-items: center; padding: 4px; gap: 2px; }
.bd-zoom .bd-tool { width: 32px; height: 32px; }
.bd-zoom-label { min-width: 48px; text-align: center; font-size: 12px; color: #4b5563; }
.bd-toast { position: absolute; left: 50%; top: 72px; transform: translateX(-50%); padding: 10px 16px; background: #2b2d31; color: #fff;
  border-radius: 8px; font-size: 13px; box-shadow: 0 4px 16px rgba(0,0,0,.2); opacity: 0; transition: opacity .2s; pointer-events: none; }
.bd-toast.bd-show { opacity: 1; }
.bd-share { position: absolute; right: 12px; top: 68px; width: 380px; padding: 14px; display: none; }
.bd-share.bd-show { display: block; }
.bd-share h3 { margin: 0 0 8px; font-size: 14px; }
.bd-share p { margin: 0 0 10px; font-size: 12px; color: #6b7280; }
.bd-check { display: block; font-size: 12px; margin: 2px 0 10px; cursor: pointer; }
.bd-share .bd-check input { width: auto; height: auto; margin: 0 6px 0 0; vertical-align: middle; }
.bd-share input { width: 100%; height: 34px; border: 1px solid #d1d5db; border-radius: 6px; padding: 0 8px; font: 12px ui-monospace, monospace;
  margin-bottom: 8px; user-select: text; }
`;
