/**
 * Checks bench/compose/compose.yaml against the synthesized default stack
 * (as renamed by bench/lib/stack-instance.ts): per container, the image,
 * hostname, aliases, environment, healthcheck, memory, restart policy, stop
 * grace period, published ports, volume mount points, entrypoint/command and
 * start dependencies must agree. Names differ by design (`bench-` vs
 * `benchc-`), and so do the stack labels. Returns the differences found.
 */
import { run } from "../lib/proc";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const seconds = (d: string | undefined): number | undefined => {
  if (d === undefined) return undefined;
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(d);
  return m ? Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) : NaN;
};

export function compareComposeWithStack(composeFile: string, stack: Record<string, Json>, env: NodeJS.ProcessEnv): string[] {
  const compose = JSON.parse(run("docker", ["compose", "-f", composeFile, "config", "--format", "json"], { env })) as Json;
  const containers = stack.resource.docker_container as Record<string, Json>;
  const images = stack.resource.docker_image as Record<string, Json>;
  const byId = new Map<string, Json>(Object.entries(containers));
  const diffs: string[] = [];
  const services = compose.services as Record<string, Json>;
  const serviceOf = (tfName: string) =>
    Object.entries(services).find(([, s]) => (s.container_name as string).replace(/^benchc-/, "") === tfName.replace(/^bench-/, ""));

  for (const c of byId.values()) {
    const name = c.name as string;
    const found = serviceOf(name);
    if (!found) {
      diffs.push(`${name}: no service in the compose file`);
      continue;
    }
    const [svcName, s] = found;
    const d = (what: string, tf: unknown, co: unknown) => {
      if (JSON.stringify(tf) !== JSON.stringify(co)) diffs.push(`${name} ${what}: stack ${JSON.stringify(tf)} / compose ${JSON.stringify(co)}`);
    };
    const imageRef = /docker_image\.([^.]+)\./.exec(c.image as string)?.[1];
    const image = imageRef ? images[imageRef] : undefined;
    if (image?.build) d("image build context", image.build.context, s.build?.context);
    else d("image", image?.name, s.image);
    d("hostname", c.hostname, s.hostname);
    d("aliases", (c.networks_advanced as Json[])[0]?.aliases ?? null, Object.values(s.networks ?? {})[0] ? ((Object.values(s.networks)[0] as Json)?.aliases ?? null) : null);
    const tfEnv = Object.fromEntries((c.env as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
    d("env names", Object.keys(tfEnv).sort(), Object.keys(s.environment ?? {}).sort());
    for (const [k, v] of Object.entries(tfEnv)) if (!v.includes("${") && s.environment?.[k] !== undefined) d(`env ${k}`, v, s.environment[k]);
    const h = c.healthcheck as Json | undefined;
    d(
      "healthcheck",
      h ? { test: h.test, interval: seconds(h.interval), timeout: seconds(h.timeout), retries: h.retries, start: seconds(h.start_period) } : null,
      s.healthcheck
        ? { test: s.healthcheck.test, interval: seconds(s.healthcheck.interval), timeout: seconds(s.healthcheck.timeout), retries: s.healthcheck.retries, start: seconds(s.healthcheck.start_period) }
        : null,
    );
    d("memory MiB", c.memory, Number(s.mem_limit) / 2 ** 20);
    d("memory+swap MiB", c.memory_swap ?? null, s.memswap_limit ? Number(s.memswap_limit) / 2 ** 20 : null);
    d("restart", c.restart, s.restart);
    if (c.must_run !== false) d("stop grace s", c.destroy_grace_seconds, seconds(s.stop_grace_period) ?? 10);
    d(
      "ports",
      ((c.ports as Json[]) ?? []).map((p) => `${p.ip}:${p.external}->${p.internal}`).sort(),
      ((s.ports as Json[]) ?? []).map((p) => `${p.host_ip}:${p.published}->${p.target}`).sort(),
    );
    d("volume mounts", ((c.volumes as Json[]) ?? []).map((v) => v.container_path).sort(), ((s.volumes as Json[]) ?? []).map((v) => v.target).sort());
    d("uploaded/config files", ((c.upload as Json[]) ?? []).map((u) => u.file).sort(), ((s.configs as Json[]) ?? []).map((u) => u.target).sort());
    d("entrypoint", c.entrypoint ?? null, s.entrypoint ?? null);
    d("command", c.command ?? null, s.command ?? null);
    const deps = ((c.depends_on as string[]) ?? []).map((ref) => byId.get(ref.replace(/^docker_container\./, ""))?.name.replace(/^bench-/, "")).sort();
    d("starts after", deps, Object.keys(s.depends_on ?? {}).map((dep) => (services[dep].container_name as string).replace(/^benchc-/, "")).sort());
    void svcName;
  }
  for (const [svc, s] of Object.entries(services)) {
    if (![...byId.values()].some((c) => (c.name as string).replace(/^bench-/, "") === (s.container_name as string).replace(/^benchc-/, ""))) {
      diffs.push(`compose service ${svc}: not in the stack`);
    }
  }
  return diffs;
}
