/**
 * The errors of the PCRE 8.x pattern checker: the error codes it raises
 * (Fault), their texts as pcre_compile.c prints them, and the fix said for
 * each in a RabbitMQ policy pattern.
 */

export interface PcreError {
  readonly code: number;
  readonly message: string;
  /** Character index in the pattern where PCRE stopped. */
  readonly offset: number;
  readonly fix: string;
}

// Error texts: error_texts[] of pcre_compile.c (PCRE 8.x), the ones this checker can raise.
export const PCRE_MESSAGES: Readonly<Record<number, string>> = {
  1: "\\ at end of pattern",
  2: "\\c at end of pattern",
  3: "unrecognized character follows \\",
  4: "numbers out of order in {} quantifier",
  5: "number too big in {} quantifier",
  6: "missing terminating ] for character class",
  7: "invalid escape sequence in character class",
  8: "range out of order in character class",
  9: "nothing to repeat",
  12: "unrecognized character after (? or (?-",
  13: "POSIX named classes are supported only within a class",
  14: "missing )",
  15: "reference to non-existent subpattern",
  18: "missing ) after comment",
  22: "unmatched parentheses",
  24: "unrecognized character after (?<",
  25: "lookbehind assertion is not fixed length",
  36: "\\C not allowed in lookbehind assertion",
  26: "malformed number or name after (?(",
  27: "conditional group contains more than two branches",
  28: "assertion expected after (?( or (?(?C)",
  29: "(?R or (?[+-]digits must be followed by )",
  30: "unknown POSIX class name",
  31: "POSIX collating elements are not supported",
  34: "character value in \\x{} or \\o{} is too large",
  35: "invalid condition (?(0)",
  37: "PCRE does not support \\L, \\l, \\N{name}, \\U, or \\u",
  38: "number after (?C is > 255",
  39: "closing ) for (?C expected",
  41: "unrecognized character after (?P",
  42: "syntax error in subpattern name (missing terminator)",
  43: "two named subpatterns have the same name",
  46: "malformed \\P or \\p sequence",
  47: "unknown property name after \\P or \\p",
  48: "subpattern name is too long (maximum 32 characters)",
  51: "octal value is greater than \\377 in 8-bit non-UTF-8 mode",
  54: "DEFINE group contains more than one branch",
  57: "\\g is not followed by a braced, angle-bracketed, or quoted name/number or by a plain number",
  58: "a numbered reference must not be zero",
  59: "an argument is not allowed for (*ACCEPT), (*FAIL), or (*COMMIT)",
  60: "(*VERB) not recognized or malformed",
  61: "number is too big",
  62: "subpattern name expected",
  63: "digit expected after (?+",
  65: "different names for subpatterns of the same number are not allowed",
  66: "(*MARK) must have an argument",
  68: "\\c must be followed by an ASCII character",
  69: "\\k is not followed by a braced, angle-bracketed, or quoted name",
  71: "\\N is not supported in a class",
  73: "disallowed Unicode code point (>= 0xd800 && <= 0xdfff)",
  75: "name is too long in (*MARK), (*PRUNE), (*SKIP), or (*THEN)",
  79: "non-hex character in \\x{} (closing brace missing?)",
  80: "non-octal character in \\o{} (closing brace missing?)",
  81: "missing opening brace after \\o",
  83: "invalid range in character class",
  84: "group name must start with a non-digit",
  86: "digits missing in \\x{} or \\o{}",
  100: "NUL character in pattern",
};

export function pcreFix(code: number, pattern: string): string {
  switch (code) {
    case 9:
      return /(^|[|(])\*/.test(pattern) || pattern.startsWith("*")
        ? 'policy patterns are regular expressions, not globs: write ".*" where you meant "*", and "\\*" for a literal star'
        : 'a quantifier (*, +, ?, {n}) needs something before it to repeat: escape it ("\\*", "\\+", "\\?", "\\{") to match it literally; "a*+" and "a*?" are fine, "a**" is not';
    case 14:
    case 22:
      return "balance the parentheses, or escape a literal one as \\( or \\)";
    case 6:
      return "close the character class with ], or escape a literal [ as \\[";
    case 8:
    case 83:
      return "write each range low-high, e.g. [a-z], or put - first or last to match a literal hyphen";
    case 4:
      return "write {min,max} with min <= max";
    case 5:
      return "use repeat counts up to 65535";
    case 13:
      return "put the POSIX class inside brackets: [[:digit:]]";
    case 30:
      return "use one of alpha, lower, upper, alnum, ascii, blank, cntrl, digit, graph, print, punct, space, word, xdigit";
    case 15:
      return "refer only to groups that exist: count the capturing groups, or name them with (?<name>...)";
    case 25:
      return "a lookbehind must match a fixed number of characters in each alternative: use (?<=ab|c), not (?<=a+) or (?<=a(b|cd))";
    case 1:
      return "escape a trailing backslash as \\\\";
    case 12:
    case 24:
    case 41:
      return "use a known group syntax: (?:...), (?=...), (?!...), (?<=...), (?<!...), (?>...), (?<name>...), or inline options like (?i)";
    case 37:
      return "PCRE has no \\L, \\l, \\U, \\u or \\N{name}: use \\x{hh} for a character, (?i) for case";
    case 100:
      return "remove the NUL character: RabbitMQ's PCRE stops reading the pattern there";
    default:
      return "fix the pattern: RabbitMQ compiles it with Erlang's re module (PCRE 8 syntax)";
  }
}

export class Fault {
  constructor(
    readonly code: number,
    readonly at: number,
  ) {}
}
