/**
 * The chat panel and its toasts, drawn as DOM inside Phaser's DOM container
 * (so they scale with the canvas, laid out in game pixels) in the game's
 * palette and fonts. Every player-written string is set with textContent:
 * nothing a player types is ever parsed as HTML.
 *
 * Keyboard: Enter opens the panel and focuses its input (on the title screen
 * Enter is PLAY, so there the input is clicked); Enter sends; Esc closes.
 * While the input has focus its keys stop at the input, so the game under it
 * (the arena's WASD, the cards' D and P, Esc to leave) never sees them.
 */
import { COLORS, css, FONT, FONT_FAMILY, HUD_BAR, PAD, playerColor } from "../../../game-client/src/kit.ts";
import { CHAT_LIMITS } from "../protocol.ts";
import type { ChatClient, Conversation } from "./chat-client.ts";

const WIDTH = 300;
const HEIGHT = 390;
const TOAST_MS = 8000;

/** One notification as the panel shows it: a heading, a line of text, and what clicking it does. */
export interface Toast {
  title: string;
  text: string;
  /** The conversation a click opens. */
  channel?: string;
  /** Operator announcements are drawn in the accent colour instead of the message colour. */
  tone?: "message" | "announcement";
  /** The message itself, once it has arrived (a notification may come before its line): filled in when it does. */
  preview?: () => string | undefined;
}

export interface PanelOptions {
  /** Whether Enter (outside any text field) opens the panel: not where Enter already means something, like the title screen's PLAY. */
  enterOpens: () => boolean;
  /** The input took focus: the game drops keys it holds as down, since their key-ups will not reach it. */
  onFocus: () => void;
}

export class ChatPanel {
  readonly root: HTMLDivElement;
  readonly #chat: ChatClient;
  readonly #options: PanelOptions;
  readonly #tab: HTMLButtonElement;
  readonly #tabBadge: HTMLSpanElement;
  readonly #body: HTMLDivElement;
  readonly #chips: HTMLDivElement;
  readonly #groupForm: HTMLFormElement;
  readonly #groupName: HTMLInputElement;
  readonly #members: HTMLDivElement;
  readonly #log: HTMLDivElement;
  readonly #typing: HTMLDivElement;
  readonly #input: HTMLInputElement;
  readonly #notice: HTMLDivElement;
  readonly #toasts: HTMLDivElement;
  #open = true;
  #frame = 0;
  /** The conversation the log shows, to start a newly shown one at its newest line. */
  #logChannel: string | undefined;
  readonly #offs: (() => void)[] = [];
  /** Toasts still waiting for their message's text. */
  #previews: { text: HTMLElement; preview: () => string | undefined }[] = [];

