import type { IConstruct } from "constructs";
import { checkDockerName, checkInteger, checkPort, isToken, reject } from "../../private/validation";
import type { RabbitMqBrokerProps } from "./rabbitmq-broker";

/**
 * RabbitMQ needs about 150 MiB at idle with the management plugin (Erlang
 * VM, plugins, stats). With the memory alarm at 60% of the limit, 256 MiB
 * leaves ~150 MiB before publishers are blocked; less blocks them at once.
 */
export const RABBITMQ_MIN_MEMORY_MB = 256;

/** The rules of RabbitMqBroker's props, checked in its constructor. */
export function validateRabbitMqProps(scope: IConstruct, name: string, props: RabbitMqBrokerProps): void {
  checkDockerName(scope, "name", name);
  checkInteger(
    scope,
    "memoryMb",
    props.memoryMb,
    RABBITMQ_MIN_MEMORY_MB,
    `give RabbitMQ at least ${RABBITMQ_MIN_MEMORY_MB} MiB: the Erlang VM and management plugin take ~150 MiB, and the memory alarm blocks publishers at 60% of the limit`,
  );
  checkPort(scope, "amqpHostPort", props.amqpHostPort);
  checkPort(scope, "managementHostPort", props.managementHostPort);
  if (props.amqpHostPort !== undefined && props.amqpHostPort === props.managementHostPort) {
    reject(scope, "amqpHostPort and managementHostPort are the same host port", props.amqpHostPort, "publish them on two different host ports");
  }
  checkInteger(scope, "startTimeoutSeconds", props.startTimeoutSeconds, 1, "use 1 or more seconds");
  checkInteger(scope, "stopGracePeriodSeconds", props.stopGracePeriodSeconds, 0, "use 0 or more seconds (30 lets RabbitMQ stop cleanly)");
  const user = props.adminUser ?? "admin";
  if (!isToken(user) && (user === "" || user === "guest")) {
    reject(scope, "adminUser must be a non-empty name other than guest", user, 'choose another user name (the default is "admin")');
  }
  if (props.adminPassword !== undefined && !isToken(props.adminPassword)) {
    reject(
      scope,
      "adminPassword is a literal string: it would be committed with the code and written in plain text to cdktf.out",
      "<redacted>",
      "pass a Token, e.g. new TerraformVariable(this, \"rabbitmq_password\", { type: \"string\", sensitive: true }).stringValue, or omit adminPassword to get such a variable",
    );
  }
  const vhost = props.vhost ?? "/";
  if (isToken(vhost) || vhost === "") {
    reject(scope, "vhost must be a non-empty literal", vhost, 'use "/" or a name like "orders"');
  }
  if (props.dataRemovalPolicy !== undefined && props.dataRemovalPolicy !== "retain" && props.dataRemovalPolicy !== "destroy") {
    reject(scope, "dataRemovalPolicy is unknown", props.dataRemovalPolicy, 'use "retain" or "destroy"');
  }
}
