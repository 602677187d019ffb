/**
 * The PCRE 8.x pattern checker itself: a pattern's alternatives and
 * branches, quantifiers and the fixed length of lookbehinds
 * (compile_regex, compile_branch and find_fixedlength of pcre_compile.c),
 * and pcreCompileError, the error re:compile/1 would give.
 */
import { Fault, PCRE_MESSAGES, pcreFix, type PcreError } from "./pcre-errors";
import { PcreGroups } from "./pcre-groups";
import { ANYBYTE, BACKSLASH, ch, isDigit, OPT_EXTENDED, unitsToString, UNKNOWN, VAR } from "./pcre-tables";

interface BranchResult {
  len: number;
}

interface BranchState {
  readonly items: number[];
  previous: { index: number; assertion: boolean } | null;
  accept: boolean;
}

function pushItem(st: BranchState, len: number, repeatable: boolean, assertion = false): void {
  st.items.push(len);
  st.previous = repeatable ? { index: st.items.length - 1, assertion } : null;
}

/** Parses one pattern; throws Fault for the errors of PCRE's first pass and collects those of its second. */
export class PcreParser extends PcreGroups {
  run(): Fault | undefined {
    const nul = this.u.indexOf(0);
    if (nul < this.u.length - 1) return new Fault(100, nul);
    try {
      this.compileRegex(0, false, false);
      if (this.u[this.p] !== 0) throw new Fault(22, this.p);
    } catch (e) {
      if (e instanceof Fault) return e;
      throw e;
    }
    for (const d of this.deferred) {
      const fault = d.check(this);
      if (fault) return fault;
    }
    if (this.topBackref > this.bracount) return new Fault(15, this.u.length - 1);
    return undefined;
  }

  /** compile_regex: branches until ")" or the end; returns the group's fixed length (for lookbehinds) and its branch count. */
  protected compileRegex(options: number, lookbehind: boolean, resetCount: boolean): { len: number; branches: number } {
    const opts = { value: options };
    const startCount = this.bracount;
    let maxCount = startCount;
    let len: number | undefined;
    let branches = 0;
    for (;;) {
      if (resetCount) this.bracount = startCount;
      const branch = this.compileBranch(opts);
      branches++;
      if (lookbehind && (branch.len === VAR || branch.len === ANYBYTE)) {
        const at = this.p;
        const code = branch.len === VAR ? 25 : 36;
        this.deferred.push({ check: () => new Fault(code, at) });
      }
      len = len === undefined ? branch.len : combineAlternatives(len, branch.len);
      if (this.bracount > maxCount) maxCount = this.bracount;
      if (this.u[this.p] !== ch("|")) break;
      this.p++;
    }
    if (resetCount) this.bracount = maxCount;
    return { len: len ?? 0, branches };
  }

  /** compile_branch: items until "|", ")" or the end. */
  private compileBranch(opts: { value: number }): BranchResult {
    const u = this.u;
    const st: BranchState = { items: [], previous: null, accept: false };
    let inescq = false;
    for (;;) {
      const c = u[this.p];
      if (c !== 0) {
        if (c === BACKSLASH && u[this.p + 1] === ch("E")) {
          inescq = false;
          this.p += 2;
          continue;
        }
        if (inescq) {
          pushItem(st, 1, true);
          this.p++;
          continue;
        }
        if (c === BACKSLASH && u[this.p + 1] === ch("Q")) {
          inescq = true;
          this.p += 2;
          continue;
        }
      }
      if (opts.value & OPT_EXTENDED) {
        const next = this.skipExtended(this.p);
        if (next > this.p) {
          this.p = next;
          continue;
        }
      }
      if (c === ch("(") && u[this.p + 1] === ch("?") && u[this.p + 2] === ch("#")) {
        let i = this.p + 3;
        while (u[i] !== 0 && u[i] !== ch(")")) i++;
        if (u[i] === 0) this.fault(18, i);
        this.p = i + 1;
        continue;
      }
      if (c === 0 || c === ch("|") || c === ch(")")) return { len: st.accept ? UNKNOWN : sumLengths(st.items) };
      if (this.isQuantifierAt(this.p)) {
        this.repeat(st, opts.value);
        continue;
      }
      switch (c) {
        case 0x5e: // ^
        case 0x24: // $
          pushItem(st, 0, false);
          this.p++;
          break;
        case 0x5b: {
          // [
          const rest = unitsToString(u, this.p + 1, this.p + 7);
          if (rest === "[:<:]]" || rest === "[:>:]]") {
            // Replaced by \b(?=\w) and \b(?<=\w): the lookaround is the item a quantifier would repeat.
            pushItem(st, 0, true, true);
            this.p += 7;
          } else {
            this.parseClass(opts.value);
            pushItem(st, 1, true);
          }
          break;
        }
        case 0x28: {
          // (
          const r = this.parseParen(opts);
          if (r === null) st.previous = null;
          else {
            if (r.accept) st.accept = true;
            pushItem(st, r.len, r.repeatable, r.assertion);
          }
          break;
        }
        case BACKSLASH: {
          const r = this.parseEscapeItem(opts.value);
          pushItem(st, r.len, r.repeatable);
          break;
        }
        default:
          // ".", a data character, a "{" that is not a quantifier, "]".
          pushItem(st, 1, true);
          this.p++;
      }
    }
  }

