/**
 * Character classes of the PCRE 8.x pattern checker: [...] with its ranges,
 * escapes and POSIX named classes (check_posix_syntax of pcre_compile.c).
 */
import { PcreEscapes } from "./pcre-escapes";
import { BACKSLASH, ch, Esc, OPT_EXTRA, POSIX_CLASSES, unitsToString } from "./pcre-tables";

/** The character classes of a pattern. */
export abstract class PcreClasses extends PcreEscapes {
  /** check_posix_syntax: with i on "[" followed by ":", "." or "="; returns the index of the terminator before "]", or -1. */
  private posixSyntaxEnd(i: number): number {
    const u = this.u;
    const terminator = u[i + 1];
    for (i += 2; u[i] !== 0; i++) {
      if (u[i] === BACKSLASH && (u[i + 1] === ch("]") || u[i + 1] === BACKSLASH)) i++;
      else if ((u[i] === ch("[") && u[i + 1] === terminator) || u[i] === ch("]")) return -1;
      else if (u[i] === terminator && u[i + 1] === ch("]")) return i;
    }
    return -1;
  }

  private startsPosix(i: number): number {
    const n = this.u[i + 1];
    if (this.u[i] !== ch("[") || (n !== ch(":") && n !== ch(".") && n !== ch("="))) return -1;
    return this.posixSyntaxEnd(i);
  }

  /** A character class, with this.p on "["; leaves this.p after its "]". */
  protected parseClass(options: number): void {
    const u = this.u;
    if (this.startsPosix(this.p) >= 0) this.fault(u[this.p + 1] === ch(":") ? 13 : 31, this.p);
    let negated = false;
    let c: number;
    for (;;) {
      c = u[++this.p];
      if (c === BACKSLASH) {
        if (u[this.p + 1] === ch("E")) this.p++;
        else if (u[this.p + 1] === ch("Q") && u[this.p + 2] === BACKSLASH && u[this.p + 3] === ch("E")) this.p += 3;
        else break;
      } else if (!negated && c === ch("^")) negated = true;
      else break;
    }
    const state = { inescq: false };
    if (c !== 0) {
      do {
        this.classElement(c, options, state);
        c = u[++this.p];
      } while (c !== 0 && (c !== ch("]") || state.inescq));
    }
    if (c === 0) this.fault(6, this.p);
    this.p++;
  }

  /** One element of a class (C style: this.p is left on its last unit). */
  private classElement(first: number, options: number, state: { inescq: boolean }): void {
    const u = this.u;
    let c = first;
    if (state.inescq) {
      if (c === BACKSLASH && u[this.p + 1] === ch("E")) {
        state.inescq = false;
        this.p++;
        return;
      }
    } else {
      const posixEnd = this.startsPosix(this.p);
      if (posixEnd >= 0) {
        if (u[this.p + 1] !== ch(":")) this.fault(31, this.p);
        let i = this.p + 2;
        if (u[i] === ch("^")) i++;
        const name = unitsToString(u, i, posixEnd);
        if (!POSIX_CLASSES.includes(name)) this.fault(30, i);
        this.p = posixEnd + 1;
        return;
      }
      if (c === BACKSLASH) {
        const e = this.checkEscape(true, options);
        if (e.escape === Esc.None) c = e.value;
        else if (e.escape === Esc.b) c = 8;
        else if (e.escape === Esc.N) this.fault(71);
        else if (e.escape === Esc.Q) {
          if (u[this.p + 1] === BACKSLASH && u[this.p + 2] === ch("E")) this.p += 2;
          else state.inescq = true;
          return;
        } else if (e.escape === Esc.E) return;
        else {
          switch (e.escape) {
            case Esc.d:
            case Esc.D:
            case Esc.w:
            case Esc.W:
            case Esc.s:
            case Esc.S:
            case Esc.h:
            case Esc.H:
            case Esc.v:
            case Esc.V:
              return;
            case Esc.p:
            case Esc.P:
              this.getUcp();
              return;
            default:
              if (options & OPT_EXTRA) this.fault(7);
              c = u[this.p];
          }
        }
      }
    }
    // CHECK_RANGE
    while (u[this.p + 1] === BACKSLASH && u[this.p + 2] === ch("E")) {
      state.inescq = false;
      this.p += 2;
    }
    const oldp = this.p;
    if (!state.inescq && u[this.p + 1] === ch("-")) {
      this.p += 2;
      while (u[this.p] === BACKSLASH && u[this.p + 1] === ch("E")) this.p += 2;
      while (u[this.p] === BACKSLASH && u[this.p + 1] === ch("Q")) {
        this.p += 2;
        if (u[this.p] === BACKSLASH && u[this.p + 1] === ch("E")) {
          this.p += 2;
          continue;
        }
        state.inescq = true;
        break;
      }
      if (u[this.p] === 0 || (!state.inescq && u[this.p] === ch("]"))) {
        this.p = oldp;
        return;
      }
      let d = u[this.p];
      if (!state.inescq) {
        if (d === BACKSLASH) {
          const e = this.checkEscape(true, options);
          d = e.value;
          if (e.escape !== Esc.None) {
            if (e.escape === Esc.b) d = 8;
            else this.fault(83);
          }
        } else if (d === ch("[") && this.startsPosix(this.p) >= 0) this.fault(83);
      }
      if (d < c) this.fault(8);
    }
  }
}
