import { Testing, TerraformStack } from "cdktf";
import { DockerHost, MessagingValidationError, Network } from "../../constructs";
import { problemsIn } from "../../constructs/errors/problems";
import { synthStack } from "../../constructs/testing";

/** A stack with a Docker provider, as every user stack has. */
export function newStack(id = "test"): TerraformStack {
  const stack = new TerraformStack(Testing.app(), id);
  new DockerHost(stack, "docker", { host: "unix:///var/run/docker.sock" });
  return stack;
}

/** The stack's network "net", created on first use. */
export function net(stack: TerraformStack): Network {
  return (stack.node.tryFindChild("net") as Network | undefined) ?? new Network(stack, "net");
}

/**
 * Synthesized JSON (string, for the cdktf matchers) and parsed, after every
 * validation (one error listing all problems, as `cdktf synth` does).
 */
export function synth(stack: TerraformStack): { text: string; json: any } {
  const json = synthStack(stack);
  return { text: JSON.stringify(json), json };
}

/**
 * The problems a stack built by `build` has, after aspects and the checks
 * run at synth: what `cdktf synth` would list. Errors thrown at once (a
 * missing required prop) are returned too.
 */
export function problemsOf(build: (stack: TerraformStack) => void): MessagingValidationError[] {
  const stack = newStack();
  try {
    build(stack);
  } catch (error) {
    if (error instanceof MessagingValidationError) return [...problemsIn(stack), error];
    throw error;
  }
  Testing.synth(stack); // runs the aspects
  return problemsIn(stack);
}

/** The problems' messages (`<path>: <problem>, got <value>. Fix: <fix>`). */
export function problemMessages(build: (stack: TerraformStack) => void): string[] {
  return problemsOf(build).map((p) => p.message);
}

/** All configs of a resource type. */
export function resources(json: any, type: string): any[] {
  return Object.values(json.resource?.[type] ?? {});
}

/** The docker_container named `name`. */
export function container(json: any, name: string): any {
  const found = resources(json, "docker_container").find((c) => c.name === name);
  if (!found) throw new Error(`no docker_container named ${name}`);
  return found;
}

/** The env list of a container as a map. */
export function envOf(c: any): Record<string, string> {
  return Object.fromEntries((c.env as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

export function labelsOf(c: any): Record<string, string> {
  return Object.fromEntries((c.labels ?? []).map((l: any) => [l.label, l.value]));
}

export function upload(c: any, file: string): string {
  const u = (c.upload as any[]).find((x) => x.file === file);
  if (!u) throw new Error(`no upload of ${file}`);
  return u.content;
}

/** Reads a Terraform string template back as the text it renders, with `vars` for `${jsonencode(var.x)}`. */
export function renderTemplate(content: string, vars: Record<string, string> = {}): string {
  return content
    .replace(/(?<!\$)\$\{jsonencode\(var\.([A-Za-z0-9_]+)\)\}/g, (_m, name) => JSON.stringify(vars[name] ?? "<unset>"))
    .replace(/\$\$\{/g, "${")
    .replace(/%%\{/g, "%{");
}

/** Every key anywhere in a JSON value. */
export function allKeys(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => allKeys(v, into));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      into.add(k);
      allKeys(v, into);
    }
  }
  return into;
}
