/**
 * A synth-time check of the PromQL expressions and summary templates of
 * alert rules. Prometheus parses its rules file at start: one syntax error
 * stops it, and the deploy waits for a health check that never passes, with
 * no hint. This is not a full parser: it finds what a person gets wrong
 * (brackets that do not close, an unterminated string, a label matcher
 * without an operator or a quoted value, an unknown function, an operator
 * with no operand, a template variable Prometheus does not define) and says
 * where. An expression it accepts may still be refused by Prometheus.
 */

import { closestMatch } from "../errors/did-you-mean";

/** Prometheus 2.53's and 3.x's functions (promql/parser/functions.go). */
const FUNCTIONS = new Set([
  "abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh", "avg_over_time", "ceil", "changes", "clamp",
  "clamp_max", "clamp_min", "cos", "cosh", "count_over_time", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "deg",
  "delta", "deriv", "double_exponential_smoothing", "exp", "floor", "histogram_avg", "histogram_count", "histogram_fraction",
  "histogram_quantile", "histogram_stddev", "histogram_stdvar", "histogram_sum", "holt_winters", "hour", "idelta", "increase", "info",
  "irate", "label_join", "label_replace", "last_over_time", "ln", "log10", "log2", "mad_over_time", "max_over_time", "min_over_time",
  "minute", "month", "pi", "predict_linear", "present_over_time", "quantile_over_time", "rad", "rate", "resets", "round", "scalar",
  "sgn", "sin", "sinh", "sort", "sort_by_label", "sort_by_label_desc", "sort_desc", "sqrt", "stddev_over_time", "stdvar_over_time",
  "sum_over_time", "tan", "tanh", "time", "timestamp", "vector", "year",
]); // prettier-ignore
const AGGREGATIONS = new Set([
  "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio",
]); // prettier-ignore
/** Words that may be followed by a parenthesised label list, not a call. */
const LABEL_LIST_KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);
const BINARY_WORDS = new Set(["and", "or", "unless"]);
const BINARY_OPERATORS = new Set(["+", "-", "*", "/", "%", "^", "==", "!=", ">", "<", ">=", "<=", "atan2"]);
const MATCH_OPERATORS = new Set(["=", "!=", "=~", "!~"]);
const CLOSING: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

interface Token {
  readonly kind: "ident" | "number" | "string" | "op" | "open" | "close" | "comma" | "colon" | "duration";
  readonly text: string;
  readonly at: number;
}

/** The first syntax problem of `expression`, in one line, or undefined. */
export function promqlProblem(expression: string): string | undefined {
  const tokens: Token[] = [];
  const lexError = tokenize(expression, tokens);
  if (lexError) return lexError;
  if (tokens.length === 0) return "the expression is empty";
  const stack: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const next = tokens[i + 1];
    const previous = tokens[i - 1];
    // Outside a label matcher only binary operators and `@` stand between operands: `up = 0` stops Prometheus.
    if (t.kind === "op" && stack.at(-1)?.text !== "{" && !BINARY_OPERATORS.has(t.text) && t.text !== "@") {
      return `"${t.text}" at ${t.at + 1} is not a PromQL operator${t.text === "=" ? " (compare with ==)" : " outside a label matcher {...}"}`;
    }
    if (t.kind === "open") {
      stack.push(t);
      if (t.text === "{") {
        const problem = matcherProblem(tokens, i);
        if (problem) return problem;
      }
    } else if (t.kind === "close") {
      const open = stack.pop();
      if (!open) return `"${t.text}" at ${t.at + 1} closes nothing`;
      if (CLOSING[open.text] !== t.text) return `"${open.text}" at ${open.at + 1} is closed by "${t.text}" at ${t.at + 1}`;
    } else if (t.kind === "ident" && next?.kind === "open" && next.text === "(") {
      const word = t.text;
      const afterLabelWord = previous?.kind === "ident" && LABEL_LIST_KEYWORDS.has(previous.text);
      if (!FUNCTIONS.has(word) && !AGGREGATIONS.has(word) && !LABEL_LIST_KEYWORDS.has(word) && !BINARY_WORDS.has(word) && !afterLabelWord) {
        return `"${word}" at ${t.at + 1} is not a PromQL function${suggestion(word)}`;
      }
    } else if (
      isBinary(t) &&
      !(t.text === "-" || t.text === "+") &&
      (previous === undefined || isBinary(previous) || previous.kind === "open")
    ) {
      return `"${t.text}" at ${t.at + 1} has no left operand`;
    }
    if (isBinary(t) && (next === undefined || next.kind === "close" || next.kind === "comma")) {
      return `"${t.text}" at ${t.at + 1} has no right operand`;
    }
  }
  const unclosed = stack.pop();
  if (unclosed) return `"${unclosed.text}" at ${unclosed.at + 1} is never closed`;
  return undefined;
}

