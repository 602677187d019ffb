import { DefaultTokenResolver, StringConcat, TerraformStack, TerraformVariable, Tokenization } from "../private/framework";
import type { IConstruct } from "constructs";
import { deferCheck, report } from "../errors/problems";
import type { Finding } from "../errors/finding";
import { isToken } from "../private/validation";

const RESOLVER = new DefaultTokenResolver(new StringConcat());
const FIX =
  'declare a TerraformVariable with sensitive: true (new TerraformVariable(this, "alert_webhook_url", { type: "string", sensitive: true })) and pass it, or its stringValue';

/**
 * A secret prop (a SensitiveValue), checked, as the string Token to put in
 * the container's environment; undefined (reported) when it is not one:
 * - a TerraformVariable must be declared with `sensitive: true`;
 * - a string must be a Token, and at synth (once every variable of the
 *   stack is declared) it must resolve to an expression that reads a
 *   sensitive variable or calls `sensitive(...)`: Terraform then hides the
 *   value in plans and outputs, wherever it flows;
 * - a literal string is refused: it would be committed with the code and
 *   written in plain text to cdktf.out.
 */
export function checkSensitiveValue(scope: IConstruct, field: string, value: unknown): string | undefined {
  if (value instanceof TerraformVariable) {
    if (value.sensitive !== true) {
      report(
        scope,
        `${field} is a TerraformVariable declared without sensitive: true: plans and outputs would show the secret`,
        value.node.id,
        FIX,
      );
      return undefined;
    }
    return value.stringValue;
  }
  if (typeof value === "string" && isToken(value)) {
    deferCheck(scope, () => notSensitiveFindings(scope, field, value));
    return value;
  }
  if (typeof value === "string") {
    report(
      scope,
      `${field} is a literal string: a secret in the code would be committed with it and written in plain text to cdktf.out`,
      "<redacted>",
      FIX,
    );
    return undefined;
  }
  report(scope, `${field} must be a sensitive value (a sensitive TerraformVariable, or a string Token of one)`, value, FIX);
  return undefined;
}

/** What a secret Token resolves to, when it reads no sensitive variable and calls no `sensitive(...)`. */
function notSensitiveFindings(scope: IConstruct, field: string, value: string): Finding[] {
  const stack = TerraformStack.of(scope);
  const resolve = (v: string): string => String(Tokenization.resolve(v, { scope: stack, resolver: RESOLVER }));
  const expression = resolve(value);
  if (/(^|[^A-Za-z0-9_.])sensitive\(/.test(expression)) return [];
  const sensitive = new Map<string, boolean>();
  for (const c of stack.node.findAll()) {
    if (!(c instanceof TerraformVariable)) continue;
    const name = /^\$\{var\.([A-Za-z0-9_-]+)\}$/.exec(resolve(c.stringValue))?.[1];
    if (name !== undefined) sensitive.set(name, c.sensitive === true);
  }
  const read = [...expression.matchAll(/(^|[^A-Za-z0-9_.])var\.([A-Za-z0-9_-]+)/g)].map((m) => m[2]);
  if (read.some((name) => sensitive.get(name) === true)) return [];
  return [
    {
      problem: `${field} must come from a sensitive value, but ${read.length > 0 ? `the variable${read.length > 1 ? "s" : ""} ${read.join(", ")} ${read.length > 1 ? "are" : "is"} not declared sensitive` : "it reads no sensitive variable"}: plans and outputs would show the secret`,
      received: expression,
      fix: read.length > 0 ? `declare ${read.join(", ")} with sensitive: true` : `${FIX}, or wrap the expression in Fn.sensitive(...)`,
    },
  ];
}
