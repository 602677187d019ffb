/**
 * Checks bench/compose/compose.yaml against the synthesized default stack
 * (as renamed by bench/lib/stack-instance.ts): per container, the image,
 * hostname, networks and aliases, environment (values included: the stack's
 * Terraform expressions are evaluated with the variables' values),
 * healthcheck, memory, hardening (read-only root, tmpfs, capabilities,
 * security options), log options, restart policy, stop grace period,
 * published ports, volume mount points, uploaded files (contents included),
 * entrypoint/command and start dependencies must agree; so must the
 * networks' `internal` flags. Names differ by design (`bench-` vs `benchc-`),
 * and so do the stack labels. Returns the differences found.
 */
import { createHash } from "crypto";
import { run } from "../lib/proc";

type Json = any;

const seconds = (d: string | undefined): number | undefined => {
  if (d === undefined) return undefined;
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(d);
  return m ? Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) : NaN;
};

/** `docker compose config` keeps `$$` (a literal `$`) escaped: what the container gets has one `$`. */
const unescapeCompose = (v: Json): Json =>
  typeof v === "string" ? v.replace(/\$\$/g, "$") : Array.isArray(v) ? v.map(unescapeCompose) : v;

/**
 * The value of a Terraform template string from the synthesized JSON, for the
 * few expressions the stack uses: `${var.X}`, `${sha256("<template>")}`,
 * `${jsonencode(var.X)}`, and `$${` (a literal `${`). undefined for anything else.
 */
export function evaluateTemplate(text: string, vars: Record<string, string>): string | undefined {
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("$${", i)) {
      out += "${";
      i += 3;
    } else if (text.startsWith("${", i)) {
      const end = closingBrace(text, i + 2);
      if (end < 0) return undefined;
      const value = evaluateExpression(text.slice(i + 2, end).trim(), vars);
      if (value === undefined) return undefined;
      out += value;
      i = end + 1;
    } else {
      out += text[i];
      i++;
    }
  }
  return out;
}