/** Words of PromQL that are not metric names where they stand. */
const NOT_METRIC_WORDS = new Set(["bool", "offset", "inf", "nan", "start", "end", ...LABEL_LIST_KEYWORDS, ...BINARY_WORDS, "atan2"]);

/**
 * The metric names an expression selects (`up`, `rabbitmq_queue_messages`,
 * `{__name__="x"}`), each once; not function names, keywords, label names
 * inside `{...}` or label lists after `by`, `without`, `on`, `ignoring`,
 * `group_left` and `group_right`. For an expression `promqlProblem` accepts.
 */
export function promqlMetricNames(expression: string): string[] {
  const tokens: Token[] = [];
  if (tokenize(expression, tokens)) return [];
  const names = new Set<string>();
  let braces = 0;
  let brackets = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const next = tokens[i + 1];
    if (t.kind === "open" && t.text === "{") braces++;
    else if (t.kind === "close" && t.text === "}") braces--;
    else if (t.kind === "open" && t.text === "[") brackets++;
    else if (t.kind === "close" && t.text === "]") brackets--;
    else if (t.kind === "ident" && brackets > 0) {
      // A range or a subquery's `:step`, not a name.
    } else if (t.kind === "ident" && AGGREGATIONS.has(t.text) && next?.kind === "ident" && LABEL_LIST_KEYWORDS.has(next.text)) {
      // `sum by (x) (...)`: the aggregation, its label list next.
    } else if (t.kind === "ident" && braces > 0) {
      const value = tokens[i + 2];
      if (t.text === "__name__" && next?.text === "=" && value?.kind === "string") names.add(value.text.slice(1, -1));
    } else if (t.kind === "ident" && LABEL_LIST_KEYWORDS.has(t.text) && next?.text === "(") {
      // A label list: skip to its closing parenthesis.
      while (i < tokens.length && tokens[i].text !== ")") i++;
    } else if (t.kind === "ident" && !(next?.kind === "open" && next.text === "(") && !NOT_METRIC_WORDS.has(t.text.toLowerCase())) {
      names.add(t.text);
    }
  }
  return [...names];
}

/**
 * The first problem of an alert's summary template, or undefined: `{{`
 * without `}}`, or a variable Prometheus does not define for alert
 * templates ($labels, $value, $externalLabels, $externalURL).
 */
export function alertTemplateProblem(template: string): string | undefined {
  let rest = template;
  let offset = 0;
  for (;;) {
    const open = rest.indexOf("{{");
    if (open < 0) return rest.includes("}}") ? `"}}" at ${offset + rest.indexOf("}}") + 1} closes no "{{"` : undefined;
    const close = rest.indexOf("}}", open + 2);
    if (close < 0) return `"{{" at ${offset + open + 1} is never closed by "}}"`;
    const action = rest.slice(open + 2, close);
    for (const variable of action.match(/\$[A-Za-z_][A-Za-z0-9_]*/g) ?? []) {
      if (!["$labels", "$value", "$externalLabels", "$externalURL"].includes(variable)) {
        return `${variable} is not a variable of alert templates (use $labels.<name>, $value, $externalLabels or $externalURL)`;
      }
    }
    offset += close + 2;
    rest = rest.slice(close + 2);
  }
}

