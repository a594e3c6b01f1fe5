/**
 * npm run new-room -- <name> --template realtime|turn-based
 *
 * Writes a working room type into rooms/<name>/ from one of the templates in
 * tools/templates/ and adds it to rooms/index.ts. The result type-checks,
 * passes its own specs, shows on the title screen and has bots for
 * `npm run loadtest -- --room <name>`; the game itself is the developer's
 * to change (docs/rooms.md walks through one).
 *
 * A template is a folder of files ending in `.tmpl`; in their names and
 * text the placeholders below become the new type's names.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, Option } from "commander";
import { ROOT } from "./process.ts";

export const TEMPLATES = ["realtime", "turn-based"] as const;
export type Template = (typeof TEMPLATES)[number];

export const TEMPLATES_DIR = fileURLToPath(new URL("./templates/", import.meta.url));

/** A request the generator refuses, with what to do instead; nothing has been written. */
export class NewRoomError extends Error {}

/** How the new type is spelled where each spelling is needed. */
export interface Names {
  /** `tic-tac-toe`: the folder, the matchmaking name, the env prefix. Placeholder `__type__`. */
  type: string;
  /** `TicTacToe`: class and schema names. Placeholder `__Type__`. */
  Type: string;
  /** `ticTacToe`: the name of the descriptor its index.ts exports. Placeholder `__typeId__`. */
  typeId: string;
  /** `Tic Tac Toe` (or `--title`): the title screen's tab. Placeholder `__Title__`. */
  Title: string;
}

/** Lower-case words joined by single dashes: a room type name that is also a clean identifier and env prefix. */
const NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const MAX_NAME_LENGTH = 32;
/** Names the framework uses itself, or that would read as something else in rooms/. */
const TAKEN = new Set(["lobby", "index", "shared", "client"]);
/** The descriptor is exported under the camel-cased name, which must be a legal binding. */
const RESERVED = new Set([
  "await", "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else", "enum",
  "export", "extends", "false", "finally", "for", "function", "if", "implements", "import", "in", "instanceof", "interface",
  "let", "new", "null", "package", "private", "protected", "public", "return", "static", "super", "switch", "this", "throw",
  "true", "try", "typeof", "var", "void", "while", "with", "yield", "arguments", "eval", "undefined",
]);

export function namesOf(type: string): Names {
  const words = type.split("-");
  const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
  return {
    type,
    Type: words.map(cap).join(""),
    typeId: words[0] + words.slice(1).map(cap).join(""),
    Title: words.map(cap).join(" "),
  };
}

/** Titles go into string literals and comments: words, digits and a little punctuation. */
const TITLE = /^[\p{L}\p{N}][\p{L}\p{N} .!&+-]{0,31}$/u;

/** Refuse a name (or title) that would not make a working room type, saying what would. */
export function checkName(name: string | undefined, title?: string): Names {
  if (!name) throw new NewRoomError("Name the room type: npm run new-room -- <name> --template realtime|turn-based");
  if (name.length > MAX_NAME_LENGTH || !NAME.test(name)) {
    throw new NewRoomError(
      `"${name}" is not a room type name: use lower-case letters and digits, words joined by single dashes, starting with a letter, at most ${MAX_NAME_LENGTH} characters (e.g. tictactoe, tic-tac-toe).`,
    );
  }
  if (TAKEN.has(name)) throw new NewRoomError(`"${name}" is taken by the framework; pick another name.`);
  const names = namesOf(name);
  if (title !== undefined) {
    if (!TITLE.test(title)) throw new NewRoomError(`The title "${title}" may hold letters, digits, spaces and . ! & + - (at most 32 characters, starting with a letter or digit).`);
    names.Title = title;
  }
  if (RESERVED.has(names.typeId)) throw new NewRoomError(`"${name}" is a JavaScript reserved word, which cannot name the type's descriptor; pick another name.`);
  return names;
}

export function fill(text: string, names: Names): string {
  return text
    .replaceAll("__typeId__", names.typeId)
    .replaceAll("__type__", names.type)
    .replaceAll("__Type__", names.Type)
    .replaceAll("__Title__", names.Title);
}

