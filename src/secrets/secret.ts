/**
 * A secret value that does not print itself: String(), JSON.stringify, util.inspect and template
 * literals all give `[redacted:NAME]`. Reading the value is the deliberate act `reveal()`.
 */
import { inspect } from 'node:util';

export class Secret {
  readonly name: string;
  readonly #value: string;

  constructor(name: string, value: string) {
    this.name = name;
    this.#value = value;
  }

  /** The plain value: only where it leaves slipway on purpose (an instance's env or file). */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return redactedMark(this.name);
  }

  toJSON(): string {
    return redactedMark(this.name);
  }

  [Symbol.toPrimitive](): string {
    return redactedMark(this.name);
  }

  [inspect.custom](): string {
    return redactedMark(this.name);
  }
}

export function redactedMark(name: string): string {
  return `[redacted:${name}]`;
}
