/**
 * Parentheses of the PCRE 8.x pattern checker: groups, assertions,
 * conditions, named groups, option settings, callouts, references,
 * recursion and (*VERB)s.
 */
import { Fault } from "./pcre-errors";
import { PcreClasses } from "./pcre-classes";
import {
  ch,
  digitsOverflow,
  isDigit,
  isLetter,
  isWord,
  OPT_DUPNAMES,
  OPT_EXTENDED,
  OPT_EXTRA,
  unitsToString,
  UNKNOWN,
  VAR,
  VERBS,
} from "./pcre-tables";

/** The parenthesised items of a pattern. */
export abstract class PcreGroups extends PcreClasses {
  /** compile_regex (pcre-parser.ts): the alternatives of a group's body. */
  protected abstract compileRegex(options: number, lookbehind: boolean, resetCount: boolean): { len: number; branches: number };

  /**
   * "(": a group, verb, comment-free option setting, callout, reference or
   * recursion. Returns the item for the branch, or null when nothing can be
   * repeated (option setting, callout, verb, (?!) as a failure).
   */
  protected parseParen(opts: { value: number }): { len: number; repeatable: boolean; assertion: boolean; accept?: boolean } | null {
    const u = this.u;
    // (*VERB) and (*VERB:NAME)
    if (u[this.p + 1] === ch("*") && (u[this.p + 2] === ch(":") || isLetter(u[this.p + 2]))) {
      this.p += 2;
      const nameStart = this.p;
      while (isLetter(u[this.p])) this.p++;
      const name = unitsToString(u, nameStart, this.p);
      let argLength = 0;
      if (u[this.p] === ch(":")) {
        const argStart = ++this.p;
        while (u[this.p] !== 0 && u[this.p] !== ch(")")) this.p++;
        argLength = this.p - argStart;
        if (argLength > 255) this.fault(75);
      }
      if (u[this.p] !== ch(")")) this.fault(60);
      const verb = VERBS[name];
      if (verb === undefined) this.fault(60);
      if (verb === "forbidden" && argLength > 0) this.fault(59);
      if (verb === "required" && argLength === 0) this.fault(66);
      this.p++;
      if (name === "ACCEPT") return { len: 0, repeatable: false, assertion: false, accept: true };
      return null;
    }
    this.p++;
    let newOptions = opts.value;
    let reset = false;
    let kind: "group" | "assert" | "lookbehind" | "cond" = "group";
    let condition: { define?: boolean; name?: string; terminator?: number } | null = null;
    let notRepeatable = false;
    if (u[this.p] === ch("?")) {
      const sel = u[++this.p];
      switch (sel) {
        case ch("|"):
          reset = true;
          this.p++;
          break;
        case ch(":"):
          this.p++;
          break;
        case ch("("):
          condition = this.parseCondition();
          kind = "cond";
          break;
        case ch("="):
          kind = "assert";
          this.p++;
          break;
        case ch("!"):
          this.p++;
          if (u[this.p] === ch(")") && !this.isQuantifierAt(this.p + 1)) {
            this.p++;
            return null; // (*FAIL)
          }
          kind = "assert";
          break;
        case ch("<"):
          if (u[this.p + 1] === ch("=") || u[this.p + 1] === ch("!")) {
            kind = "lookbehind";
            this.p += 2;
          } else if (isWord(u[this.p + 1])) {
            this.defineName(opts.value);
          } else this.fault(24, this.p + 1);
          break;
        case ch(">"):
          this.p++;
          break;
        case ch("C"): {
          this.p++;
          let n = 0;
          while (isDigit(u[this.p])) n = Math.min(n * 10 + (u[this.p++] - 0x30), 1e9);
          if (u[this.p] !== ch(")")) this.fault(39);
          if (n > 255) this.fault(38);
          this.p++;
          return null;
        }
        case ch("P"): {
          const next = u[++this.p];
          if (next === ch("=") || next === ch(">")) {
            this.namedReference(ch(")"));
            return { len: next === ch(">") ? UNKNOWN : VAR, repeatable: true, assertion: false };
          }
          if (next !== ch("<")) this.fault(41);
          this.defineName(opts.value);
          break;
        }
        case ch("'"):
          this.defineName(opts.value);
          break;
        case ch("&"):
          this.namedReference(ch(")"));
          return { len: UNKNOWN, repeatable: true, assertion: false };
        case ch("R"):
          if (u[++this.p] !== ch(")")) this.fault(29);
          this.p++;
          return { len: UNKNOWN, repeatable: true, assertion: false };
        default:
          if (sel === ch("+") || isDigit(sel) || (sel === ch("-") && isDigit(u[this.p + 1]))) {
            this.numericalRecursion(ch(")"));
            return { len: UNKNOWN, repeatable: true, assertion: false };
          }
          {
            // Option setting: (?imsxXUJ-imsxXUJ) or (?...: group
            let set = 0;
            let unset = 0;
            let unsetting = false;
            while (u[this.p] !== ch(")") && u[this.p] !== ch(":")) {
              const o = String.fromCharCode(u[this.p++]);
              let bit = 0;
              if (o === "-") {
                unsetting = true;
                continue;
              } else if (o === "x") bit = OPT_EXTENDED;
              else if (o === "X") bit = OPT_EXTRA;
              else if (o === "J") bit = OPT_DUPNAMES;
              else if (!"imsU".includes(o)) this.fault(12, this.p - 1);
              if (unsetting) unset |= bit;
              else set |= bit;
            }
            newOptions = (opts.value | set) & ~unset;
            if (u[this.p] === ch(")")) {
              opts.value = newOptions;
              this.p++;
              return null;
            }
            this.p++;
          }
      }
    } else {
      this.bracount++;
    }
    if (kind === "assert" || kind === "lookbehind") {
      notRepeatable = this.condAssertPending;
      this.condAssertPending = false;
    }
    const group = this.compileRegex(newOptions, kind === "lookbehind", reset);
    if (condition) {
      const branches = group.branches;
      const cond = condition;
      if (cond.name === undefined) {
        if (branches > 2) this.deferredFault(27, this.p);
      } else {
        const at = this.p;
        this.deferred.push({
          check: (parser) => {
            const name = cond.name as string;
            if (parser.lookupName(name)) return branches > 2 ? new Fault(27, at) : undefined;
            if (cond.terminator !== 0) return new Fault(15, at);
            if (/^R\d*$/.test(name)) {
              if (digitsOverflow(name.slice(1), 2147483647)) return new Fault(61, at);
              return branches > 2 ? new Fault(27, at) : undefined;
            }
            if (name === "DEFINE") return branches > 1 ? new Fault(54, at) : undefined;
            return new Fault(15, at);
          },
        });
      }
    }
    if (u[this.p] !== ch(")")) this.fault(14, this.p);
    this.p++;
    if (kind === "cond") return { len: UNKNOWN, repeatable: true, assertion: false };
    if (kind === "assert" || kind === "lookbehind") return { len: 0, repeatable: !notRepeatable, assertion: true };
    return { len: group.len, repeatable: true, assertion: false };
  }

