import { $changes } from "@colyseus/schema";

/**
 * Cheaper inputs on the server.
 *
 * Colyseus decodes each client's inputs into one instance of the input class
 * and keeps the pending ones as clones of it, made with Schema.clone(): a new
 * change-tracked Schema filled through its setters. Every input of every
 * player takes that path, and a buffered input is only ever read by the
 * room's step (docs/rooms.md has the figures). `withPlainSnapshots(Input)` returns a subclass, with the same
 * fields and wire format, that differs in two ways:
 * - clone() is a plain object of the declared fields, with no change-tracking
 *   garbage;
 * - its instances record no changes. A client's changes are what its
 *   encoder sends; on the server nothing encodes an input, so recording each
 *   decoded field's change was work thrown away.
 * Pass it to defineInput on the server only; clients keep the shared class.
 *
 * The same input type always gets the same subclass. A room's class fields
 * run once per room, so a fresh subclass per call would give every room its
 * own input class: V8 then sees as many shapes as rooms wherever Colyseus
 * decodes an input or a schema setter runs, and those sites go megamorphic.
 */
export function withPlainSnapshots<C extends new (...args: any[]) => object>(InputType: C): C {
  let plain = plainSubclasses.get(InputType);
  if (!plain) {
    plain = plainSubclassOf(InputType);
    plainSubclasses.set(InputType, plain);
  }
  return plain as C;
}

const plainSubclasses = new WeakMap<object, new (...args: any[]) => object>();

function plainSubclassOf<C extends new (...args: any[]) => object>(InputType: C): C {
  const copyFields = compileCopy(fieldNames(InputType));
  return class extends InputType {
    constructor(...args: any[]) {
      super(...args);
      (this as unknown as { [$changes]: { pause(): void } })[$changes].pause();
    }
    clone(): object {
      return copyFields(this);
    }
  };
}

/**
 * `(input) => ({ a: input.a, b: input.b, … })`, compiled once per input type.
 * A literal with fixed property names gets one hidden class and inline
 * caches; a loop over the names goes through V8's generic keyed access and
 * the schema's accessors by computed name, several times slower per input.
 */
function compileCopy(fields: string[]): (input: object) => object {
  for (const field of fields) assertPlainIdentifier(field, "withPlainSnapshots");
  return new Function("input", `return { ${fields.map((f) => `${f}: input.${f}`).join(", ")} };`) as (input: object) => object;
}

/** Field names are spliced into compiled code (here and in input-ranges.ts): only plain identifiers pass. */
export function assertPlainIdentifier(field: string, who: string): void {
  if (!/^[A-Za-z_$][\w$]*$/.test(field)) throw new Error(`${who}: the field name "${field}" is not a plain identifier.`);
}

/** The declared field names of a schema class, in declaration order. */
function fieldNames(type: object): string[] {
  const metadata = (type as Record<symbol, Record<number, { name?: string }> | undefined>)[Symbol.metadata];
  const names: string[] = [];
  for (let i = 0; metadata?.[i]?.name !== undefined; i++) names.push(metadata[i].name!);
  if (names.length === 0) throw new Error(`withPlainSnapshots: ${(type as { name?: string }).name ?? "the input type"} declares no schema fields.`);
  return names;
}
