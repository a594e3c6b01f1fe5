/** The toolbar's line icons (24×24, stroked in the button's colour), built as SVG elements. */
const SVG = "http://www.w3.org/2000/svg";

/** Each icon is a list of SVG elements: a path's `d`, or a tag with its attributes. */
type Part = string | [tag: string, attrs: Record<string, number>];

export const ICONS = {
  select: ["M5 3l13 7.5-5.6 1.6L9.5 18z"],
  note: ["M4 4h16v11l-5 5H4z", "M15 20v-5h5"],
  rect: [["rect", { x: 3.5, y: 5.5, width: 17, height: 13, rx: 2 }]],
  ellipse: [["ellipse", { cx: 12, cy: 12, rx: 9, ry: 7 }]],
  arrow: ["M5 19L19 5", "M10 5h9v9"],
  pen: ["M4 20l1-4L16.5 4.5a2.1 2.1 0 013 3L8 19z", "M14 7l3 3"],
  text: ["M5 7V5h14v2", "M12 5v14", "M9 19h6"],
  undo: ["M9 14L4 9l5-5", "M4 9h10.5a5.5 5.5 0 010 11H11"],
  redo: ["M15 14l5-5-5-5", "M20 9H9.5a5.5 5.5 0 000 11H13"],
  forward: [["rect", { x: 8, y: 3, width: 13, height: 13, rx: 2 }], "M3 8v11a2 2 0 002 2h11"],
  backward: [["rect", { x: 3, y: 3, width: 13, height: 13, rx: 2 }], "M21 8v11a2 2 0 01-2 2H8"],
  trash: ["M4 7h16", "M10 11v6", "M14 11v6", "M6 7l1 13h10l1-13", "M9 7V4h6v3"],
  minus: ["M6 12h12"],
  plus: ["M6 12h12", "M12 6v12"],
} satisfies Record<string, Part[]>;

export function icon(name: keyof typeof ICONS): SVGSVGElement {
  const root = document.createElementNS(SVG, "svg");
  root.setAttribute("viewBox", "0 0 24 24");
  for (const part of ICONS[name] as Part[]) {
    const [tag, attrs] = typeof part === "string" ? ["path", { d: part }] as const : part;
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
    root.appendChild(node);
  }
  return root;
}