  /**
   * The condition of (?(...)...), with this.p on its "(". Leaves this.p on
   * the first unit of the conditional group's body.
   */
  private parseCondition(): { name?: string; terminator?: number } | null {
    const u = this.u;
    let temp = this.p;
    if (u[this.p + 1] === ch("?") && u[this.p + 2] === ch("C")) {
      let i = 3;
      while (isDigit(u[this.p + i])) i++;
      if (u[this.p + i] === ch(")")) temp += i + 1;
      if (u[temp] !== ch("(")) this.fault(28, temp);
    }
    const a = u[temp + 2];
    if (
      u[temp + 1] === ch("?") &&
      (a === ch("=") || a === ch("!") || (a === ch("<") && (u[temp + 3] === ch("=") || u[temp + 3] === ch("!"))))
    ) {
      this.condAssertPending = true;
      return {};
    }
    this.p++;
    let terminator = 0;
    let refsign = -1;
    if (u[this.p] === ch("R") && u[this.p + 1] === ch("&")) {
      terminator = -1;
      this.p += 2;
    } else if (u[this.p] === ch("<")) {
      terminator = ch(">");
      this.p++;
    } else if (u[this.p] === ch("'")) {
      terminator = ch("'");
      this.p++;
    } else if (u[this.p] === ch("-") || u[this.p] === ch("+")) refsign = u[this.p++];
    else if (isDigit(u[this.p])) refsign = 0;
    let recno = 0;
    let name: string | undefined;
    if (refsign >= 0) {
      while (isDigit(u[this.p])) {
        recno = recno * 10 + (u[this.p++] - 0x30);
        if (recno > 214748363) {
          while (isDigit(u[this.p])) this.p++;
          this.fault(61);
        }
      }
    } else {
      if (isDigit(u[this.p])) this.fault(84);
      if (!isWord(u[this.p])) this.fault(28);
      const start = this.p;
      while (isWord(u[this.p])) this.p++;
      name = unitsToString(u, start, this.p);
    }
    if ((terminator > 0 && u[this.p++] !== terminator) || u[this.p++] !== ch(")")) this.fault(26, this.p - 1);
    if (refsign >= 0) {
      const at = this.p;
      if (recno <= 0) {
        this.deferredFault(35, at);
        return {};
      }
      if (refsign !== 0) recno = refsign === ch("-") ? this.bracount - recno + 1 : recno + this.bracount;
      const target = recno;
      this.deferred.push({ check: (parser) => (target <= 0 || target > parser.bracount ? new Fault(15, at) : undefined) });
      return {};
    }
    return { name, terminator };
  }

  /** DEFINE_NAME: this.p on "<" or "'" before the name; leaves this.p after the terminator. */
  private defineName(options: number): void {
    const u = this.u;
    const terminator = u[this.p] === ch("<") ? ch(">") : ch("'");
    const start = ++this.p;
    if (isDigit(u[this.p])) this.fault(84);
    while (isWord(u[this.p])) this.p++;
    const name = unitsToString(u, start, this.p);
    const number = this.bracount + 1;
    if (u[this.p] !== terminator) this.fault(42);
    if (name.length > 32) this.fault(48);
    let same = false;
    for (const ng of this.names) {
      if (ng.name === name) {
        if (ng.number === number) {
          same = true;
          break;
        }
        if (!(options & OPT_DUPNAMES)) this.fault(43);
      } else if (ng.number === number) this.fault(65);
    }
    if (!same) this.names.push({ name, number });
    this.p++;
    this.bracount++;
  }
}
