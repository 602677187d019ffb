/**
 * What Docker or DNS refuse only at deploy, halfway through the apply, caught
 * at synth in a stack without addMessagingAspects: a host port published
 * twice, a cluster node's name over a host name label's 63 characters, a
 * network named like one every engine already has, host ports of a container
 * on internal networks only (Docker publishes none), a label the package
 * sets itself (the user's was overwritten), an empty health check command
 * (always healthy); and one valid pair that was refused: two build folders
 * with one base name.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { TerraformStack } from "cdktf";
import { AppContainer, ContainerImage, HealthCheck, KafkaBroker, Network, RabbitMqBroker } from "../../../constructs";
import { problemMessages, resources, synth } from "../helpers";
import { newStack } from "../helpers";

describe("a host port published twice, without addMessagingAspects", () => {
  const image = ContainerImage.fromRegistry("example/app:1.0");
  test.each<[string, (s: TerraformStack) => void, RegExp]>([
    [
      "two RabbitMQ brokers on 5672",
      (s) => {
        const network = new Network(s, "net");
        new RabbitMqBroker(s, "orders", { network, amqpHostPort: 5672 });
        new RabbitMqBroker(s, "billing", { network, amqpHostPort: 5672 });
      },
      /test\/billing\/container: host port 5672\/tcp on 127\.0\.0\.1 is already published by test\/orders/,
    ],
    [
      "a Kafka host port on a RabbitMQ management port",
      (s) => {
        const network = new Network(s, "net");
        new RabbitMqBroker(s, "orders", { network, managementHostPort: 15672 });
        new KafkaBroker(s, "events", { network, hostPort: 15672 });
      },
      /host port 15672\/tcp on 127\.0\.0\.1 is already published by test\/orders/,
    ],
    [
      "an app's port on a broker's",
      (s) => {
        const network = new Network(s, "net");
        new RabbitMqBroker(s, "orders", { network, amqpHostPort: 5672 });
        new AppContainer(s, "web", { image, networks: [network], ports: [{ containerPort: 8080, hostPort: 5672 }] });
      },
      /host port 5672\/tcp on 127\.0\.0\.1 is already published by test\/orders/,
    ],
    [
      "two apps on one port",
      (s) => {
        const network = new Network(s, "net");
        new AppContainer(s, "a", { image, networks: [network], ports: [{ containerPort: 8080, hostPort: 8080 }] });
        new AppContainer(s, "b", { image, networks: [network], ports: [{ containerPort: 8080, hostPort: 8080 }] });
      },
      /host port 8080\/tcp on 127\.0\.0\.1 is already published by test\/a/,
    ],
  ])("is refused: %s", (_, build, message) => {
    expect(problemMessages(build)).toEqual([expect.stringMatching(message)]);
  });

  test("two brokers on two ports are accepted", () => {
    expect(
      problemMessages((s) => {
        const network = new Network(s, "net");
        new RabbitMqBroker(s, "orders", { network, amqpHostPort: 5672 });
        new RabbitMqBroker(s, "billing", { network, amqpHostPort: 5673 });
      }),
    ).toEqual([]);
  });
});

describe("a broker whose node names are too long for a host name", () => {
  test.each<[string, (s: TerraformStack) => void, RegExp]>([
    [
      "62 characters and 3 nodes",
      (s) => new RabbitMqBroker(s, "mq", { network: new Network(s, "net"), name: "r".repeat(62), nodes: 3 }),
      /name: the node names <name>-1 \.\.\. <name>-3 are the nodes' hostnames, and "r{62}-3" is longer than a host name label's 63 characters.*Fix: use a name of at most 61 characters/,
    ],
    [
      "63 characters and 3 Kafka nodes",
      (s) => new KafkaBroker(s, "kafka", { network: new Network(s, "net"), name: "k".repeat(63), nodes: 3 }),
      /"k{63}-3" is longer than a host name label's 63 characters.*at most 61 characters/,
    ],
  ])("is refused: %s", (_, build, message) => {
    expect(problemMessages(build)).toEqual([expect.stringMatching(message)]);
  });

  test.each<[string, (s: TerraformStack) => void]>([
    ["61 characters and 3 nodes", (s) => new RabbitMqBroker(s, "mq", { network: new Network(s, "net"), name: "r".repeat(61), nodes: 3 })],
    ["63 characters and one node", (s) => new RabbitMqBroker(s, "mq", { network: new Network(s, "net"), name: "r".repeat(63) })],
  ])("is accepted: %s", (_, build) => {
    expect(problemMessages(build)).toEqual([]);
  });
});

describe("a network named like one every engine has", () => {
  test.each(["bridge", "host", "none", "ingress", "docker_gwbridge"])("is refused: %s", (name) => {
    expect(problemMessages((s) => new Network(s, "net", { name }))).toEqual([
      expect.stringMatching(
        new RegExp(
          `name: "${name}" is one of the networks every Docker engine already has.*Fix: give the Network a name of its own, e.g. "net"`,
        ),
      ),
    ]);
  });

  test.each(["bridged", "host-net", "messaging", "nones"])("is accepted: %s", (name) => {
    expect(problemMessages((s) => new Network(s, "net", { name }))).toEqual([]);
  });
});

describe("two build folders with one base name", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "same-base-"));
  const folders = ["orders/app", "billing/app"].map((f) => path.join(root, f));
  folders.forEach((folder, i) => {
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, "Dockerfile"), `FROM example/base:1.0\nLABEL service=${i}\n`);
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test("are two images, each built from its own folder", () => {
    const stack = newStack();
    const network = new Network(stack, "net");
    folders.forEach((folder, i) => new AppContainer(stack, `app-${i}`, { image: ContainerImage.fromBuild(folder), networks: [network] }));
    const images = resources(synth(stack).json, "docker_image");
    expect(images.map((i) => i.build.context).sort()).toEqual([...folders].sort());
    expect(new Set(images.map((i) => i.name)).size).toBe(2);
    // The first keeps the folder's name; the second adds a hash of its path.
    const repositories = images.map((i) => i.name.split(":")[0]).sort();
    expect(repositories).toEqual(["app", expect.stringMatching(/^app-[0-9a-f]{8}$/)]);
  });

  test("one folder used twice is still one image", () => {
    const stack = newStack();
    const network = new Network(stack, "net");
    for (const id of ["a", "b"]) new AppContainer(stack, id, { image: ContainerImage.fromBuild(folders[0]), networks: [network] });
    expect(resources(synth(stack).json, "docker_image")).toHaveLength(1);
  });
});

describe("host ports of a container on internal networks only", () => {
  test.each<[string, (s: TerraformStack) => void, RegExp]>([
    [
      "a broker's AMQP port",
      (s) => new RabbitMqBroker(s, "mq", { network: new Network(s, "net", { internal: true }), amqpHostPort: 5672 }),
      /container mq publishes host ports, but every network it is on is internal, so Docker publishes none of them, got \[5672\].*Fix: put it on a network that is not internal too/,
    ],
    [
      "an app's port",
      (s) =>
        new AppContainer(s, "web", {
          image: ContainerImage.fromRegistry("example/web:1.0"),
          networks: [new Network(s, "net", { internal: true })],
          ports: [{ containerPort: 8080, hostPort: 8080 }],
        }),
      /container web-1 publishes host ports, but every network it is on is internal/,
    ],
  ])("is refused: %s", (_, build, message) => {
    expect(problemMessages(build)).toEqual([expect.stringMatching(message)]);
  });

  test.each<[string, (s: TerraformStack) => void]>([
    [
      "a broker on an internal network without host ports",
      (s) => new RabbitMqBroker(s, "mq", { network: new Network(s, "net", { internal: true }) }),
    ],
    [
      "an app on an internal and a normal network",
      (s) =>
        new AppContainer(s, "web", {
          image: ContainerImage.fromRegistry("example/web:1.0"),
          networks: [new Network(s, "inner", { internal: true }), new Network(s, "outer")],
          ports: [{ containerPort: 8080, hostPort: 8080 }],
        }),
    ],
  ])("is accepted: %s", (_, build) => {
    expect(problemMessages(build)).toEqual([]);
  });
});

describe("a queue or exchange name with outer white space or a control character", () => {
  test.each<[string, (s: TerraformStack) => void, RegExp]>([
    [
      "a leading space in a queue",
      (s) => new RabbitMqBroker(s, "mq", { network: new Network(s, "net") }).addQueue(" orders"),
      /queue name starts or ends with white space.*got " orders".*Fix: use "orders"/,
    ],
    [
      "a trailing tab in an exchange",
      (s) => new RabbitMqBroker(s, "mq", { network: new Network(s, "net") }).addExchange("events\t"),
      /exchange name starts or ends with white space.*Fix: use "events"/,
    ],
    [
      "a newline inside a queue",
      (s) => new RabbitMqBroker(s, "mq", { network: new Network(s, "net") }).addQueue("or\nders"),
      /holds a control character.*Fix: use "orders"/,
    ],
  ])("is refused: %s", (_, build, message) => {
    expect(problemMessages(build)).toEqual([expect.stringMatching(message)]);
  });

  test.each(["orders", "orders v2", "ordres.ünicode", "a b"])("is accepted: %j", (name) => {
    expect(problemMessages((s) => new RabbitMqBroker(s, "mq", { network: new Network(s, "net") }).addQueue(name))).toEqual([]);
  });
});

describe("a label the package sets itself", () => {
  test.each<[string, (s: TerraformStack) => void]>([
    [
      "on an app",
      (s) =>
        new AppContainer(s, "app", {
          image: ContainerImage.fromRegistry("example/app:1.0"),
          labels: { "cdktf-docker-messaging.component": "web" },
        }),
    ],
    [
      "on a broker",
      (s) => new RabbitMqBroker(s, "mq", { network: new Network(s, "net"), labels: { "cdktf-docker-messaging.rolling-check": "true" } }),
    ],
    ["on a network", (s) => new Network(s, "net", { labels: { "cdktf-docker-messaging.stack": "other" } })],
  ])("is refused: %s", (_, build) => {
    expect(problemMessages(build)).toEqual([
      expect.stringMatching(
        /labels\.cdktf-docker-messaging\.[a-z-]+: the package sets this label itself and would overwrite it.*Fix: use a label name of your own \(e\.g\. "team\.[a-z-]+"\)/,
      ),
    ]);
  });

  test("a label of the user's under the package's prefix is accepted (the examples label themselves so)", () => {
    expect(problemMessages((s) => new Network(s, "net", { labels: { "cdktf-docker-messaging.example": "default" } }))).toEqual([]);
  });
});

describe("an empty health check command", () => {
  const app = (healthCheck: HealthCheck) => (s: TerraformStack) =>
    new AppContainer(s, "app", { image: ContainerImage.fromRegistry("example/app:1.0"), healthCheck });
  test.each<[string, HealthCheck]>([
    ["an empty shell command", HealthCheck.shell("")],
    ["a blank shell command", HealthCheck.shell("   ")],
    ["an empty program", HealthCheck.exec([""])],
  ])("is refused: %s (it would always pass)", (_, healthCheck) => {
    expect(problemMessages(app(healthCheck))).toEqual([
      expect.stringMatching(/healthCheck command is empty: it would check nothing and always pass/),
    ]);
  });

  test.each<[string, HealthCheck]>([
    ["a shell command", HealthCheck.shell("test -f /tmp/app-healthy")],
    ["an exec command with an empty argument", HealthCheck.exec(["printf", ""])],
  ])("is accepted: %s", (_, healthCheck) => {
    expect(problemMessages(app(healthCheck))).toEqual([]);
  });
});
