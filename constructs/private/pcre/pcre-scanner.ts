/**
 * The state of the PCRE 8.x pattern checker (the pattern as PCRE's code
 * units, the position, the groups and names so far, the checks deferred to
 * the end of the pattern) and the scanning every part of the parser uses.
 * The parser is split by concept into subclasses: escapes
 * (pcre-escapes.ts), character classes (pcre-classes.ts), groups and verbs
 * (pcre-groups.ts), branches and quantifiers (pcre-parser.ts).
 */
import { Fault } from "./pcre-errors";
import { ch, digitsOverflow, isDigit, isSpace, utf8Bytes } from "./pcre-tables";

export interface Deferred {
  readonly check: (parser: PcreScanner) => Fault | undefined;
}

/** The parser's state and scanning helpers; see pcre-parser.ts for the parser. */
export abstract class PcreScanner {
  protected readonly u: number[];
  private readonly charIndex: number[];
  protected p = 0;
  protected utf = false;
  private newline: "lf" | "cr" | "crlf" | "any" | "anycrlf" = "lf";
  /** Capturing groups so far (read by the deferred checks). */
  bracount = 0;
  protected topBackref = 0;
  protected condAssertPending = false;
  readonly names: { name: string; number: number }[] = [];
  protected readonly deferred: Deferred[] = [];

  constructor(pattern: string) {
    // Start-of-pattern items (pcre_compile2): (*UTF8), (*UTF), (*UCP), newline and limit settings.
    let skip = 0;
    for (;;) {
      const rest = pattern.slice(skip);
      const m =
        /^\(\*(UTF8\)|UTF\)|UCP\)|NO_AUTO_POSSESS\)|NO_START_OPT\)|LIMIT_MATCH=(\d*)\)|LIMIT_RECURSION=(\d*)\)|CRLF\)|CR\)|LF\)|ANYCRLF\)|ANY\)|BSR_ANYCRLF\)|BSR_UNICODE\))/.exec(
          rest,
        );
      if (!m) break;
      // A limit stops being read past 32 bits (then the item is not a start-of-pattern setting).
      if (digitsOverflow(m[2] ?? m[3] ?? "")) break;
      const item = m[1];
      if (item === "UTF8)" || item === "UTF)") this.utf = true;
      else if (item === "CR)") this.newline = "cr";
      else if (item === "LF)") this.newline = "lf";
      else if (item === "CRLF)") this.newline = "crlf";
      else if (item === "ANY)") this.newline = "any";
      else if (item === "ANYCRLF)") this.newline = "anycrlf";
      skip += m[0].length;
    }
    // Code units as PCRE sees them: bytes of the UTF-8 encoding, or characters in UTF mode; 0 ends the pattern (C string).
    this.u = [];
    this.charIndex = [];
    let index = 0;
    for (const char of pattern) {
      const cp = char.codePointAt(0) ?? 0;
      if (this.utf || cp < 0x80) {
        this.u.push(cp);
        this.charIndex.push(index);
      } else {
        for (const byte of utf8Bytes(cp)) {
          this.u.push(byte);
          this.charIndex.push(index);
        }
      }
      index += char.length;
    }
    this.u.push(0);
    this.charIndex.push(index);
    this.p = this.charIndex.findIndex((i) => i >= skip);
  }

  offsetOf(unit: number): number {
    return this.charIndex[Math.min(Math.max(unit, 0), this.charIndex.length - 1)];
  }

  protected fault(code: number, at = this.p): never {
    throw new Fault(code, at);
  }

  protected deferredFault(code: number, at: number): void {
    this.deferred.push({ check: () => new Fault(code, at) });
  }

  lookupName(name: string): { name: string; number: number } | undefined {
    return this.names.find((n) => n.name === name);
  }

  private isNewlineAt(i: number): number {
    const c = this.u[i];
    switch (this.newline) {
      case "lf":
        return c === 0x0a ? 1 : 0;
      case "cr":
        return c === 0x0d ? 1 : 0;
      case "crlf":
        return c === 0x0d && this.u[i + 1] === 0x0a ? 2 : 0;
      case "anycrlf":
        return c === 0x0d && this.u[i + 1] === 0x0a ? 2 : c === 0x0d || c === 0x0a ? 1 : 0;
      case "any":
        if (c === 0x0d && this.u[i + 1] === 0x0a) return 2;
        return (c >= 0x0a && c <= 0x0d) || c === 0x85 || c === 0x2028 || c === 0x2029 ? 1 : 0;
    }
  }

  /** Skips white space and #-comments in extended mode; returns the new position. */
  protected skipExtended(i: number): number {
    for (;;) {
      while (isSpace(this.u[i])) i++;
      if (this.u[i] !== ch("#")) return i;
      i++;
      while (this.u[i] !== 0) {
        const nl = this.isNewlineAt(i);
        if (nl) {
          i += nl;
          break;
        }
        i++;
      }
    }
  }

  /** is_counted_repeat: {n}, {n,} or {n,m} starting after the "{". */
  protected isCountedRepeat(i: number): boolean {
    const u = this.u;
    if (!isDigit(u[i])) return false;
    while (isDigit(u[i])) i++;
    if (u[i] === ch("}")) return true;
    if (u[i++] !== ch(",")) return false;
    if (u[i] === ch("}")) return true;
    if (!isDigit(u[i])) return false;
    while (isDigit(u[i])) i++;
    return u[i] === ch("}");
  }

  protected isQuantifierAt(i: number): boolean {
    const c = this.u[i];
    return c === ch("*") || c === ch("+") || c === ch("?") || (c === ch("{") && this.isCountedRepeat(i + 1));
  }
}