  /** A quantifier, with this.p on it: repeats the previous item (REPEAT in compile_branch). */
  private repeat(st: BranchState, options: number): void {
    const u = this.u;
    const at = this.p;
    const c = u[this.p];
    let min: number;
    let max: number;
    if (c === ch("{")) [min, max] = this.readRepeatCounts();
    else {
      min = c === ch("+") ? 1 : 0;
      max = c === ch("?") ? 1 : -1;
      this.p++;
    }
    const prev = st.previous;
    if (prev === null) this.fault(9, at);
    const itemLen = st.items[prev.index];
    if (prev.assertion || max === 0) st.items[prev.index] = UNKNOWN;
    else if (min === max) st.items[prev.index] = itemLen < 0 ? itemLen : itemLen * min;
    else st.items[prev.index] = VAR;
    // Before a possessive "+" or lazy "?": white space and #-comments in extended mode, then one (?#...) comment (PCRE 8.4x).
    if (options & OPT_EXTENDED) this.p = this.skipExtended(this.p);
    if (u[this.p] === ch("(") && u[this.p + 1] === ch("?") && u[this.p + 2] === ch("#")) {
      let i = this.p + 3;
      while (u[i] !== 0 && u[i] !== ch(")")) i++;
      if (u[i] === 0) this.fault(18, i);
      this.p = i + 1;
    }
    if (u[this.p] === ch("+") || u[this.p] === ch("?")) this.p++;
    st.previous = null;
  }

  /** read_repeat_counts, with this.p on "{"; leaves this.p after "}". */
  private readRepeatCounts(): [number, number] {
    const u = this.u;
    let i = this.p + 1;
    let min = 0;
    let max: number;
    while (isDigit(u[i])) {
      min = min * 10 + (u[i++] - 0x30);
      if (min > 65535) this.fault(5, i);
    }
    if (u[i] === ch("}")) max = min;
    else {
      i++;
      if (u[i] !== ch("}")) {
        max = 0;
        while (isDigit(u[i])) {
          max = max * 10 + (u[i++] - 0x30);
          if (max > 65535) this.fault(5, i);
        }
        if (max < min) this.fault(4, i);
      } else max = -1;
    }
    this.p = i + 1;
    return [min, max];
  }
}

/** find_fixedlength for one branch: the first variable item decides, as PCRE scans in order. */
function sumLengths(items: readonly number[]): number {
  const variable = items.find((len) => len === VAR || len === ANYBYTE);
  if (variable !== undefined) return variable;
  if (items.includes(UNKNOWN)) return UNKNOWN;
  return items.reduce((a, b) => a + b, 0);
}

function combineAlternatives(a: number, b: number): number {
  if (a === VAR || a === ANYBYTE) return a;
  if (b === VAR || b === ANYBYTE) return b;
  if (a === UNKNOWN || b === UNKNOWN) return UNKNOWN;
  return a === b ? a : VAR;
}

export /** The error re:compile/1 of OTP 27 (PCRE 8.x) gives for `pattern`, if any. */
function pcreCompileError(pattern: string): PcreError | undefined {
  const parser = new PcreParser(pattern);
  let fault: Fault | undefined;
  try {
    fault = parser.run();
  } catch (e) {
    // Nesting deep enough to exhaust the JavaScript stack: PCRE's own limits differ by build, so accept.
    if (e instanceof RangeError) return undefined;
    throw e;
  }
  if (!fault) return undefined;
  return {
    code: fault.code,
    message: PCRE_MESSAGES[fault.code] ?? `PCRE error ${fault.code}`,
    offset: parser.offsetOf(fault.at),
    fix: pcreFix(fault.code, pattern),
  };
}
