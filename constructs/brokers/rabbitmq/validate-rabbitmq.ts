import type { IConstruct } from "constructs";
import { report } from "../../errors/problems";
import { checkPort, checkString, isToken } from "../../private/validation";
import type { RabbitMqBrokerProps } from "./rabbitmq-broker";

/**
 * RabbitMQ needs about 150 MiB at idle with the management plugin (Erlang
 * VM, plugins, stats). With the memory alarm at 60% of the limit, 256 MiB
 * leaves ~150 MiB before publishers are blocked; less blocks them at once.
 */
export const RABBITMQ_MIN_MEMORY_MB = 256;

/** RabbitMQ's own rules of RabbitMqBroker's props (the shared ones are in BrokerBase). */
export function validateRabbitMqProps(scope: IConstruct, props: RabbitMqBrokerProps): void {
  checkPort(scope, "amqpHostPort", props.amqpHostPort);
  checkPort(scope, "managementHostPort", props.managementHostPort);
  if (props.amqpHostPort !== undefined && props.amqpHostPort === props.managementHostPort) {
    report(
      scope,
      "amqpHostPort and managementHostPort are the same host port",
      props.amqpHostPort,
      "publish them on two different host ports",
    );
  }
  const user = props.adminUser ?? "admin";
  if (checkString(scope, "adminUser", user) && !isToken(user)) {
    if (user === "guest") {
      report(
        scope,
        "adminUser must not be guest (RabbitMQ's well-known default account)",
        user,
        'choose another user name (the default is "admin")',
      );
    } else if (Buffer.byteLength(user) > 255) {
      report(scope, "adminUser is longer than 255 bytes", user, "use a shorter user name");
    }
  }
  if (props.adminPassword !== undefined && !isToken(props.adminPassword)) {
    report(
      scope,
      "adminPassword is a literal string: it would be committed with the code and written in plain text to cdktf.out",
      "<redacted>",
      'pass a Token, e.g. new TerraformVariable(this, "rabbitmq_password", { type: "string", sensitive: true }).stringValue, or omit adminPassword to get such a variable',
    );
  }
  const vhost = props.vhost ?? "/";
  if (isToken(vhost) || typeof vhost !== "string" || vhost === "" || Buffer.byteLength(vhost) > 255) {
    report(scope, "vhost must be a non-empty literal of at most 255 bytes", vhost, 'use "/" or a name like "orders"');
  }
}
