/**
 * A broker's credentials: a secret prop must be a Token, the sensitive
 * Terraform variables secrets come from when the user gives none, and the
 * passwords derived from the credentials key.
 */
import { Fn, TerraformVariable } from "../private/framework";
import type { Construct } from "constructs";
import { report } from "../errors/problems";
import { escapeTemplate } from "../private/terraform-text";
import { claimName, isToken } from "../private/validation";

/** A secret prop is a Token: a literal would be committed with the code and written in plain text to cdktf.out. */
export function checkSecretToken(scope: Construct, field: string, value: unknown, variableSuffix: string): boolean {
  if (value === undefined || isToken(value)) return true;
  report(
    scope,
    `${field} is a literal${typeof value === "string" ? " string" : ""}: a secret in the code would be committed with it and written in plain text to cdktf.out`,
    "<redacted>",
    `pass a Token, e.g. new TerraformVariable(this, "${variableSuffix}", { type: "string", sensitive: true }).stringValue, or omit ${field} to get such a variable`,
  );
  return false;
}

/**
 * The sensitive string variable `name` of a broker (BrokerBase.addSecretVariable),
 * its name claimed in the stack: a null default and validation rules, so
 * that an unset `TF_VAR_<name>` stops plan at once with one error.
 */
export function declareSecretVariable(
  scope: Construct,
  id: string,
  name: string,
  description: string,
  minLength: number,
  charset?: { pattern: string; description: string },
): TerraformVariable {
  claimName(
    scope,
    "terraform variable",
    name,
    "give the brokers names that differ in more than '-', '.' or '_' (variable names replace them with '_')",
  );
  const variable = new TerraformVariable(scope, id, {
    type: "string",
    sensitive: true,
    nullable: true,
    description: `${description} (at least ${minLength} characters). Set TF_VAR_${name}.`,
    validation: [
      {
        condition: `\${var.${name} != null}`,
        errorMessage: `${name} is not set: export TF_VAR_${name} (${description}, at least ${minLength} characters).`,
      },
      {
        condition: `\${var.${name} == null ? true : length(var.${name}) >= ${minLength}}`,
        errorMessage: `${name} must be at least ${minLength} characters long.`,
      },
      // A charset pattern has no backslash or quote, so it needs no escaping inside the HCL string.
      ...(charset
        ? [
            {
              condition: `\${var.${name} == null ? true : can(regex("${charset.pattern}", var.${name}))}`,
              errorMessage: `${name} may contain only ${charset.description}.`,
            },
          ]
        : []),
    ],
  });
  // cdktf's TerraformVariable cannot take `default: null` (its snake-casing
  // of the config calls Object.keys on it); an override writes it as is.
  variable.addOverride("default", null);
  variable.overrideLogicalId(name);
  return variable;
}

/** The password of the generated user `user` of broker `brokerName` (BrokerBase.derivedPassword): `sha256(<key>/<broker>/<user>)`, by Terraform. */
export function derivePassword(credentialsKey: string, brokerName: string, user: string): string {
  return Fn.sha256(`${credentialsKey}/${escapeTemplate(brokerName)}/${escapeTemplate(user)}`);
}
