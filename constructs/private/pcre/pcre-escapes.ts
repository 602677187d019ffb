/**
 * Backslash escapes of the PCRE 8.x pattern checker: check_escape and
 * get_ucp of pcre_compile.c, back references, and named and numbered
 * subroutine calls.
 */
import { Fault } from "./pcre-errors";
import { PcreScanner } from "./pcre-scanner";
import {
  ANYBYTE,
  ch,
  Esc,
  ESCAPE_TABLE,
  isDigit,
  isHex,
  isLetter,
  isWord,
  OPT_EXTRA,
  UCP_NAMES,
  unitsToString,
  UNKNOWN,
  VAR,
} from "./pcre-tables";

/** The escapes of a pattern, in and out of character classes. */
export abstract class PcreEscapes extends PcreScanner {
  /**
   * check_escape: this.p on the backslash; leaves this.p on the escape's last unit
   * (C style). Returns an escape type, or None and a character value.
   */
  protected checkEscape(isclass: boolean, options: number): { escape: Esc; value: number; backref?: number } {
    const u = this.u;
    const start = this.p;
    let p = this.p + 1;
    const c = u[p];
    const done = (escape: Esc, value = c, backref?: number) => {
      this.p = p;
      return { escape, value, backref };
    };
    if (c === 0) this.fault(1, start);
    if (c < 0x30 || c > 0x7a) return done(Esc.None);
    const letter = String.fromCharCode(c);
    const tabled = ESCAPE_TABLE[letter];
    if (tabled !== undefined) {
      if (tabled >= 0) return done(Esc.None, tabled);
      const escape = -tabled as Esc;
      if (escape === Esc.N && u[p + 1] === ch("{") && !this.isCountedRepeat(p + 2)) this.fault(37, p);
      return done(escape);
    }
    if (!isLetter(c) && !isDigit(c)) return done(Esc.None);
    switch (letter) {
      case "l":
      case "L":
      case "u":
      case "U":
        return this.fault(37, p);
      case "g": {
        if (isclass) return done(Esc.None);
        if (u[p + 1] === ch("<") || u[p + 1] === ch("'")) return done(Esc.g);
        let braced = false;
        if (u[p + 1] === ch("{")) {
          let q = p + 2;
          while (u[q] !== 0 && u[q] !== ch("}") && (u[q] === ch("-") || isDigit(u[q]))) q++;
          if (u[q] !== 0 && u[q] !== ch("}")) return done(Esc.k);
          braced = true;
          p++;
        }
        let negated = false;
        if (u[p + 1] === ch("-")) {
          negated = true;
          p++;
        }
        let s = 0;
        while (isDigit(u[p + 1])) {
          s = s * 10 + (u[++p] - 0x30);
          if (s > 214748363) {
            while (isDigit(u[p + 1])) p++;
            this.fault(61, p);
          }
        }
        if (braced && u[++p] !== ch("}")) this.fault(57, p);
        if (s === 0) this.fault(58, p);
        if (negated) {
          if (s > this.bracount) this.fault(15, p);
          s = this.bracount - (s - 1);
        }
        return done(Esc.None, 0, s);
      }
      case "1":
      case "2":
      case "3":
      case "4":
      case "5":
      case "6":
      case "7":
      case "8":
      case "9": {
        if (!isclass) {
          const old = p;
          let s = c - 0x30;
          while (isDigit(u[p + 1])) {
            s = s * 10 + (u[++p] - 0x30);
            if (s > 214748363) {
              while (isDigit(u[p + 1])) p++;
              this.fault(61, p);
            }
          }
          if (s < 8 || s <= this.bracount) return done(Esc.None, 0, s);
          p = old;
        }
        if (c >= ch("8")) return done(Esc.None);
        return this.octal(p, c, start);
      }
      case "0":
        return this.octal(p, c, start);
      case "o": {
        if (u[p + 1] !== ch("{")) this.fault(81, p);
        if (u[p + 2] === ch("}")) this.fault(86, p);
        p += 2;
        let value = 0;
        let overflow = false;
        while (u[p] >= 0x30 && u[p] <= 0x37) {
          const d = u[p++];
          if (value === 0 && d === 0x30) continue;
          value = value * 8 + (d - 0x30);
          if (value > (this.utf ? 0x10ffff : 0xff)) {
            overflow = true;
            break;
          }
        }
        if (overflow) {
          while (u[p] >= 0x30 && u[p] <= 0x37) p++;
          this.fault(34, p);
        }
        if (u[p] !== ch("}")) this.fault(80, p);
        if (this.utf && value >= 0xd800 && value <= 0xdfff) this.fault(73, p);
        return done(Esc.None, value);
      }
      case "x": {
        if (u[p + 1] === ch("{")) {
          p += 2;
          if (u[p] === ch("}")) this.fault(86, p);
          let value = 0;
          let overflow = false;
          while (isHex(u[p])) {
            const d = u[p++];
            if (value === 0 && d === 0x30) continue;
            value = value * 16 + parseInt(String.fromCharCode(d), 16);
            if (value > (this.utf ? 0x10ffff : 0xff)) {
              overflow = true;
              break;
            }
          }
          if (overflow) {
            while (isHex(u[p])) p++;
            this.fault(34, p);
          }
          if (u[p] !== ch("}")) this.fault(79, p);
          if (this.utf && value >= 0xd800 && value <= 0xdfff) this.fault(73, p);
          return done(Esc.None, value);
        }
        let value = 0;
        for (let i = 0; i < 2 && isHex(u[p + 1]); i++) value = value * 16 + parseInt(String.fromCharCode(u[++p]), 16);
        return done(Esc.None, value);
      }
      case "c": {
        const next = u[++p];
        if (next === 0) this.fault(2, p);
        if (next > 127) this.fault(68, p);
        const upper = next >= 0x61 && next <= 0x7a ? next - 32 : next;
        return done(Esc.None, upper ^ 0x40);
      }
      default:
        if (options & OPT_EXTRA) this.fault(3, p);
        return done(Esc.None);
    }
  }

