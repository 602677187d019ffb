import { TerraformStack } from "../private/framework";
import type { IConstruct } from "constructs";
import { report } from "../errors/problems";
import { checkKnownKeys, checkOneOf, checkString, isToken, optionsObject } from "../private/validation";

/** How a Swarm service's tasks are reached by name: one DNS record per task, or a virtual IP. */
export type SwarmEndpointMode = "dnsrr" | "vip";

/** Where a broker's nodes run on a Swarm: node `i` on the Swarm node whose label `label` has the value `values[i-1]`. */
export interface SwarmBrokerPlacement {
  /** A node label the Swarm's nodes carry (`docker node update --label-add <label>=<value>`). */
  readonly label: string;
  /**
   * The label's values, one per Swarm node that may hold a broker node, in
   * order: a broker's node 1 runs where the label is `values[0]`, node 2
   * where it is `values[1]`, and so on. A broker with more nodes than values
   * is refused at synth: two of its nodes would share a machine.
   */
  readonly values: readonly string[];
}

/**
 * The stack deploys to a Docker Swarm through a manager's API (the
 * `DockerHost`'s `host`): brokers' nodes, apps and Prometheus become
 * services, configuration files `docker_config`s, passwords and keys
 * `docker_secret`s, networks attachable overlay networks.
 */
export interface SwarmOptions {
  /**
   * Where each broker node runs (one Swarm node per broker node, pinned by
   * a placement constraint: its data volume lives on that Swarm node).
   */
  readonly brokerNodes: SwarmBrokerPlacement;
  /**
   * The registry the stack's built images are pushed to and every Swarm node
   * pulls them from (`host:port`), under the same name on both sides. Services
   * reference the pushed digest, so a second plan is empty.
   * @default - none: a stack that builds an image on a Swarm is refused at synth
   */
  readonly registry?: string;
  /**
   * How the registry is spoken to: `http` for a registry without TLS (as a
   * loopback registry usually is), `https` otherwise. The provider reads a
   * pushed image's digest itself, over this protocol, with no credentials
   * (an authenticated registry is not supported yet).
   * @default - "http" for a registry on 127.0.0.0/8 or localhost, else "https"
   */
  readonly registryProtocol?: "http" | "https";
  /**
   * How services are reached by name. `vip` load-balances through a virtual
   * IP, which needs IPVS in the Swarm nodes' kernels; `dnsrr` resolves the
   * service name to each task's address and works on every kernel.
   * @default "dnsrr"
   */
  readonly endpointMode?: SwarmEndpointMode;
}

/** A Swarm target, checked. */
export interface ResolvedSwarm {
  /** Placement of broker nodes. */
  readonly brokerNodes: SwarmBrokerPlacement;
  /** The registry images are pushed to and pulled from, when given. */
  readonly registry?: string;
  /** The registry's URL as the provider reads digests from it (`http://127.0.0.1:5000`). */
  readonly registryUrl?: string;
  /** Endpoint mode of every service. */
  readonly endpointMode: SwarmEndpointMode;
}

const SWARM_OPTIONS: Record<keyof SwarmOptions, true> = { brokerNodes: true, registry: true, registryProtocol: true, endpointMode: true };
const PLACEMENT_OPTIONS: Record<keyof SwarmBrokerPlacement, true> = { label: true, values: true };
/** Docker's grammar for a node label key: what `node.labels.<key>==<value>` can name. */
const LABEL_KEY = /^[a-zA-Z0-9]([a-zA-Z0-9._-]*[a-zA-Z0-9])?$/;
/** `host[:port]` of a registry: a DNS name or IPv4 address, an optional port. */
const REGISTRY = /^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?(:\d{1,5})?$/;