/** rooms/index.ts with the new type's folder appended to the list: one line. */
export function withRoomType(index: string, names: Names): string {
  const list = /export const roomTypes = listRoomTypes\(\n?([\s\S]*?)\);/.exec(index);
  if (!list) {
    throw new NewRoomError("rooms/index.ts has no `export const roomTypes = listRoomTypes( … );` list to add the type to; add the line by hand.");
  }
  const folders = [...list[1].matchAll(/import\("\.\/([^/"]+)\/index\.ts"\)/g)].map((m) => m[1]);
  if (folders.includes(names.type)) {
    throw new NewRoomError(`rooms/index.ts already lists "${names.type}"; pick another name.`);
  }
  const entries = list[1].trimEnd();
  const newList = `export const roomTypes = listRoomTypes(\n${entries ? `${entries}\n` : ""}  await import("./${names.type}/index.ts"),\n);`;
  return index.slice(0, list.index) + newList + index.slice(list.index + list[0].length);
}

function templateFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? templateFiles(path) : entry.endsWith(".tmpl") ? [path] : [];
  });
}

export interface Generated {
  folder: string;
  /** Written files, relative to the repository root. */
  files: string[];
}

/** Write rooms/<name>/ from the template and list it in rooms/index.ts, under `root` (a repository checkout). */
export function newRoom({ root = ROOT, name, template, title }: { root?: string; name: string | undefined; template: string | undefined; title?: string }): Generated {
  const names = checkName(name, title);
  if (!template || !(TEMPLATES as readonly string[]).includes(template)) {
    throw new NewRoomError(`Choose a template: --template ${TEMPLATES.join(" or --template ")}${template ? ` (not "${template}")` : ""}.`);
  }
  const folder = join(root, "rooms", names.type);
  if (existsSync(folder)) throw new NewRoomError(`rooms/${names.type}/ already exists; pick another name or remove that folder first.`);
  const indexPath = join(root, "rooms", "index.ts");
  const index = withRoomType(readFileSync(indexPath, "utf8"), names);

  const source = join(TEMPLATES_DIR, template);
  const files: string[] = [];
  mkdirSync(folder, { recursive: false });
  try {
    for (const file of templateFiles(source)) {
      const target = join(folder, fill(relative(source, file), names).replace(/\.tmpl$/, ""));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, fill(readFileSync(file, "utf8"), names));
      files.push(relative(root, target));
    }
    writeFileSync(indexPath, index);
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
  return { folder, files: files.sort() };
}

export function main(argv: string[]): number {
  const cmd = new Command("new-room")
    .description("Write a working room type into rooms/<name>/ and add it to rooms/index.ts.")
    .argument("<name>", "the type's name: lower-case words joined by dashes (matchmaking name, folder, env prefix)")
    .addOption(new Option("-t, --template <template>", "what kind of game to start from").choices(TEMPLATES).makeOptionMandatory())
    .option("--title <title>", "the title screen's name for it (default: the name's words, capitalised)")
    .addHelpText("after", `
Templates:
  realtime     a predicted fixed-step room: players steer dots with a one-field input
  turn-based   validated moves in turns: tic-tac-toe, with a pure applyMove, win/draw and rematch

Example:
  npm run new-room -- tictactoe --template turn-based --title "Tic-Tac-Toe"`)
    .exitOverride();
  try {
    cmd.parse(argv, { from: "user" });
  } catch (error) {
    const code = (error as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 2;
  }
  const [name] = cmd.args;
  try {
    const { files } = newRoom({ name, template: cmd.opts().template, title: cmd.opts().title });
    const next: [string, string][] = [
      [`npx vitest run rooms/${name}`, "its specs"],
      ["npm start", "then pick its tab on the title screen"],
      [`npm run loadtest -- --room ${name} --bots 8`, "its bots against that server"],
    ];
    const width = Math.max(...next.map(([command]) => command.length)) + 3;
    console.log([
      `Wrote rooms/${name}/ (${cmd.opts().template}) and added it to rooms/index.ts:`,
      ...files.map((f) => `  ${f}`),
      "",
      "Next:",
      ...next.map(([command, what]) => `  ${command.padEnd(width)}${what}`),
    ].join("\n"));
    return 0;
  } catch (error) {
    console.error(`new-room: ${(error as Error).message}`);
    return error instanceof NewRoomError ? 2 : 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