  private octal(p: number, first: number, start: number): { escape: Esc; value: number } {
    const u = this.u;
    let value = first - 0x30;
    for (let i = 0; i < 2 && u[p + 1] >= 0x30 && u[p + 1] <= 0x37; i++) value = value * 8 + (u[++p] - 0x30);
    if (!this.utf && value > 0xff) this.fault(51, start);
    this.p = p;
    return { escape: Esc.None, value };
  }

  /** get_ucp: this.p on the "p" or "P" of \p / \P; leaves this.p on the last unit. */
  protected getUcp(): void {
    const u = this.u;
    let c = u[++this.p];
    if (c === 0) this.fault(46);
    let name: string;
    if (c === ch("{")) {
      if (u[this.p + 1] === ch("^")) this.p++;
      name = "";
      let i = 0;
      for (; i < 31; i++) {
        c = u[++this.p];
        if (c === 0) this.fault(46);
        if (c === ch("}")) break;
        name += String.fromCodePoint(c);
      }
      if (c !== ch("}")) this.fault(46);
    } else name = String.fromCodePoint(c);
    if (!UCP_NAMES.has(name) && (name.length <= 3 || !/^[A-Za-z_]+$/.test(name))) this.fault(47);
  }

  /** An escape outside a class, with this.p on the backslash; leaves this.p after it. */
  protected parseEscapeItem(options: number): { len: number; repeatable: boolean } {
    const u = this.u;
    const e = this.checkEscape(false, options);
    if (e.backref !== undefined) {
      if (e.backref > this.topBackref) this.topBackref = e.backref;
      this.p++;
      return { len: VAR, repeatable: true };
    }
    switch (e.escape) {
      case Esc.None:
        this.p++;
        return { len: 1, repeatable: true };
      case Esc.g: {
        // \g<name>, \g'name', \g<n>, \g'n', \g<+n>, \g<-n>: subroutine calls (Oniguruma syntax).
        this.p++;
        const terminator = u[this.p] === ch("<") ? ch(">") : ch("'");
        const cf = u[this.p + 1];
        if (cf !== ch("+") && cf !== ch("-") && !isDigit(cf)) {
          this.namedReference(terminator);
          return { len: UNKNOWN, repeatable: true };
        }
        let q = this.p + 2;
        while (isDigit(u[q])) q++;
        if (u[q] !== terminator) this.fault(57, q);
        this.p++;
        this.numericalRecursion(terminator);
        return { len: UNKNOWN, repeatable: true };
      }
      case Esc.k: {
        const next = u[this.p + 1];
        if (next !== ch("<") && next !== ch("'") && next !== ch("{")) this.fault(69);
        this.p++;
        this.namedReference(next === ch("<") ? ch(">") : next === ch("'") ? ch("'") : ch("}"));
        return { len: VAR, repeatable: true };
      }
      case Esc.p:
      case Esc.P:
        this.getUcp();
        this.p++;
        return { len: 1, repeatable: true };
      default: {
        this.p++;
        const repeatable = e.escape > Esc.b && e.escape < Esc.Z;
        if (!repeatable) return { len: 0, repeatable: false };
        if (e.escape === Esc.R || e.escape === Esc.X) return { len: VAR, repeatable };
        if (e.escape === Esc.C && this.utf) return { len: ANYBYTE, repeatable };
        return { len: 1, repeatable };
      }
    }
  }

  /**
   * NAMED_REF_OR_RECURSE: this.p on the unit before the name; leaves this.p
   * after the terminator. The name is looked up once the whole pattern is read.
   */
  protected namedReference(terminator: number): void {
    const u = this.u;
    const start = ++this.p;
    if (isDigit(u[this.p])) this.fault(84);
    while (isWord(u[this.p])) this.p++;
    const name = unitsToString(u, start, this.p);
    if (name.length === 0) this.fault(62);
    if (u[this.p] !== terminator) this.fault(42);
    if (name.length > 32) this.fault(48);
    const at = this.p;
    this.deferred.push({ check: (parser) => (parser.lookupName(name) ? undefined : new Fault(15, at)) });
    this.p++;
  }

  /** HANDLE_NUMERICAL_RECURSION: this.p on the sign or first digit; leaves this.p after the terminator. */
  protected numericalRecursion(terminator: number): void {
    const u = this.u;
    const refsign = u[this.p];
    if (refsign === ch("+")) {
      this.p++;
      if (!isDigit(u[this.p])) this.fault(63);
    } else if (refsign === ch("-")) this.p++;
    let recno = 0;
    while (isDigit(u[this.p])) {
      recno = recno * 10 + (u[this.p++] - 0x30);
      if (recno > 214748363) {
        while (isDigit(u[this.p])) this.p++;
        this.fault(61);
      }
    }
    if (u[this.p] !== terminator) this.fault(29);
    if (refsign === ch("-")) {
      if (recno === 0) this.fault(58);
      recno = this.bracount - recno + 1;
      if (recno <= 0) this.fault(15);
    } else if (refsign === ch("+")) {
      if (recno === 0) this.fault(58);
      recno += this.bracount;
    }
    const at = this.p;
    const target = recno;
    this.deferred.push({ check: (parser) => (target > parser.bracount ? new Fault(15, at) : undefined) });
    this.p++;
  }
}