/** Checks `options` (reporting on `scope`) and returns what the constructs use. */
export function resolveSwarm(scope: IConstruct, givenOptions: SwarmOptions): ResolvedSwarm {
  if (givenOptions === null || typeof givenOptions !== "object" || Array.isArray(givenOptions)) {
    optionsObject(scope, "swarm", givenOptions); // reports it, once
    return { brokerNodes: { label: "", values: [] }, endpointMode: "dnsrr" };
  }
  const options = givenOptions;
  checkKnownKeys(scope, "swarm", options, SWARM_OPTIONS);
  const endpointMode = checkOneOf(scope, "swarm.endpointMode", options.endpointMode, ["dnsrr", "vip"])
    ? (options.endpointMode ?? "dnsrr")
    : "dnsrr";
  let registry: string | undefined;
  if (options.registry !== undefined && checkString(scope, "swarm.registry", options.registry)) {
    if (!isToken(options.registry) && !REGISTRY.test(options.registry)) {
      report(
        scope,
        "swarm.registry is not a registry address (host[:port])",
        options.registry,
        'give the registry as the Swarm nodes reach it, e.g. "registry.internal:5000"',
      );
    } else {
      registry = options.registry;
    }
  }
  const placement = options.brokerNodes;
  let brokerNodes: SwarmBrokerPlacement = { label: "", values: [] };
  if (placement === undefined || placement === null || typeof placement !== "object") {
    report(
      scope,
      "swarm.brokerNodes is required",
      placement,
      'say where broker nodes may run: { label: "broker-slot", values: ["1", "2", "3"] } (a node label of the Swarm nodes)',
    );
  } else if (checkKnownKeys(scope, "swarm.brokerNodes", placement, PLACEMENT_OPTIONS)) {
    const labelOk = typeof placement.label === "string" && LABEL_KEY.test(placement.label);
    if (!labelOk)
      report(
        scope,
        "swarm.brokerNodes.label is not a node label key",
        placement.label,
        'use letters, digits, ".", "-" and "_", e.g. "broker-slot"',
      );
    const values = Array.isArray(placement.values) ? placement.values : [];
    if (!Array.isArray(placement.values) || values.length === 0) {
      report(
        scope,
        "swarm.brokerNodes.values must list at least one label value",
        placement.values,
        'list one value per Swarm node that may hold a broker node, e.g. ["1", "2", "3"]',
      );
    }
    const bad = values.filter((v) => typeof v !== "string" || v === "" || /[\s"',=]/.test(v));
    if (bad.length > 0)
      report(
        scope,
        "swarm.brokerNodes.values must be non-empty strings without spaces, quotes, commas or '='",
        bad,
        'use plain values such as "1", "2", "3"',
      );
    const duplicates = values.filter((v, i) => values.indexOf(v) !== i);
    if (duplicates.length > 0)
      report(
        scope,
        "swarm.brokerNodes.values has a value twice: two broker nodes would share one Swarm node",
        duplicates,
        "list each Swarm node's value once",
      );
    if (labelOk && bad.length === 0) brokerNodes = { label: placement.label, values: [...values] };
  }
  const loopback = registry !== undefined && /^(127\.\d+\.\d+\.\d+|localhost)(:\d+)?$/.test(registry);
  const protocol = checkOneOf(scope, "swarm.registryProtocol", options.registryProtocol, ["http", "https"])
    ? (options.registryProtocol ?? (loopback ? "http" : "https"))
    : "https";
  return { brokerNodes, registry, ...(registry !== undefined ? { registryUrl: `${protocol}://${registry}` } : {}), endpointMode };
}

/** Implemented by `DockerHost`: what the rest of the constructs ask of the stack's target. */
export interface IDeployTarget extends IConstruct {
  /** The Swarm the stack deploys to, or undefined for one Docker engine. */
  readonly swarm?: ResolvedSwarm;
  /**
   * The provider's engine was given explicitly (`host`) and is not the one
   * `$DOCKER_HOST` named at synth: images must be built on the provider's
   * engine with the legacy builder (see ContainerImage.fromBuild).
   */
  readonly hostIsNotDockerHostEnv?: boolean;
}

/** The deploy target of each stack, registered by its DockerHost (a lookup, not a walk of the tree). */
const targets = new WeakMap<TerraformStack, IDeployTarget>();

/** Registers `target` as its stack's deploy target (DockerHost does, in its constructor). */
export function registerDeployTarget(target: IDeployTarget): void {
  const stack = TerraformStack.of(target);
  if (!targets.has(stack)) targets.set(stack, target);
}

/**
 * The Swarm `scope`'s stack deploys to, or undefined when it deploys to one
 * engine. The stack's DockerHost decides; it must be declared before the
 * brokers and apps (see `checkTargetDeclaredFirst`).
 */
export function swarmOf(scope: IConstruct): ResolvedSwarm | undefined {
  return deployTargetOf(scope)?.swarm;
}

/** The stack's deploy target (its DockerHost), if one is declared yet. */
export function deployTargetOf(scope: IConstruct): IDeployTarget | undefined {
  return targets.get(TerraformStack.of(scope));
}
