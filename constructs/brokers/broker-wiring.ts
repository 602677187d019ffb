/**
 * Wiring an app to a broker, the grant verbs' common part: the grantee must
 * be an app in the broker's stack; it then gets the wiring (network,
 * connection settings, TLS CA, start order).
 */
import { TerraformStack } from "../private/framework";
import { report } from "../errors/problems";
import type { SourceLocation } from "../errors/source-location";
import type { BrokerWiring, IBroker, IBrokerClient } from "./broker";

/**
 * Wires `app` to `broker` (BrokerBase.wire); `location` is the user's call.
 * `caFiles` are the TLS CA files the app gets on a Swarm, asked for only
 * once `app` is known to be a client of the broker's stack.
 */
export function wireApp(
  broker: IBroker,
  app: IBrokerClient,
  role: string,
  environment: Record<string, string> | (() => Record<string, string>),
  location: SourceLocation | undefined,
  caFiles: () => NonNullable<BrokerWiring["files"]>,
  volumes?: BrokerWiring["volumes"],
  target?: BrokerWiring["target"],
): boolean {
  if (!isBrokerClient(app)) {
    report(broker, `${role}: the grantee is not an app container`, app, "pass an AppContainer (or another IBrokerClient)", { location });
    return false;
  }
  const appStack = TerraformStack.of(app);
  if (appStack !== TerraformStack.of(broker)) {
    // cdktf turns the reference into a remote-state output, and Terraform refuses a depends_on on an
    // attribute ("References in depends_on must be to a whole object"): the app could not start after the broker.
    report(
      broker,
      `${role}: the app ${app.node.path} is in stack ${appStack.node.id}, the broker in stack ${TerraformStack.of(broker).node.id}: an app starts after its broker, which Terraform can order only within one stack`,
      app.appName,
      `declare the app in stack ${TerraformStack.of(broker).node.id}, or the broker in stack ${appStack.node.id}`,
      { location },
    );
    return false;
  }
  // On a Swarm the CA certificate reaches the app as a file of its service (one engine: the kind passes the CA volume).
  const files = caFiles();
  // A function is called only for a real app: the settings may derive from its name.
  app.addWiring({
    broker,
    role,
    environment: typeof environment === "function" ? environment() : environment,
    location,
    ...(volumes?.length ? { volumes } : {}),
    ...(files.length ? { files } : {}),
    ...(target ? { target } : {}),
  });
  return true;
}

function isBrokerClient(value: unknown): value is IBrokerClient {
  return typeof value === "object" && value !== null && typeof (value as IBrokerClient).addWiring === "function";
}
