import { TerraformOutput, TerraformStack, TerraformVariable, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import type { HealthCheck } from "../apps/health-check";
import { deferCheck, fail, report } from "../errors/problems";
import { captureUserLocation } from "../errors/source-location";
import { ContainerImage, type BoundImage } from "../images/container-image";
import type { INetwork } from "../networking/network";
import type { Container } from "../private/bindings";
import { declareContainer, type Late, type PublishedPort } from "../private/container-spec";
import { sha256, terraformIdentifier } from "../private/terraform-text";
import {
  checkHostname,
  checkInteger,
  checkKnownKeys,
  checkLabels,
  checkOneOf,
  claimName,
} from "../private/validation";
import { DataVolume, type RemovalPolicy } from "../storage/data-volume";
import type { BrokerEndpoint, IBroker, IBrokerClient } from "./broker";

/** The props every broker kind has. */
export interface BrokerBaseProps {
  /** The network the broker is on; wired apps join it. */
  readonly network: INetwork;
  /**
   * Container name, hostname and network alias: one host name label (letters,
   * digits, '-'; at most 63 characters), fixed so that data survives a
   * container replacement.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The broker image (the official image's layout).
   * @default - the kind's default image (DefaultImages)
   */
  readonly image?: ContainerImage;
  /**
   * Memory limit in MiB.
   * @default - the kind's default
   */
  readonly memoryMb?: number;
  /**
   * What `cdktf destroy` does to the data volume (see RemovalPolicy).
   * @default "retain"
   */
  readonly dataRemovalPolicy?: RemovalPolicy;
  /**
   * Seconds deploy waits for the broker to report healthy.
   * @default 180
   */
  readonly startTimeoutSeconds?: number;
  /**
   * Seconds the broker gets to stop after SIGTERM on destroy or replace.
   * @default 30
   */
  readonly stopGracePeriodSeconds?: number;
  /**
   * Labels of the broker's containers.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/** The fields of BrokerBaseProps, for the unknown-props check of each kind. */
export const BROKER_BASE_PROPS: Record<keyof BrokerBaseProps, true> = {
  network: true,
  name: true,
  image: true,
  memoryMb: true,
  dataRemovalPolicy: true,
  startTimeoutSeconds: true,
  stopGracePeriodSeconds: true,
  labels: true,
};

/** What a broker kind tells the base about itself. */
export interface BrokerKindDescription {
  /** e.g. `rabbitmq`. */
  readonly kind: string;
  /** The props interface's name, for messages (`RabbitMqBrokerProps`). */
  readonly propsName: string;
  /** Every field of the kind's props (BROKER_BASE_PROPS and its own). */
  readonly knownProps: Record<string, true>;
  /** The port apps on the network connect to. */
  readonly internalPort: number;
  /** The host port the main endpoint is published on, if any. */
  readonly hostPort?: number;
  readonly defaultImage: string;
  readonly defaultMemoryMb: number;
  /** Below this, the broker cannot run; `memoryFix` says why. */
  readonly minMemoryMb: number;
  readonly memoryFix: string;
}

/** The container settings a kind gives for one broker node. */
export interface BrokerNodeSpec {
  /** The `cdktf-docker-messaging.component` label, e.g. `rabbitmq-broker`. */
  readonly component: string;
  readonly env?: Late<Record<string, string>>;
  readonly ports?: PublishedPort[];
  readonly volumes?: { volumeName: string; containerPath: string }[];
  readonly uploads?: Late<{ file: string; content: string }[]>;
  readonly healthCheck: HealthCheck;
}

/**
 * What every broker kind shares: name and hostname rules, the data volume,
 * endpoints, outputs and variables with names unique in the stack, the
 * shared props rules, and wiring apps (network, connection settings, start
 * order). A kind adds its own props, its node's container settings and its
 * grant verbs; see RabbitMqBroker and KafkaBroker.
 */
export abstract class BrokerBase extends Construct implements IBroker {
  public readonly kind: string;
  public readonly brokerName: string;
  public readonly network: INetwork;
  public readonly endpoint: BrokerEndpoint;
  public readonly hostEndpoint?: BrokerEndpoint;
  public readonly memoryMb: number;
  /** The image the broker's containers run. */
  protected readonly image: BoundImage;
  private readonly baseProps: BrokerBaseProps;
  /** dataRemovalPolicy, once checked (an invalid one was reported and counts as "retain"). */
  private readonly removalPolicy?: RemovalPolicy;
  private readonly nodes: Container[] = [];

  protected constructor(scope: Construct, id: string, props: BrokerBaseProps, description: BrokerKindDescription) {
    super(scope, id);
    if (props === undefined || props === null || typeof props !== "object") {
      fail(this, `${description.propsName} are required`, props, "pass props with at least { network }");
    }
    if (props.network === undefined || typeof (props.network as { networkName?: unknown }).networkName !== "string") {
      fail(this, "network is required and must be a Network", props.network, `pass { network: new Network(scope, "net") }`);
    }
    this.kind = description.kind;
    this.baseProps = props;
    this.network = props.network;
    checkKnownKeys(this, description.propsName, props, description.knownProps);
    const nameOk = checkHostname(this, "name", props.name ?? id);
    // An invalid name was reported; a placeholder unique to this construct keeps it from causing more reports.
    this.brokerName = nameOk ? (props.name ?? id) : `invalid-name-${sha256(this.node.path, 8)}`;
    // Host names compare without case in Docker's DNS: `Kafka` and `kafka` would be one alias.
    if (nameOk) claimName(this, "hostname", this.brokerName, "give each broker a name that differs in more than letter case");
    this.memoryMb = checkInteger(
      this,
      "memoryMb",
      props.memoryMb,
      description.minMemoryMb,
      description.memoryFix,
      1024 * 1024,
    )
      ? (props.memoryMb ?? description.defaultMemoryMb)
      : description.defaultMemoryMb;
    checkInteger(this, "startTimeoutSeconds", props.startTimeoutSeconds, 1, "use 1 or more seconds", 24 * 3600);
    checkInteger(this, "stopGracePeriodSeconds", props.stopGracePeriodSeconds, 0, "use 0 or more seconds (30 lets a broker stop cleanly)", 3600);
    if (!checkOneOf(this, "dataRemovalPolicy", props.dataRemovalPolicy, ["retain", "destroy"])) this.removalPolicy = "retain";
    else this.removalPolicy = props.dataRemovalPolicy;
    checkLabels(this, "labels", props.labels);
    if (props.image !== undefined && !(props.image instanceof ContainerImage)) {
      report(this, "image is not a ContainerImage", props.image, 'use ContainerImage.fromRegistry("name:tag"), fromLocal(...) or fromBuild(folder)');
    }

    this.endpoint = endpointOf(this.brokerName, description.internalPort);
    if (description.hostPort !== undefined) this.hostEndpoint = endpointOf("127.0.0.1", description.hostPort);
    const image = props.image instanceof ContainerImage ? props.image : ContainerImage.fromRegistry(description.defaultImage);
    this.image = image.bind(this);
  }

  /** The broker's containers (one a node), in order. */
  public get containers(): readonly Container[] {
    return this.nodes;
  }

  /** Created before a wired app: the broker's containers (healthy first, see `wait`). */
  public startDependencies(): ITerraformDependable[] {
    return [...this.nodes];
  }

  /** The identifier Terraform variables and outputs of this broker start with (`orders-mq` -> `orders_mq`). */
  protected get terraformPrefix(): string {
    return terraformIdentifier(this.brokerName);
  }

  /** A named volume `<name>-<suffix>` for the broker's data, kept or removed as `dataRemovalPolicy` says. */
  protected addDataVolume(id = "data", suffix = "data"): DataVolume {
    return new DataVolume(this, id, { name: `${this.brokerName}-${suffix}`, removalPolicy: this.removalPolicy });
  }

  /**
   * Declares a broker node's container: fixed name, hostname and alias,
   * restart unless stopped, created with `wait` (exists only once healthy),
   * a stop grace period. The first one is this construct's defaultChild.
   */
  protected addNode(id: string, spec: BrokerNodeSpec): Container {
    const container = declareContainer(this, id, {
      name: this.brokerName,
      hostname: this.brokerName,
      image: this.image,
      component: spec.component,
      networks: [{ network: this.network, aliases: [this.brokerName] }],
      env: spec.env,
      ports: spec.ports,
      volumes: spec.volumes,
      uploads: spec.uploads,
      healthCheck: spec.healthCheck,
      waitTimeoutSeconds: this.baseProps.startTimeoutSeconds ?? 180,
      memoryMb: this.memoryMb,
      restart: "unless-stopped",
      destroyGraceSeconds: this.baseProps.stopGracePeriodSeconds ?? 30,
      labels: this.baseProps.labels,
    });
    if (this.nodes.length === 0) this.node.defaultChild = container;
    this.nodes.push(container);
    return container;
  }

  /** A stack output `<prefix>_<suffix>`, its name claimed in the stack. */
  protected addOutput(id: string, suffix: string, value: string, options: { description: string; sensitive?: boolean }): TerraformOutput {
    const name = `${this.terraformPrefix}_${suffix}`;
    claimName(this, "terraform output", name, "give the brokers names that differ in more than '-', '.' or '_' (output names replace them with '_')");
    const output = new TerraformOutput(this, id, { value, description: options.description, sensitive: options.sensitive });
    output.overrideLogicalId(name);
    this.checkSoleOwner(output, name, "output");
    return output;
  }

  /**
   * A sensitive string variable `<prefix>_<suffix>` with no default: deploy
   * stops and asks for it (`TF_VAR_<name>`). Never a literal, never generated at synth.
   */
  protected addSecretVariable(id: string, suffix: string, description: string, minLength: number): TerraformVariable {
    const name = `${this.terraformPrefix}_${suffix}`;
    claimName(this, "terraform variable", name, "give the brokers names that differ in more than '-', '.' or '_' (variable names replace them with '_')");
    const variable = new TerraformVariable(this, id, {
      type: "string",
      sensitive: true,
      nullable: false,
      description: `${description} (at least ${minLength} characters). Set TF_VAR_${name}.`,
      validation: [{ condition: `\${length(var.${name}) >= ${minLength}}`, errorMessage: `${name} must be at least ${minLength} characters long.` }],
    });
    variable.overrideLogicalId(name);
    this.checkSoleOwner(variable, name, "variable");
    return variable;
  }

  /**
   * At synth: no other Terraform variable (or output) of the stack has the
   * same name: Terraform would merge the two blocks in silence (a user's
   * variable with a default would give the secret one a default).
   */
  private checkSoleOwner(element: TerraformVariable | TerraformOutput, name: string, kind: "variable" | "output"): void {
    deferCheck(this, () => {
      const stack = TerraformStack.of(this);
      const others = stack.node
        .findAll()
        .filter((c) => c !== element && (kind === "variable" ? c instanceof TerraformVariable : c instanceof TerraformOutput))
        .filter((c) => (c as TerraformVariable).friendlyUniqueId === name)
        // Another broker's is a name clash, reported when it was claimed.
        .filter((c) => !(c.node.scope instanceof BrokerBase));
      return others.map((other) => ({
        problem: `the Terraform ${kind} "${name}" of this broker is also declared by ${other.node.path}`,
        received: name,
        fix: `rename the other ${kind} (Terraform would merge the two)`,
      }));
    });
  }

  /**
   * Wires `app` to this broker: it joins the network, gets `environment`
   * and starts after the broker. For the grant verbs of each kind.
   */
  protected wire(app: IBrokerClient, role: string, environment: Record<string, string>): boolean {
    const location = captureUserLocation();
    if (!isBrokerClient(app)) {
      report(this, `${role}: the grantee is not an app container`, app, "pass an AppContainer (or another IBrokerClient)", { location });
      return false;
    }
    app.addWiring({ broker: this, role, environment, location });
    return true;
  }
}

function isBrokerClient(value: unknown): value is IBrokerClient {
  return typeof value === "object" && value !== null && typeof (value as IBrokerClient).addWiring === "function";
}

export function endpointOf(hostname: string, port: number): BrokerEndpoint {
  return { hostname, port, address: `${hostname}:${port}` };
}
