/** Argument parsers shared by the command-line tools (commander option parsers that name the option when a value is wrong). */
import { InvalidArgumentError } from "commander";

/** A whole number from `min` to `max`. */
export function int(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}; got "${value}".`);
    return n;
  };
}

/** A number from `min` to `max`. */
export function num(name: string, min: number, max = Number.MAX_VALUE) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a number from ${min} to ${max}; got "${value}".`);
    return n;
  };
}