function isBinary(t: Token): boolean {
  return (t.kind === "op" && BINARY_OPERATORS.has(t.text)) || (t.kind === "ident" && BINARY_WORDS.has(t.text));
}

/** Inside `{...}` starting at `tokens[open]`: `name op "value"` entries separated by commas. */
function matcherProblem(tokens: Token[], open: number): string | undefined {
  let i = open + 1;
  for (;;) {
    const name = tokens[i];
    if (name === undefined) return undefined; // reported as never closed
    if (name.kind === "close") return undefined;
    if (name.kind !== "ident" && name.kind !== "string")
      return `a label matcher at ${name.at + 1} must start with a label name, not "${name.text}"`;
    const op = tokens[i + 1];
    if (op === undefined || op.kind !== "op" || !MATCH_OPERATORS.has(op.text)) {
      return `the label matcher "${name.text}" at ${name.at + 1} needs =, !=, =~ or !~ and a quoted value`;
    }
    const value = tokens[i + 2];
    if (value === undefined || value.kind !== "string") {
      return `the label matcher "${name.text}${op.text}" at ${name.at + 1} needs a quoted value ("...")`;
    }
    const after = tokens[i + 3];
    if (after?.kind === "comma") i += 4;
    else if (after?.kind === "close") return undefined;
    else return after ? `"${after.text}" at ${after.at + 1} follows a label matcher: separate matchers with ","` : undefined;
  }
}

function tokenize(text: string, tokens: Token[]): string | undefined {
  let i = 0;
  let inRange = false;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === "\\" && c !== "`" ? 2 : 1;
      if (j >= text.length) return `the string starting at ${i + 1} is never closed (${c})`;
      tokens.push({ kind: "string", text: text.slice(i, j + 1), at: i });
      i = j + 1;
    } else if (inRange && /[0-9]/.test(c)) {
      const m = /^([0-9]+(ms|[smhdwy]))+/.exec(text.slice(i));
      if (!m) return `"${text.slice(i).split(/[\]:\s]/)[0]}" at ${i + 1} is not a duration (e.g. 5m, 1h30m)`;
      tokens.push({ kind: "duration", text: m[0], at: i });
      i += m[0].length;
    } else if (/[0-9.]/.test(c)) {
      const m = /^(0x[0-9a-fA-F]+|[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?)([smhdwy]|ms)?/.exec(text.slice(i));
      const length = m?.[0].length || 1;
      tokens.push({ kind: "number", text: text.slice(i, i + length), at: i });
      i += length;
    } else if (/[A-Za-z_:]/.test(c)) {
      const m = /^[A-Za-z_:][A-Za-z0-9_:.]*/.exec(text.slice(i))!;
      // `:` alone in a subquery range is a separator, not a name.
      if (m[0] === ":") {
        tokens.push({ kind: "colon", text: ":", at: i });
        i++;
        continue;
      }
      tokens.push({ kind: "ident", text: m[0], at: i });
      i += m[0].length;
    } else if ("([{".includes(c)) {
      if (c === "[") inRange = true;
      tokens.push({ kind: "open", text: c, at: i });
      i++;
    } else if (")]}".includes(c)) {
      if (c === "]") inRange = false;
      tokens.push({ kind: "close", text: c, at: i });
      i++;
    } else if (c === ",") {
      tokens.push({ kind: "comma", text: c, at: i });
      i++;
    } else {
      const m = /^(==|!=|>=|<=|=~|!~|[-+*/%^=<>@])/.exec(text.slice(i));
      if (!m) return `"${c}" at ${i + 1} is not part of PromQL`;
      tokens.push({ kind: "op", text: m[0], at: i });
      i += m[0].length;
    }
  }
  return undefined;
}

function suggestion(word: string): string {
  const best = closestMatch(word, [...FUNCTIONS, ...AGGREGATIONS]);
  return best ? ` (did you mean ${best}?)` : "";
}