/** Index of the `}` closing an interpolation whose body starts at `from` (quotes and nested `${}` skipped). */
function closingBrace(text: string, from: number): number {
  let depth = 0;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
      else if (text.startsWith("${", i)) {
        const end = closingBrace(text, i + 2);
        if (end < 0) return -1;
        i = end;
      }
    } else if (ch === '"') inString = true;
    else if (ch === "{") depth++;
    else if (ch === "}") {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

function evaluateExpression(expr: string, vars: Record<string, string>): string | undefined {
  const variable = /^var\.([A-Za-z0-9_]+)$/.exec(expr);
  if (variable) return vars[variable[1]!];
  const jsonencode = /^jsonencode\(var\.([A-Za-z0-9_]+)\)$/.exec(expr);
  if (jsonencode) return vars[jsonencode[1]!] === undefined ? undefined : JSON.stringify(vars[jsonencode[1]!]);
  const sha = /^sha256\("(.*)"\)$/s.exec(expr);
  if (sha) {
    const inner = evaluateTemplate(sha[1]!, vars);
    return inner === undefined ? undefined : createHash("sha256").update(inner).digest("hex");
  }
  return undefined;
}

/**
 * @param vars the values of the stack's Terraform variables (the same ones
 *   the benchmark gives Terraform), so env values and file contents that
 *   hold expressions are compared too.
 */
export function compareComposeWithStack(
  composeFile: string,
  stack: Record<string, Json>,
  env: NodeJS.ProcessEnv,
  vars: Record<string, string> = {},
): string[] {
  const compose = JSON.parse(run("docker", ["compose", "-f", composeFile, "config", "--format", "json"], { env })) as Json;
  const containers = stack.resource.docker_container as Record<string, Json>;
  const images = stack.resource.docker_image as Record<string, Json>;
  const networks = stack.resource.docker_network as Record<string, Json>;
  const byId = new Map<string, Json>(Object.entries(containers));
  const diffs: string[] = [];
  const services = compose.services as Record<string, Json>;
  const serviceOf = (tfName: string) =>
    Object.entries(services).find(([, s]) => (s.container_name as string).replace(/^benchc-/, "") === tfName.replace(/^bench-/, ""));
  const tfNetworkName = (ref: string) => {
    const id = /docker_network\.([^.]+)\./.exec(ref)?.[1];
    return id ? (networks[id].name as string).replace(/^bench-/, "") : ref;
  };
  const composeNetworkName = (key: string) => (compose.networks[key].name as string).replace(/^benchc-/, "");
  const evaluate = (v: string) => evaluateTemplate(v, vars);

  for (const c of byId.values()) {
    const name = c.name as string;
    const found = serviceOf(name);
    if (!found) {
      diffs.push(`${name}: no service in the compose file`);
      continue;
    }
    const [, s] = found;
    const d = (what: string, tf: unknown, co: unknown) => {
      if (JSON.stringify(tf) !== JSON.stringify(co))
        diffs.push(`${name} ${what}: stack ${JSON.stringify(tf)} / compose ${JSON.stringify(co)}`);
    };
    const imageRef = /docker_image\.([^.]+)\./.exec(c.image as string)?.[1];
    const image = imageRef ? images[imageRef] : undefined;
    if (image?.build) {
      d("image build context", image.build.context, s.build?.context);
      d("image build args", image.build.build_args ?? null, s.build?.args ?? null);
    } else d("image", image?.name, s.image);
    d("hostname", c.hostname ?? null, s.hostname ?? null);
    d(
      "networks (aliases)",
      sortKeys(
        Object.fromEntries(((c.networks_advanced as Json[]) ?? []).map((n) => [tfNetworkName(n.name), [...(n.aliases ?? [])].sort()])),
      ),
      sortKeys(
        Object.fromEntries(
          Object.entries(s.networks ?? {}).map(([k, n]) => [composeNetworkName(k), [...((n as Json)?.aliases ?? [])].sort()]),
        ),
      ),
    );
    const tfEnv = Object.fromEntries((c.env as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
    d("env names", Object.keys(tfEnv).sort(), Object.keys(s.environment ?? {}).sort());
    for (const [k, v] of Object.entries(tfEnv)) {
      if (s.environment?.[k] === undefined) continue;
      const value = evaluate(v);
      if (value === undefined) diffs.push(`${name} env ${k}: cannot evaluate ${JSON.stringify(v)}`);
      else d(`env ${k}`, value, unescapeCompose(s.environment[k]));
    }
    const h = c.healthcheck as Json | undefined;
    d(
      "healthcheck",
      h
        ? { test: h.test, interval: seconds(h.interval), timeout: seconds(h.timeout), retries: h.retries, start: seconds(h.start_period) }
        : null,
      s.healthcheck
        ? {
            test: unescapeCompose(s.healthcheck.test),
            interval: seconds(s.healthcheck.interval),
            timeout: seconds(s.healthcheck.timeout),
            retries: s.healthcheck.retries,
            start: seconds(s.healthcheck.start_period),
          }
        : null,
    );
    d("memory MiB", c.memory, Number(s.mem_limit) / 2 ** 20);
    d("memory+swap MiB", c.memory_swap ?? null, s.memswap_limit ? Number(s.memswap_limit) / 2 ** 20 : null);
    d("read-only root", c.read_only ?? false, s.read_only ?? false);
    d(
      "tmpfs",
      Object.entries(c.tmpfs ?? {})
        .map(([p, o]) => `${p}:${String(o)}`)
        .sort(),
      [...(s.tmpfs ?? [])].sort(),
    );
    d("capabilities dropped", [...(c.capabilities?.drop ?? [])].sort(), [...(s.cap_drop ?? [])].sort());
    d("capabilities added", [...(c.capabilities?.add ?? [])].sort(), [...(s.cap_add ?? [])].sort());
    d("security options", [...(c.security_opts ?? [])].sort(), [...(s.security_opt ?? [])].sort());
    d("log driver", c.log_driver ?? null, s.logging?.driver ?? null);
    d("log options", c.log_opts ?? null, s.logging?.options ?? null);
    d("restart", c.restart, s.restart);
    d("stop grace s", c.destroy_grace_seconds, seconds(s.stop_grace_period) ?? 10);
    d(
      "ports",
      ((c.ports as Json[]) ?? []).map((p) => `${p.ip}:${p.external}->${p.internal}`).sort(),
      ((s.ports as Json[]) ?? []).map((p) => `${p.host_ip}:${p.published}->${p.target}`).sort(),
    );
    d(
      "volume mounts",
      ((c.volumes as Json[]) ?? []).map((v) => v.container_path).sort(),
      ((s.volumes as Json[]) ?? []).map((v) => v.target).sort(),
    );
    const uploads = Object.fromEntries(
      ((c.upload as Json[]) ?? []).map((u) => [u.file, evaluate(u.content) ?? `(cannot evaluate) ${u.content}`]),
    );
    const configs = Object.fromEntries(
      ((s.configs as Json[]) ?? []).map((u) => [u.target, unescapeCompose(compose.configs?.[u.source]?.content ?? null)]),
    );
    d("uploaded/config files", Object.keys(uploads).sort(), Object.keys(configs).sort());
    for (const [file, content] of Object.entries(uploads)) if (configs[file] !== undefined) d(`file ${file}`, content, configs[file]);
    d("entrypoint", c.entrypoint ?? null, unescapeCompose(s.entrypoint ?? null));
    d("command", c.command ?? null, unescapeCompose(s.command ?? null));
    const deps = ((c.depends_on as string[]) ?? [])
      .map((ref) => byId.get(ref.replace(/^docker_container\./, ""))?.name.replace(/^bench-/, ""))
      .sort();
    d(
      "starts after",
      deps,
      Object.keys(s.depends_on ?? {})
        .map((dep) => (services[dep].container_name as string).replace(/^benchc-/, ""))
        .sort(),
    );
    // A one-shot job (must_run = false) must have exited 0 before its dependents start; a service must be healthy.
    const conditions = Object.fromEntries(
      ((c.depends_on as string[]) ?? []).map((ref) => {
        const dep = byId.get(ref.replace(/^docker_container\./, ""));
        return [dep?.name.replace(/^bench-/, ""), dep?.must_run === false ? "service_completed_successfully" : "service_healthy"];
      }),
    );
    d(
      "start conditions",
      conditions,
      Object.fromEntries(
        Object.entries(s.depends_on ?? {}).map(([dep, v]) => [
          (services[dep].container_name as string).replace(/^benchc-/, ""),
          (v as Json).condition,
        ]),
      ),
    );
  }
  for (const [svc, s] of Object.entries(services)) {
    if (
      ![...byId.values()].some((c) => (c.name as string).replace(/^bench-/, "") === (s.container_name as string).replace(/^benchc-/, ""))
    ) {
      diffs.push(`compose service ${svc}: not in the stack`);
    }
  }
  const tfNetworks = Object.fromEntries(
    Object.values(networks).map((n) => [
      (n.name as string).replace(/^bench-/, ""),
      { driver: n.driver ?? "bridge", internal: n.internal ?? false },
    ]),
  );
  const coNetworks = Object.fromEntries(
    Object.values(compose.networks ?? {}).map((n) => [
      ((n as Json).name as string).replace(/^benchc-/, ""),
      { driver: (n as Json).driver ?? "bridge", internal: (n as Json).internal ?? false },
    ]),
  );
  if (JSON.stringify(sortKeys(tfNetworks)) !== JSON.stringify(sortKeys(coNetworks))) {
    diffs.push(`networks: stack ${JSON.stringify(sortKeys(tfNetworks))} / compose ${JSON.stringify(sortKeys(coNetworks))}`);
  }
  return diffs;
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
