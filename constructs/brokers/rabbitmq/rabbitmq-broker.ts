import { Fn, TerraformOutput, TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { ConnectionEnv } from "../../connection-env";
import { HealthCheck } from "../../apps/health-check";
import { ContainerImage } from "../../images/container-image";
import { DefaultImages } from "../../images/default-images";
import type { INetwork } from "../../networking/network";
import type { Container } from "../../private/bindings";
import { declareContainer, type PublishedPort } from "../../private/container-spec";
import { escapeTemplate, terraformIdentifier } from "../../private/terraform-text";
import { reject } from "../../private/validation";
import { DataVolume, type RemovalPolicy } from "../../storage/data-volume";
import type { BrokerEndpoint, ConnectOptions, IBroker, IBrokerClient } from "../broker";
import {
  RabbitMqTopology,
  type RabbitMqExchangeOptions,
  type RabbitMqPolicyOptions,
  type RabbitMqQueueOptions,
} from "./rabbitmq-topology";
import { validateRabbitMqProps } from "./validate-rabbitmq";

export const RABBITMQ_AMQP_PORT = 5672;
export const RABBITMQ_MANAGEMENT_PORT = 15672;
export const RABBITMQ_CONFIG_FILE = "/etc/rabbitmq/rabbitmq.conf";
export const RABBITMQ_DEFINITIONS_FILE = "/etc/rabbitmq/definitions.json";
export const RABBITMQ_DATA_DIR = "/var/lib/rabbitmq";

export interface RabbitMqBrokerProps {
  /** The network the broker is on; connected apps join it. */
  readonly network: INetwork;
  /**
   * Container name, hostname and network alias. The hostname is fixed because
   * RabbitMQ keeps its data under `rabbit@<hostname>`.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The broker image (official `rabbitmq` layout).
   * @default - ContainerImage.fromRegistry(DefaultImages.rabbitmq)
   */
  readonly image?: ContainerImage;
  /**
   * The administrator user that the definitions file creates (apps connect as it).
   * @default "admin"
   */
  readonly adminUser?: string;
  /**
   * The administrator's password, as a Token (a TerraformVariable's value or
   * another resource's attribute): never a literal, never generated at synth.
   * @default - a sensitive TerraformVariable `<name>_admin_password` (hyphens
   * and dots as `_`) with no default: deploy stops and asks for it until it
   * is set, e.g. `TF_VAR_rabbitmq_admin_password`. At least 12 characters.
   */
  readonly adminPassword?: string;
  /**
   * The virtual host of the topology and the apps.
   * @default "/"
   */
  readonly vhost?: string;
  /**
   * Memory limit in MiB; RabbitMQ's memory alarm is set to 60% of it.
   * @default 512
   */
  readonly memoryMb?: number;
  /**
   * Publish AMQP on 127.0.0.1:<port> of the host.
   * @default - not published
   */
  readonly amqpHostPort?: number;
  /**
   * Publish the management UI on 127.0.0.1:<port> of the host.
   * @default - not published
   */
  readonly managementHostPort?: number;
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
   * Seconds RabbitMQ gets to stop after SIGTERM on destroy or replace.
   * @default 30
   */
  readonly stopGracePeriodSeconds?: number;
  /**
   * Labels of the broker container.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/**
 * A single RabbitMQ node with its topology as code.
 *
 * - fixed hostname and a named volume at /var/lib/rabbitmq, so data survives
 *   a container replacement;
 * - rabbitmq.conf and definitions.json rendered here and uploaded into the
 *   container; the definitions (admin user, vhost, permissions, queues,
 *   exchanges, bindings, policies) are loaded at every start;
 * - no guest user: the admin password comes from a sensitive Terraform
 *   variable (or any Token);
 * - healthcheck `rabbitmq-diagnostics -q check_port_connectivity`, and
 *   deploy waits until healthy, so connected apps start against a broker
 *   that accepts connections;
 * - ports published on 127.0.0.1 only when asked.
 */
export class RabbitMqBroker extends Construct implements IBroker {
  public readonly kind = "rabbitmq" as const;
  public readonly network: INetwork;
  public readonly endpoint: BrokerEndpoint;
  public readonly hostEndpoint?: BrokerEndpoint;
  /** Management UI on the host, when published. */
  public readonly managementUrl?: string;
  public readonly brokerName: string;
  public readonly adminUser: string;
  public readonly vhost: string;
  /** The broker's docker_container. */
  public readonly container: Container;
  public readonly dataVolume: DataVolume;
  /** The variable holding the admin password, when the construct declared it. */
  public readonly adminPasswordVariable?: TerraformVariable;
  private readonly adminPassword: string;
  private readonly topology: RabbitMqTopology;
  private readonly memoryMb: number;

  constructor(scope: Construct, id: string, props: RabbitMqBrokerProps) {
    super(scope, id);
    this.brokerName = props.name ?? id;
    validateRabbitMqProps(this, this.brokerName, props);
    this.network = props.network;
    this.adminUser = props.adminUser ?? "admin";
    this.vhost = props.vhost ?? "/";
    this.memoryMb = props.memoryMb ?? 512;
    this.topology = new RabbitMqTopology(this);

    if (props.adminPassword !== undefined) {
      this.adminPassword = props.adminPassword;
    } else {
      const variableName = `${terraformIdentifier(this.brokerName)}_admin_password`;
      this.adminPasswordVariable = new TerraformVariable(this, "admin-password", {
        type: "string",
        sensitive: true,
        nullable: false,
        description: `Password of the RabbitMQ administrator "${this.adminUser}" of broker ${this.brokerName} (at least 12 characters). Set TF_VAR_${variableName}.`,
        validation: [
          {
            condition: `\${length(var.${variableName}) >= 12}`,
            errorMessage: `${variableName} must be at least 12 characters long.`,
          },
        ],
      });
      this.adminPasswordVariable.overrideLogicalId(variableName);
      this.adminPassword = this.adminPasswordVariable.stringValue;
    }

    this.endpoint = endpoint(this.brokerName, RABBITMQ_AMQP_PORT);
    if (props.amqpHostPort !== undefined) this.hostEndpoint = endpoint("127.0.0.1", props.amqpHostPort);
    if (props.managementHostPort !== undefined) this.managementUrl = `http://127.0.0.1:${props.managementHostPort}/`;

    this.dataVolume = new DataVolume(this, "data", {
      name: `${this.brokerName}-data`,
      removalPolicy: props.dataRemovalPolicy,
    });

    const ports: PublishedPort[] = [];
    if (props.amqpHostPort !== undefined) ports.push({ containerPort: RABBITMQ_AMQP_PORT, hostPort: props.amqpHostPort });
    if (props.managementHostPort !== undefined) {
      ports.push({ containerPort: RABBITMQ_MANAGEMENT_PORT, hostPort: props.managementHostPort });
    }

    this.container = declareContainer(this, "container", {
      name: this.brokerName,
      hostname: this.brokerName,
      image: (props.image ?? ContainerImage.fromRegistry(DefaultImages.rabbitmq)).bind(this),
      component: "rabbitmq-broker",
      networks: [{ network: this.network, aliases: [this.brokerName] }],
      env: {
        // Read by the server when no definitions are imported; the
        // definitions below create the same user, so this is a fallback
        // that keeps guest/guest out in every case.
        RABBITMQ_DEFAULT_USER: this.adminUser,
        RABBITMQ_DEFAULT_PASS: this.adminPassword,
        RABBITMQ_DEFAULT_VHOST: this.vhost,
      },
      ports,
      volumes: [{ volumeName: this.dataVolume.volumeName, containerPath: RABBITMQ_DATA_DIR }],
      uploads: [], // set by renderUploads() once the topology is complete
      // Not `ping`: it answers as soon as the Erlang node is up, before the
      // rabbit app has booted (measured on the local 3.10 image: ping ok at
      // 2.5 s, listeners up and check_port_connectivity ok at 5.5 s, "Server
      // startup complete" at 5.6 s), so apps "started after a healthy broker"
      // would meet a refused connection.
      healthCheck: HealthCheck.exec(["rabbitmq-diagnostics", "-q", "check_port_connectivity"], {
        intervalSeconds: 10,
        timeoutSeconds: 15,
        retries: 10,
        startPeriodSeconds: 20,
      }),
      waitTimeoutSeconds: props.startTimeoutSeconds ?? 180,
      memoryMb: this.memoryMb,
      restart: "unless-stopped",
      destroyGraceSeconds: props.stopGracePeriodSeconds ?? 30,
      labels: props.labels,
    });
    this.renderUploads();

    if (this.hostEndpoint) {
      new TerraformOutput(this, "amqp-url", {
        value: this.amqpUrl(this.hostEndpoint),
        sensitive: true,
        description: `AMQP URL of RabbitMQ broker ${this.brokerName} from the Docker host (holds the password)`,
      }).overrideLogicalId(`${terraformIdentifier(this.brokerName)}_amqp_url`);
    }
    if (this.managementUrl) {
      new TerraformOutput(this, "management-url", {
        value: this.managementUrl,
        description: `Management UI of RabbitMQ broker ${this.brokerName} (user ${this.adminUser})`,
      }).overrideLogicalId(`${terraformIdentifier(this.brokerName)}_management_url`);
    }
  }

  /** Declares a queue. A dead-letter queue it names must be declared before it. */
  public addQueue(name: string, options: RabbitMqQueueOptions = {}): this {
    this.topology.addQueue(name, options);
    this.renderUploads();
    return this;
  }

  /** Declares an exchange. */
  public addExchange(name: string, options: RabbitMqExchangeOptions = {}): this {
    this.topology.addExchange(name, options);
    this.renderUploads();
    return this;
  }

  /** Binds a declared queue to a declared (or `amq.*`) exchange. */
  public bindQueue(queue: string, exchange: string, routingKey = ""): this {
    this.topology.bindQueue(queue, exchange, routingKey);
    this.renderUploads();
    return this;
  }

  /** Declares a policy (e.g. max-length or a TTL on queues matching a pattern). */
  public addPolicy(name: string, options: RabbitMqPolicyOptions): this {
    this.topology.addPolicy(name, options);
    this.renderUploads();
    return this;
  }

  public connect(app: IBrokerClient, options: ConnectOptions = {}): void {
    if (options.topic !== undefined || options.groupId !== undefined) {
      reject(this, `connect(${app.node.path}): topic and groupId are Kafka options`, options, "use queue, exchange and routingKey with a RabbitMQ broker");
    }
    if (options.queue !== undefined && !this.topology.hasQueue(options.queue)) {
      reject(this, `connect(${app.node.path}): the queue is not declared on this broker`, options.queue, `declare it with addQueue("${options.queue}") before connecting, or use one of: ${this.topology.queueNames.join(", ") || "(none)"}`);
    }
    const exchange = options.exchange ?? "";
    if (!this.topology.hasExchange(exchange)) {
      reject(this, `connect(${app.node.path}): the exchange is not declared on this broker`, exchange, `declare it with addExchange("${exchange}") before connecting, or use "" (the default exchange)`);
    }
    app.joinNetwork(this.network, this);
    app.addEnvironment(ConnectionEnv.BROKER_KIND, this.kind, this);
    app.addEnvironment(ConnectionEnv.RABBITMQ_URL, this.amqpUrl(this.endpoint), this);
    app.addEnvironment(ConnectionEnv.RABBITMQ_EXCHANGE, exchange, this);
    if (options.queue !== undefined) app.addEnvironment(ConnectionEnv.RABBITMQ_QUEUE, options.queue, this);
    const routingKey = options.routingKey ?? options.queue;
    if (routingKey !== undefined) app.addEnvironment(ConnectionEnv.RABBITMQ_ROUTING_KEY, routingKey, this);
    // The broker container is created with wait = true: it exists only once healthy.
    app.addStartDependency(this.container);
  }

  /** `amqp://user:password@host:port/vhost`, credentials URL-encoded by Terraform. */
  private amqpUrl(at: BrokerEndpoint): string {
    return `amqp://${encodeURIComponent(this.adminUser)}:${Fn.urlencode(this.adminPassword)}@${at.address}/${encodeURIComponent(this.vhost)}`;
  }

  private renderUploads(): void {
    this.container.putUpload([
      { file: RABBITMQ_CONFIG_FILE, content: escapeTemplate(this.renderConfig()) },
      { file: RABBITMQ_DEFINITIONS_FILE, content: this.renderDefinitions() },
    ]);
  }

  /** rabbitmq.conf: only keys that RabbitMQ 3.10 and 4.x core both accept. */
  private renderConfig(): string {
    return [
      `# Rendered by cdktf-docker-messaging for ${this.node.path}; changes here are replaced on deploy.`,
      `listeners.tcp.default = ${RABBITMQ_AMQP_PORT}`,
      `load_definitions = ${RABBITMQ_DEFINITIONS_FILE}`,
      `loopback_users.guest = true`,
      // The Erlang VM sees the host's memory, not the container limit: tell it.
      `total_memory_available_override_value = ${this.memoryMb * 1024 * 1024}`,
      `vm_memory_high_watermark.relative = 0.6`,
      `log.console = true`,
      "",
    ].join("\n");
  }

  /**
   * definitions.json. Definitions imported at boot replace RabbitMQ's
   * default user and vhost, so the admin user, vhost and permissions are in
   * it. The password is inserted by Terraform (`jsonencode`), never written
   * at synth.
   */
  private renderDefinitions(): string {
    const placeholder = "__CDKTF_DOCKER_MESSAGING_PASSWORD__";
    const definitions = {
      users: [{ name: this.adminUser, password: placeholder, tags: "administrator" }],
      vhosts: [{ name: this.vhost }],
      permissions: [{ user: this.adminUser, vhost: this.vhost, configure: ".*", write: ".*", read: ".*" }],
      ...this.topology.render(this.vhost),
    };
    const text = escapeTemplate(JSON.stringify(definitions, null, 2) + "\n");
    return text.replace(JSON.stringify(placeholder), Fn.jsonencode(this.adminPassword));
  }
}

function endpoint(hostname: string, port: number): BrokerEndpoint {
  return { hostname, port, address: `${hostname}:${port}` };
}