  constructor(chat: ChatClient, parent: HTMLElement, options: PanelOptions) {
    this.#chat = chat;
    this.#options = options;
    injectStyle();

    this.root = el("div", "tfc-panel", { chat: "panel" });
    this.#tab = el("button", "tfc-tab", { chat: "tab" });
    this.#tab.type = "button";
    this.#tab.append(text("span", "tfc-tab-label", "CHAT"), text("span", "tfc-hint", "Enter"));
    this.#tabBadge = el("span", "tfc-badge");
    this.#tab.append(this.#tabBadge);
    this.#tab.addEventListener("click", () => this.open(true));

    this.#body = el("div", "tfc-body");
    const header = el("div", "tfc-header");
    const close = text("button", "tfc-close", "×");
    (close as HTMLButtonElement).type = "button";
    close.title = "Close (Esc)";
    close.addEventListener("click", () => this.close());
    header.append(text("span", "tfc-heading", "CHAT"), text("span", "tfc-hint", "Esc closes"), close);

    this.#chips = el("div", "tfc-chips", { chat: "conversations" });
    this.#groupForm = el("form", "tfc-group");
    this.#groupName = el("input", "tfc-field");
    this.#groupName.placeholder = "group name";
    this.#groupName.maxLength = 40;
    const join = text("button", "tfc-small", "JOIN");
    const create = text("button", "tfc-small", "NEW");
    (join as HTMLButtonElement).type = "submit";
    (create as HTMLButtonElement).type = "button";
    this.#groupForm.append(this.#groupName, join, create);
    this.#groupForm.hidden = true;
    const submitGroup = (createIt: boolean) => {
      const name = this.#groupName.value.trim();
      if (!name) return;
      this.#chat.joinGroup(name, createIt);
      this.#groupName.value = "";
      this.#groupForm.hidden = true;
    };
    this.#groupForm.addEventListener("submit", (event) => { event.preventDefault(); submitGroup(false); });
    create.addEventListener("click", () => submitGroup(true));

    this.#members = el("div", "tfc-members", { chat: "members" });
    this.#log = el("div", "tfc-log", { chat: "log" });
    this.#log.setAttribute("role", "log");
    this.#log.addEventListener("scroll", () => {
      const visible = this.#chat.visible;
      if (this.#log.scrollTop === 0 && visible) this.#chat.loadOlder(visible);
    });
    this.#notice = el("div", "tfc-notice");
    this.#typing = el("div", "tfc-typing", { chat: "typing" });
    this.#input = el("input", "tfc-input", { chat: "input" });
    this.#input.maxLength = CHAT_LIMITS.messageChars;
    this.#input.placeholder = "Say something…  (Enter sends)";
    this.#input.autocomplete = "off";
    this.#body.append(header, this.#chips, this.#groupForm, this.#members, this.#log, this.#typing, this.#notice, this.#input);
    this.root.append(this.#tab, this.#body);

    this.#toasts = el("div", "tfc-toasts", { chat: "toasts" });
    parent.append(this.root, this.#toasts);

    for (const field of [this.#input, this.#groupName]) {
      // Keys typed here are the chat's alone: the game listens on window, past which they never bubble.
      for (const type of ["keydown", "keyup", "keypress"] as const) field.addEventListener(type, (event) => event.stopPropagation());
      field.addEventListener("focus", () => this.#options.onFocus());
    }
    this.#input.addEventListener("keydown", (event) => this.#onInputKey(event));
    this.#input.addEventListener("input", () => this.#chat.noteTyping());
    this.#groupName.addEventListener("keydown", (event) => { if (event.key === "Escape") this.#groupForm.hidden = true; });
    const onWindowKey = (event: KeyboardEvent) => this.#onWindowKey(event);
    window.addEventListener("keydown", onWindowKey, true);
    this.#offs.push(() => window.removeEventListener("keydown", onWindowKey, true));
    this.#offs.push(chat.on("change", () => this.#schedule()));
    // The typing line fades on its own.
    const ticker = setInterval(() => { if (this.#open) this.#renderTyping(); }, 1000);
    this.#offs.push(() => clearInterval(ticker));
    this.#chat.setOpen(true);
    this.#render();
  }

  get isOpen(): boolean {
    return this.#open;
  }

  get inputFocused(): boolean {
    return document.activeElement === this.#input || document.activeElement === this.#groupName;
  }

  open(focus: boolean): void {
    this.#open = true;
    this.#chat.setOpen(true);
    this.#render();
    if (focus) this.#input.focus();
  }

  close(): void {
    this.#open = false;
    this.#input.blur();
    this.#groupName.blur();
    this.#chat.setOpen(false);
    this.#render();
  }

  dispose(): void {
    for (const off of this.#offs) off();
    cancelAnimationFrame(this.#frame);
    this.root.remove();
    this.#toasts.remove();
  }

  // ------------------------------------------------------------ keys

  #onWindowKey(event: KeyboardEvent): void {
    if (event.key !== "Enter" || isTextField(event.target) || !this.#options.enterOpens()) return;
    // Taken before the game's own listener (same window, bubbling phase) sees it.
    event.preventDefault();
    event.stopPropagation();
    this.open(true);
  }

  #onInputKey(event: KeyboardEvent): void {
    if (event.key === "Escape") {
      event.preventDefault();
      this.close();
    } else if (event.key === "Enter") {
      event.preventDefault();
      const typed = this.#input.value;
      if (typed.trim() === "") { this.#input.blur(); return; }
      const problem = typed.startsWith("/") ? this.#command(typed) : this.#chat.send(typed);
      this.#notice.textContent = problem ?? "";
      if (problem === undefined) this.#input.value = "";
    }
  }

  /** `/join <group>`, `/new <group>`, `/invite <name>`, `/dm <name>`, `/block <name>`, `/unblock <name>`. */
  #command(typed: string): string | undefined {
    const [verb, ...rest] = typed.slice(1).trim().split(/\s+/);
    const arg = rest.join(" ");
    if ((verb === "join" || verb === "new") && arg) { this.#chat.joinGroup(arg, verb === "new"); return undefined; }
    if ((verb === "invite" || verb === "dm" || verb === "block" || verb === "unblock") && arg) {
      const peer = this.#chat.conversations().find((c) => c.kind === "direct" && c.title.toLowerCase() === arg.toLowerCase());
      const member = this.#chat.findMember(arg) ?? (peer?.peer ? { id: peer.peer, name: peer.title } : undefined);
      if (!member) return `Nobody called ${arg} is in your channels.`;
      if (verb === "dm") this.#chat.startDirect(member.id, member.name);
      else if (verb === "invite") this.#chat.invite(member.id);
      else this.#chat.block(member.id, verb === "block");
      return undefined;
    }
    return "Commands: /join group, /new group, /invite name, /dm name, /block name, /unblock name";
  }

  // ------------------------------------------------------------ drawing

  #schedule(): void {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => { this.#frame = 0; this.#render(); });
  }

  #fillPreviews(): void {
    this.#previews = this.#previews.filter(({ text, preview }) => {
      if (!text.isConnected) return false;
      const found = preview();
      if (found !== undefined) text.textContent = found;
      return found === undefined;
    });
  }

  #render(): void {
    this.#fillPreviews();
    const unread = this.#chat.totalUnread();
    this.#tab.hidden = this.#open;
    this.#body.hidden = !this.#open;
    this.#tabBadge.textContent = unread > 0 ? String(unread) : "";
    this.#tabBadge.hidden = unread === 0;
    if (!this.#open) return;
    this.#renderChips();
    const visible = this.#chat.visible;
    const conversation = this.#chat.conversations().find((c) => c.id === visible);
    this.#renderMembers(conversation);
    this.#renderLog(conversation);
    this.#renderTyping();
  }

  #renderChips(): void {
    const chips: HTMLElement[] = this.#chat.conversations().map((c) => {
      const chip = el("button", "tfc-chip", { chat: "conversation", channel: c.id });
      chip.type = "button";
      chip.classList.toggle("tfc-chip-on", c.id === this.#chat.visible);
      chip.classList.toggle("tfc-chip-off", !c.online);
      chip.append(text("span", "", (c.kind === "direct" ? "@" : c.kind === "group" ? "#" : "") + c.title));
      if (c.unread > 0) chip.append(text("span", "tfc-badge", String(c.unread), { chat: "unread" }));
      chip.addEventListener("click", () => this.#chat.show(c.id));
      return chip;
    });
    const add = text("button", "tfc-chip tfc-add", "+");
    add.title = "Join or start a group";
    add.addEventListener("click", () => { this.#groupForm.hidden = !this.#groupForm.hidden; if (!this.#groupForm.hidden) this.#groupName.focus(); });
    this.#chips.replaceChildren(...chips, add);
  }

  #renderMembers(conversation: Conversation | undefined): void {
    if (!conversation) { this.#members.replaceChildren(); return; }
    if (conversation.kind === "direct") {
      this.#members.replaceChildren(text("span", "tfc-dim", `Private conversation with ${conversation.title}`));
      return;
    }
    const me = this.#chat.me?.id;
    const members = this.#chat.members(conversation.id);
    const chips = members.map((m) => {
      const chip = text("button", "tfc-member", m.name, { chat: "member", user: m.id });
      (chip as HTMLButtonElement).type = "button";
      chip.style.color = css(colorOf(m.id));
      if (m.id === me) chip.classList.add("tfc-me");
      else {
        chip.title = `Message ${m.name}`;
        chip.addEventListener("click", () => this.#chat.startDirect(m.id, m.name));
      }
      return chip;
    });
    this.#members.replaceChildren(text("span", "tfc-dim", `HERE ${members.length}`), ...chips);
  }

  #renderLog(conversation: Conversation | undefined): void {
    const log = this.#log;
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 24;
    const me = this.#chat.me?.id;
    if (!conversation) { log.replaceChildren(); return; }
    const rows: HTMLElement[] = this.#chat.timeline(conversation.id).map((item) => {
      const row = el("div", "tfc-line", { chat: "line", state: item.pending ? "pending" : "stored" });
      const name = text("span", "tfc-name", item.pending ? (this.#chat.me?.name ?? "") : item.name);
      name.style.color = css(colorOf(item.from));
      row.append(name, text("span", "tfc-text", item.text));
      if (item.pending) {
        row.classList.add("tfc-pending");
        row.append(text("span", "tfc-mark", "sending", {}));
      } else if (item.from === me) {
        row.append(text("span", "tfc-mark", "✓"));
      }
      return row;
    });
    for (const refused of this.#chat.refused(conversation.id)) {
      const row = el("div", "tfc-line tfc-refused", { chat: "refused" });
      if (refused.text) row.append(text("span", "tfc-text tfc-struck", refused.text));
      row.append(text("span", "tfc-reason", refused.reason));
      rows.push(row);
    }
    if (rows.length === 0) rows.push(text("div", "tfc-dim tfc-empty", conversation.online ? "No messages yet. Say hello!" : "Connecting…"));
    const fromBottom = log.scrollHeight - log.scrollTop;
    log.replaceChildren(...rows);
    // At the bottom it follows new lines; elsewhere it keeps its place when older ones are added above.
    const switched = this.#logChannel !== conversation.id;
    this.#logChannel = conversation.id;
    log.scrollTop = atBottom || switched ? log.scrollHeight : log.scrollHeight - fromBottom;
  }

  #renderTyping(): void {
    const visible = this.#chat.visible;
    const names = visible ? this.#chat.typing(visible) : [];
    this.#typing.textContent = names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : `${names.join(", ")} are typing…`;
  }

  /** Show a toast in the top-right corner for a few seconds; clicking it opens its conversation. */
  toast(toast: Toast): void {
    const card = el("div", toast.tone === "announcement" ? "tfc-toast tfc-toast-news" : "tfc-toast", { chat: "toast" });
    card.append(text("div", "tfc-toast-title", toast.title));
    const body = text("div", "tfc-toast-text", toast.text);
    card.append(body);
    if (!toast.text && toast.preview) this.#previews.push({ text: body, preview: toast.preview });
    if (toast.channel) {
      const channel = toast.channel;
      card.addEventListener("click", () => { this.#chat.showChannel(channel); this.open(true); card.remove(); });
    }
    this.#toasts.append(card);
    while (this.#toasts.children.length > 3) this.#toasts.firstElementChild!.remove();
    this.#fillPreviews();
    setTimeout(() => card.classList.add("tfc-toast-gone"), TOAST_MS);
    setTimeout(() => card.remove(), TOAST_MS + 400);
  }
}

function isTextField(target: EventTarget | null): boolean {
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || (target instanceof HTMLElement && target.isContentEditable);
}

/** A player's colour in chat, stable for their id. */
function colorOf(user: string): number {
  let hash = 0;
  for (let i = 0; i < user.length; i++) hash = (hash * 31 + user.charCodeAt(i)) | 0;
  return playerColor(Math.abs(hash));
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, data: Record<string, string> = {}): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const [key, value] of Object.entries(data)) node.dataset[key] = value;
  return node;
}

/** An element showing `content` as text: the one way player-written strings reach the page. */
function text<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, content: string, data: Record<string, string> = {}): HTMLElementTagNameMap[K] {
  const node = el(tag, className, data);
  node.textContent = content;
  return node;
}

let styled = false;
/** The panel's look, from the game's palette (style.ts); no player data goes into it. */
function injectStyle(): void {
  if (styled) return;
  styled = true;
  const c = (color: number, alpha = 1) => {
    const hex = css(color);
    if (alpha === 1) return hex;
    return `rgba(${parseInt(hex.slice(1, 3), 16)}, ${parseInt(hex.slice(3, 5), 16)}, ${parseInt(hex.slice(5, 7), 16)}, ${alpha})`;
  };
  const style = document.createElement("style");
  style.textContent = `
.tfc-panel { position: absolute; left: ${PAD}px; bottom: ${PAD}px; width: ${WIDTH}px; pointer-events: auto;
  font-family: ${FONT_FAMILY}; font-size: ${FONT.small}px; color: ${c(COLORS.text)}; }
.tfc-panel [hidden], .tfc-toasts [hidden] { display: none !important; }
.tfc-panel button { font: inherit; cursor: pointer; }
.tfc-tab { display: flex; gap: 10px; align-items: center; padding: 8px 14px; border-radius: 12px;
  background: ${c(COLORS.panel, 0.88)}; border: 1.5px solid ${c(COLORS.accent, 0.6)}; color: ${c(COLORS.text)};
  box-shadow: 0 0 14px ${c(COLORS.accent, 0.25)}; letter-spacing: 0.12em; }
.tfc-tab:hover { background: ${c(COLORS.accent, 0.18)}; }
.tfc-hint { color: ${c(COLORS.dim)}; font-size: ${FONT.small - 3}px; letter-spacing: 0.04em; }
.tfc-badge { min-width: 18px; padding: 0 5px; border-radius: 9px; background: ${c(COLORS.accentHot)}; color: ${c(COLORS.background)};
  font-weight: bold; font-size: ${FONT.small - 3}px; line-height: 18px; text-align: center; box-shadow: 0 0 8px ${c(COLORS.accentHot, 0.7)}; }
.tfc-body { display: flex; flex-direction: column; height: ${HEIGHT}px; box-sizing: border-box; padding: 10px 12px; gap: 6px;
  background: ${c(COLORS.panel, 0.86)}; border: 1.5px solid ${c(COLORS.accent, 0.45)}; border-radius: 12px;
  box-shadow: 0 0 18px ${c(COLORS.accent, 0.18)}, inset 0 0 30px ${c(COLORS.background, 0.6)}; }
.tfc-header { display: flex; align-items: baseline; gap: 10px; }
.tfc-heading { color: ${c(COLORS.accent)}; letter-spacing: 0.2em; font-size: ${FONT.small}px; text-shadow: 0 0 8px ${c(COLORS.accent, 0.8)}; }
.tfc-close { margin-left: auto; background: none; border: none; color: ${c(COLORS.dim)}; font-size: ${FONT.body}px !important; line-height: 1; padding: 0 2px; }
.tfc-close:hover { color: ${c(COLORS.text)}; }
.tfc-chips { display: flex; flex-wrap: wrap; gap: 5px; }
.tfc-chip { display: inline-flex; gap: 6px; align-items: center; padding: 3px 9px; border-radius: 8px; font-size: ${FONT.small - 2}px;
  background: ${c(COLORS.accent, 0.08)}; border: 1px solid ${c(COLORS.accent, 0.35)}; color: ${c(COLORS.dim)}; max-width: 130px; overflow: hidden; white-space: nowrap; }
.tfc-chip:hover { color: ${c(COLORS.text)}; }
.tfc-chip-on { background: ${c(COLORS.accent, 0.24)}; border-color: ${c(COLORS.accent)}; color: ${c(COLORS.text)}; }
.tfc-chip-off { opacity: 0.55; }
.tfc-add { color: ${c(COLORS.accent)}; }
.tfc-group { display: flex; gap: 5px; }
.tfc-field { flex: 1; }
.tfc-field, .tfc-input { min-width: 0; font: inherit; color: ${c(COLORS.text)}; background: ${c(COLORS.background, 0.9)};
  border: 1px solid ${c(COLORS.gridMajor)}; border-radius: 8px; padding: 6px 9px; outline: none; }
.tfc-field:focus, .tfc-input:focus { border-color: ${c(COLORS.accent)}; box-shadow: 0 0 10px ${c(COLORS.accent, 0.35)}; }
.tfc-input::placeholder, .tfc-field::placeholder { color: ${c(COLORS.dim, 0.7)}; }
.tfc-small { padding: 3px 8px; border-radius: 8px; font-size: ${FONT.small - 3}px !important; background: ${c(COLORS.accent, 0.14)};
  border: 1px solid ${c(COLORS.accent)}; color: ${c(COLORS.text)}; }
.tfc-members { display: flex; flex-wrap: wrap; gap: 4px 8px; align-items: baseline; font-size: ${FONT.small - 3}px; max-height: 40px; overflow: hidden; }
.tfc-member { background: none; border: none; padding: 0; font-size: ${FONT.small - 3}px !important; }
.tfc-member:not(.tfc-me):hover { text-decoration: underline; }
.tfc-me { cursor: default !important; opacity: 0.75; }
.tfc-dim { color: ${c(COLORS.dim)}; letter-spacing: 0.06em; }
.tfc-log { flex: 1; overflow-y: auto; overflow-x: hidden; display: flex; flex-direction: column; gap: 3px; padding-right: 4px;
  border-top: 1px solid ${c(COLORS.grid)}; padding-top: 6px; scrollbar-width: thin; scrollbar-color: ${c(COLORS.gridMajor)} transparent; }
.tfc-line { line-height: 1.3; overflow-wrap: anywhere; }
.tfc-name { font-weight: bold; margin-right: 6px; }
.tfc-pending { opacity: 0.55; }
.tfc-mark { margin-left: 6px; font-size: ${FONT.small - 5}px; color: ${c(COLORS.dim)}; }
.tfc-refused .tfc-struck { text-decoration: line-through; opacity: 0.6; margin-right: 6px; }
.tfc-reason { color: ${c(COLORS.warn)}; font-size: ${FONT.small - 3}px; }
.tfc-empty { margin: auto; }
.tfc-typing { min-height: ${FONT.small}px; font-size: ${FONT.small - 3}px; color: ${c(COLORS.good)}; font-style: italic; }
.tfc-notice { color: ${c(COLORS.warn)}; font-size: ${FONT.small - 3}px; }
.tfc-notice:empty { display: none; }
.tfc-toasts { position: absolute; right: ${PAD}px; top: ${HUD_BAR + PAD}px; width: 300px; display: flex; flex-direction: column; gap: 8px;
  font-family: ${FONT_FAMILY}; pointer-events: auto; }
.tfc-toast { padding: 10px 14px; border-radius: 12px; cursor: pointer; background: ${c(COLORS.panel, 0.94)};
  border: 1.5px solid ${c(COLORS.accentHot, 0.8)}; box-shadow: 0 0 16px ${c(COLORS.accentHot, 0.35)};
  animation: tfc-in 0.25s ease-out; transition: opacity 0.4s, transform 0.4s; }
.tfc-toast-news { border-color: ${c(COLORS.accent, 0.8)}; box-shadow: 0 0 16px ${c(COLORS.accent, 0.35)}; }
.tfc-toast-news .tfc-toast-title { color: ${c(COLORS.accent)}; }
.tfc-toast-gone { opacity: 0; transform: translateX(40px); }
.tfc-toast-title { color: ${c(COLORS.accentHot)}; font-size: ${FONT.small - 2}px; letter-spacing: 0.08em; margin-bottom: 2px; }
.tfc-toast-text:empty { display: none; }
.tfc-toast-text { color: ${c(COLORS.text)}; font-size: ${FONT.small}px; overflow-wrap: anywhere; max-height: 3.9em; overflow: hidden; }
@keyframes tfc-in { from { opacity: 0; transform: translateX(40px); } to { opacity: 1; transform: none; } }
`;
  document.head.append(style);
}
