import { Aspects, TerraformStack, type IAspect } from "../private/framework";
import type { IConstruct } from "constructs";
import { Container } from "../private/bindings";
import { report } from "../errors/problems";
import { isToken, requireScope } from "../private/validation";

interface Publication {
  key: string; // port/protocol
  ip: string;
  path: string;
}

/**
 * Fails synth when two containers (or one container twice) publish the same
 * host port on the same address, or one of them on every address: Docker
 * would fail the second at deploy, halfway through the apply.
 */
export class UniqueHostPorts implements IAspect {
  /**
   * @param acrossConstructsOnly skip a clash between containers of one
   *   construct (a broker's listeners, an app's replicas): the construct
   *   reports those itself, in its own words. Set by ensureUniqueHostPorts.
   */
  constructor(private readonly acrossConstructsOnly = false) {}

  /** Publications by container path; a container visited again replaces its own. */
  private readonly byContainer = new Map<string, Publication[]>();
  /** First-visit order: a clash is reported once, on the container visited later. */
  private readonly order = new Map<string, number>();

  public visit(node: IConstruct): void {
    if (!(node instanceof Container)) return;
    // One checker a container: with one on the App and one on the stack, the nearest reports.
    if (nearestChecker(node) !== this) return;
    const ports = node.portsInput;
    if (!Array.isArray(ports)) return;
    const path = node.node.path;
    if (!this.order.has(path)) this.order.set(path, this.order.size);
    this.byContainer.delete(path);
    const mine: Publication[] = [];
    for (const p of ports) {
      if (p.external === undefined || isToken(p.external)) continue;
      const pub = { key: `${p.external}/${p.protocol ?? "tcp"}`, ip: p.ip ?? "0.0.0.0", path };
      const everywhere = (ip: string): boolean => ip === "0.0.0.0" || ip === "::";
      const others = [...this.byContainer.values()].flat().concat(mine);
      const clash = others.find(
        (o) =>
          o.key === pub.key &&
          (o.ip === pub.ip || everywhere(o.ip) || everywhere(pub.ip)) &&
          !(this.acrossConstructsOnly && parentOf(o.path) === parentOf(path)),
      );
      if (clash && (clash.path === path || this.order.get(clash.path)! < this.order.get(path)!)) {
        report(
          node,
          `host port ${pub.key} on ${pub.ip} is already published by ${clash.path}`,
          p.external,
          "publish each host port once: pick another host port for one of them",
        );
      }
      mine.push(pub);
    }
    this.byContainer.set(path, mine);
  }
}

/** The construct a container belongs to: its path without the last id. */
const parentOf = (path: string): string => path.slice(0, path.lastIndexOf("/"));

function nearestChecker(node: IConstruct): UniqueHostPorts | undefined {
  for (const s of [...node.node.scopes].reverse()) {
    const found = Aspects.of(s).all.find((a): a is UniqueHostPorts => a instanceof UniqueHostPorts);
    if (found) return found;
  }
  return undefined;
}

/**
 * Adds UniqueHostPorts to `scope`'s stack unless the stack or a scope above
 * it has one. Every container the library declares with a published host
 * port calls it (declareContainer: brokers, apps with `ports`, Prometheus's
 * UI), so that two of them on one port are a synth error even in a stack
 * without addMessagingAspects. This checker leaves clashes inside one
 * construct to that construct's own check.
 */
export function ensureUniqueHostPorts(scope: IConstruct): void {
  requireScope(scope, "ensureUniqueHostPorts", "ensureUniqueHostPorts");
  const stack = TerraformStack.of(scope);
  for (const s of stack.node.scopes) if (Aspects.of(s).all.some((a) => a instanceof UniqueHostPorts)) return;
  Aspects.of(stack).add(new UniqueHostPorts(true));
}
