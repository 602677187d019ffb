/**
 * The tables and character helpers of the PCRE 8.x pattern checker: the
 * fixed-length markers of lookbehinds, option bits, escapes, POSIX class
 * names, Unicode property names, verbs, and the code-unit tests and
 * conversions every part of the parser uses.
 */

/** Fixed-length bookkeeping for lookbehinds: a length, VAR (variable) or UNKNOWN (cannot tell; accepted). */
export const VAR = -1;
export const UNKNOWN = -2;
/** \C in UTF mode: one byte, refused in a lookbehind. */
export const ANYBYTE = -3;

export const OPT_EXTENDED = 1;
export const OPT_EXTRA = 2;
export const OPT_DUPNAMES = 4;

export const enum Esc {
  None = 0,
  A = 1,
  G,
  K,
  B,
  b,
  D,
  d,
  S,
  s,
  W,
  w,
  N,
  dum,
  C,
  P,
  p,
  R,
  H,
  h,
  V,
  v,
  X,
  Z,
  z,
  E,
  Q,
  g,
  k,
}

// escapes[] of pcre_compile.c for ASCII letters: a literal character value (>= 0) or an escape type (< 0 here as -Esc).
export const ESCAPE_TABLE: Readonly<Record<string, number>> = {
  A: -Esc.A,
  B: -Esc.B,
  C: -Esc.C,
  D: -Esc.D,
  E: -Esc.E,
  G: -Esc.G,
  H: -Esc.H,
  K: -Esc.K,
  N: -Esc.N,
  P: -Esc.P,
  Q: -Esc.Q,
  R: -Esc.R,
  S: -Esc.S,
  V: -Esc.V,
  W: -Esc.W,
  X: -Esc.X,
  Z: -Esc.Z,
  a: 7,
  b: -Esc.b,
  d: -Esc.d,
  e: 27,
  f: 12,
  h: -Esc.h,
  k: -Esc.k,
  n: 10,
  p: -Esc.p,
  r: 13,
  s: -Esc.s,
  t: 9,
  v: -Esc.v,
  w: -Esc.w,
  z: -Esc.z,
};

// posix_names[] of pcre_compile.c.
export const POSIX_CLASSES = [
  "alpha",
  "lower",
  "upper",
  "alnum",
  "ascii",
  "blank",
  "cntrl",
  "digit",
  "graph",
  "print",
  "punct",
  "space",
  "word",
  "xdigit",
];
// utt_names[] of pcre_tables.c (PCRE 8.39): general categories, PCRE specials and scripts. Later 8.x add scripts,
// so a longer unknown name of letters and underscores is accepted as a possible script.
export const UCP_NAMES = new Set(
  (
    "Any C Cc Cf Cn Co Cs L L& Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs Xan Xps Xsp Xuc Xwd " +
    "Arabic Armenian Avestan Balinese Bamum Bassa_Vah Batak Bengali Bopomofo Brahmi Braille Buginese Buhid Canadian_Aboriginal Carian " +
    "Caucasian_Albanian Chakma Cham Cherokee Common Coptic Cuneiform Cypriot Cyrillic Deseret Devanagari Duployan Egyptian_Hieroglyphs Elbasan " +
    "Ethiopic Georgian Glagolitic Gothic Grantha Greek Gujarati Gurmukhi Han Hangul Hanunoo Hebrew Hiragana Imperial_Aramaic Inherited " +
    "Inscriptional_Pahlavi Inscriptional_Parthian Javanese Kaithi Kannada Katakana Kayah_Li Kharoshthi Khmer Khojki Khudawadi Lao Latin Lepcha " +
    "Limbu Linear_A Linear_B Lisu Lycian Lydian Mahajani Malayalam Mandaic Manichaean Meetei_Mayek Mende_Kikakui Meroitic_Cursive " +
    "Meroitic_Hieroglyphs Miao Modi Mongolian Mro Myanmar Nabataean New_Tai_Lue Nko Ogham Ol_Chiki Old_Italic Old_North_Arabian Old_Permic " +
    "Old_Persian Old_South_Arabian Old_Turkic Oriya Osmanya Pahawh_Hmong Palmyrene Pau_Cin_Hau Phags_Pa Phoenician Psalter_Pahlavi Rejang Runic " +
    "Samaritan Saurashtra Sharada Shavian Siddham Sinhala Sora_Sompeng Sundanese Syloti_Nagri Syriac Tagalog Tagbanwa Tai_Le Tai_Tham Tai_Viet " +
    "Takri Tamil Telugu Thaana Thai Tibetan Tifinagh Tirhuta Ugaritic Vai Warang_Citi Yi"
  ).split(" "),
);

// Verbs: verbs[] of pcre_compile.c; arg: required, forbidden or optional.
export const VERBS: Readonly<Record<string, "required" | "forbidden" | "optional">> = {
  "": "required",
  MARK: "required",
  ACCEPT: "forbidden",
  COMMIT: "forbidden",
  F: "forbidden",
  FAIL: "forbidden",
  PRUNE: "optional",
  SKIP: "optional",
  THEN: "optional",
};

export const ch = (s: string): number => s.charCodeAt(0);
export const BACKSLASH = 0x5c;
export const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
export const isHex = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
export const isLetter = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
export const isWord = (c: number): boolean => isLetter(c) || isDigit(c) || c === 0x5f;
export const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

/** PCRE's overflow test while reading digits: the value so far exceeds max / 10 - 1 before another digit. */
export function digitsOverflow(digits: string, max = 0xffffffff): boolean {
  let c = 0;
  for (const d of digits) {
    if (c > Math.floor(max / 10) - 1) return true;
    c = c * 10 + Number(d);
  }
  return false;
}

export function unitsToString(u: readonly number[], start: number, end: number): string {
  let out = "";
  for (let i = start; i < end && i < u.length; i++) out += String.fromCodePoint(u[i]);
  return out;
}

export function utf8Bytes(cp: number): number[] {
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
}
