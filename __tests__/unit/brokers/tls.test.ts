/**
 * TLS, one switch away: `tls: { certificates: "generate" }` (or the user's
 * files) turns the listeners apps and the host reach into TLS-only ones, and
 * every wired app trusts exactly the broker's CA, mounted read-only.
 */
import * as path from "path";
import type { TerraformStack } from "cdktf";
import { AppContainer, ContainerImage, KafkaBroker, RabbitMqBroker, TlsCertificates } from "../../../constructs";
import { buildClusterStack } from "../../support/example-stacks";
import { container, envOf, labelsOf, net, newStack, problemMessages, resources, synth } from "../helpers";
import { Testing } from "cdktf";
import { synthStack } from "../../../constructs/testing";

const image = ContainerImage.fromRegistry("busybox:1.36");
const FIXTURES = path.join(__dirname, "..", "..", "fixtures", "tls");
const app = (stack: TerraformStack, id: string) => new AppContainer(stack, id, { image });
/** A mount's volume name: a retained volume is named literally, a managed one is "${docker_volume.<id>.name}". */
const volumeNameOf = (json: any, ref: string) => {
  const id = /docker_volume\.([^.]+)\.name/.exec(ref)?.[1];
  return id === undefined ? ref : json.resource.docker_volume[id].name;
};

function rabbitStack(nodes = 1) {
  const stack = newStack();
  const mq = new RabbitMqBroker(stack, "mq", { network: net(stack), nodes, amqpHostPort: 5671, tls: { certificates: "generate" } });
  const q = mq.addQueue("jobs");
  q.grantConsume(app(stack, "consumer"));
  q.grantPublish(app(stack, "producer"));
  return synth(stack).json;
}

function kafkaStack(nodes = 1) {
  const stack = newStack();
  const kafka = new KafkaBroker(stack, "kafka", { network: net(stack), nodes, hostPort: 29092, tls: { certificates: "generate" } });
  const t = kafka.addTopic("events");
  t.grantProduce(app(stack, "producer"));
  t.grantConsume(app(stack, "consumer"), { groupId: "g" });
  return synth(stack).json;
}

describe("RabbitMQ with tls", () => {
  const json = rabbitStack(3);
  const config = (node: string) =>
    (container(json, node).upload as any[]).find((u) => u.file === "/etc/rabbitmq/rabbitmq.conf").content as string;

  test("listens on AMQPS 5671 only, with the generated key and certificate, clients not asked for one", () => {
    const lines = config("mq-1").split("\n");
    expect(lines).toEqual(
      expect.arrayContaining([
        "listeners.tcp = none",
        "listeners.ssl.default = 5671",
        "ssl_options.cacertfile = /etc/messaging/tls/ca.pem",
        "ssl_options.certfile = /etc/messaging/tls/cert.pem",
        "ssl_options.keyfile = /etc/messaging/tls/key.pem",
        "ssl_options.verify = verify_none",
      ]),
    );
    expect(lines.some((l) => l.startsWith("listeners.tcp.default"))).toBe(false);
  });

  test("every node mounts the server certificate volume read-only, is created after the certificates job and publishes 5671", () => {
    for (const node of ["mq-1", "mq-2", "mq-3"]) {
      const c = container(json, node);
      const tls = (c.volumes as any[]).find((v) => v.container_path === "/etc/messaging/tls");
      expect(volumeNameOf(json, tls.volume_name)).toBe("mq-tls-server");
      expect(tls.read_only).toBe(true);
      expect(c.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^docker_container\.mq_tls_job_/)]));
      expect(c.ports.map((p: any) => p.internal)).toContain(5671);
    }
  });

  test("the certificate names every node, the broker, localhost and 127.0.0.1", () => {
    const script = container(json, "mq-tls").command[0] as string;
    for (const name of ["DNS:mq", "DNS:mq-1", "DNS:mq-2", "DNS:mq-3", "DNS:localhost", "IP:127.0.0.1"]) expect(script).toContain(name);
  });

  test("apps get amqps:// URLs to every node on 5671 and the broker's CA, and only the CA, read-only", () => {
    for (const name of ["consumer-1", "producer-1"]) {
      const c = container(json, name);
      const env = envOf(c);
      expect(env.RABBITMQ_URL.split(",").map((u: string) => u.replace(/\/\/[^@]*@/, "//"))).toEqual([
        "amqps://mq-1:5671/%2F",
        "amqps://mq-2:5671/%2F",
        "amqps://mq-3:5671/%2F",
      ]);
      expect(env.RABBITMQ_TLS_CA_FILE).toBe("/etc/messaging/tls-ca/mq/ca.pem");
      expect(c.volumes).toHaveLength(1);
      expect({
        volume: volumeNameOf(json, c.volumes[0].volume_name),
        path: c.volumes[0].container_path,
        readOnly: c.volumes[0].read_only,
      }).toEqual({
        volume: "mq-tls-ca",
        path: "/etc/messaging/tls-ca/mq",
        readOnly: true,
      });
    }
  });

  test("the host's admin URL is amqps:// and the CA certificate is an output", () => {
    expect(json.output.mq_amqp_url.value).toMatch(/^amqps:\/\//);
    expect(json.output.mq_ca_certificate).toBeDefined();
  });
});

describe("Kafka with tls", () => {
  const json = kafkaStack(3);

  test("SASL_SSL on the apps' and host listeners with the PEM keystore; the replication network stays SASL_PLAINTEXT", () => {
    const env = envOf(container(json, "kafka-1"));
    expect(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).toBe(
      "INTERNAL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT,REPLICATION:SASL_PLAINTEXT,HOST:SASL_SSL",
    );
    expect(env.KAFKA_SSL_KEYSTORE_TYPE).toBe("PEM");
    expect(env.KAFKA_SSL_KEYSTORE_LOCATION).toBe("/etc/messaging/tls/keystore.pem");
  });

  test("the key is given to the kafka process's user (appuser 1000)", () => {
    const script = container(json, "kafka-tls").command[0] as string;
    expect(script).toContain("1000:1000");
  });

  test("apps get the CA file and its volume read-only; the set-up job needs neither", () => {
    for (const name of ["consumer-1", "producer-1"]) {
      const c = container(json, name);
      expect(envOf(c).KAFKA_TLS_CA_FILE).toBe("/etc/messaging/tls-ca/kafka/ca.pem");
      expect(c.volumes.map((v: any) => [volumeNameOf(json, v.volume_name), v.container_path, v.read_only])).toEqual([
        ["kafka-tls-ca", "/etc/messaging/tls-ca/kafka", true],
      ]);
    }
    expect(container(json, "kafka-setup").volumes).toBeUndefined();
  });
});

test("an app of two TLS brokers trusts each one's CA from its own folder", () => {
  const stack = newStack();
  const mq = new RabbitMqBroker(stack, "mq", { network: net(stack), tls: { certificates: "generate" } });
  const kafka = new KafkaBroker(stack, "kafka", { network: net(stack), tls: { certificates: "generate" } });
  const both = app(stack, "bridge");
  mq.addQueue("in").grantConsume(both);
  kafka.addTopic("out").grantProduce(both);
  const c = container(synth(stack).json, "bridge-1");
  expect(c.volumes.map((v: any) => v.container_path).sort()).toEqual(["/etc/messaging/tls-ca/kafka", "/etc/messaging/tls-ca/mq"]);
  expect([envOf(c).RABBITMQ_TLS_CA_FILE, envOf(c).KAFKA_TLS_CA_FILE]).toEqual([
    "/etc/messaging/tls-ca/mq/ca.pem",
    "/etc/messaging/tls-ca/kafka/ca.pem",
  ]);
});

test("without tls nothing changes: plaintext-free SASL for Kafka, amqp:// for RabbitMQ, no certificate volumes", () => {
  const stack = newStack();
  const mq = new RabbitMqBroker(stack, "mq", { network: net(stack) });
  mq.addQueue("q").grantConsume(app(stack, "c"));
  const json = synth(stack).json;
  expect(envOf(container(json, "c-1")).RABBITMQ_URL).toMatch(/^amqp:\/\/c:.*@mq:5672\//);
  expect(envOf(container(json, "c-1")).RABBITMQ_TLS_CA_FILE).toBeUndefined();
  expect(container(json, "c-1").volumes).toBeUndefined();
  expect(container(json, "mq").volumes.map((v: any) => v.container_path)).toEqual(["/var/lib/rabbitmq"]);
  expect(
    resources(json, "docker_container")
      .map((c) => c.name)
      .sort(),
  ).toEqual(["c-1", "mq", "mq-setup"]);
});

test("the cluster example has no private key material in its synthesized JSON", () => {
  const text = JSON.stringify(synthStack(buildClusterStack(Testing.app())));
  expect(text).not.toMatch(/BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY/);
  expect(text).toContain("cluster-rabbitmq-tls-server");
});

describe("tls: problems", () => {
  const fix = /Fix: pass \{ certificates: "generate" \}/;
  test.each([
    ["an empty object (TLS asked without certificates and without generation)", {}],
    ["a misspelt generate", { certificates: "generated" }],
    ["a path instead of certificates", { certificates: "/etc/ssl/server.pem" }],
  ])("refuses %s", (_what, tls) => {
    const messages = problemMessages((s) => new RabbitMqBroker(s, "mq", { network: net(s), tls: tls as any }));
    expect(messages).toEqual([
      expect.stringMatching(/^test\/mq: tls asks for TLS without certificates and without generating them, got .*\. Fix: pass/),
    ]);
  });

  test("refuses tls: true, naming the fix", () => {
    expect(problemMessages((s) => new KafkaBroker(s, "kafka", { network: net(s), tls: true as any }))).toEqual([
      expect.stringMatching(fix),
    ]);
  });

  test("refuses user certificates whose key would belong to another user than the broker process", () => {
    const messages = problemMessages((s) => {
      const certs = TlsCertificates.fromFiles(s, "certs", {
        name: "mq",
        caFile: path.join(FIXTURES, "ca.pem"),
        certFile: path.join(FIXTURES, "server.pem"),
        keyFile: path.join(FIXTURES, "server.key"),
        keyOwnerUid: 1000,
        keyOwnerGid: 1000,
      });
      new RabbitMqBroker(s, "mq", { network: net(s), tls: { certificates: certs } });
    });
    expect(messages).toContain(
      'test/mq: tls.certificates give the key to 1000:1000, but rabbitmq\'s broker process runs as 999:999 and could not read it, got "1000:1000". Fix: pass keyOwnerUid: 999, keyOwnerGid: 999 to TlsCertificates.fromFiles',
    );
  });

  test("accepts the user's certificates for the right user, and labels the nodes with the certificates' revision", () => {
    const stack = newStack();
    // The fixture's certificate names "rabbit" (and localhost): the broker's name.
    const certs = TlsCertificates.fromFiles(stack, "certs", {
      name: "rabbit",
      caFile: path.join(FIXTURES, "ca.pem"),
      certFile: path.join(FIXTURES, "server.pem"),
      keyFile: path.join(FIXTURES, "server.key"),
      keyOwnerUid: 999,
      keyOwnerGid: 999,
    });
    new RabbitMqBroker(stack, "rabbit", { network: net(stack), tls: { certificates: certs } });
    const json = synth(stack).json;
    expect(labelsOf(container(json, "rabbit"))["cdktf-docker-messaging.tls-revision"]).toMatch(/^\$\{docker_container\.certs_job_/);
  });

  const fixtureCertificates = (s: TerraformStack) =>
    TlsCertificates.fromFiles(s, "certs", {
      name: "certs",
      caFile: path.join(FIXTURES, "ca.pem"),
      certFile: path.join(FIXTURES, "server.pem"),
      keyFile: path.join(FIXTURES, "server.key"),
      keyOwnerUid: 999,
      keyOwnerGid: 999,
    });

  test("refuses the user's certificate when it does not name the broker the apps connect to (every TLS connection would fail its host name check)", () => {
    expect(problemMessages((s) => new RabbitMqBroker(s, "mq", { network: net(s), tls: { certificates: fixtureCertificates(s) } }))).toEqual(
      [
        'test/mq: tls.certificates: the broker\'s certificate does not name mq, which the apps connect to and verify: every TLS connection would fail its host name check, got ["mq"]. Fix: issue the certificate with subjectAltName = DNS:mq,DNS:localhost (add IP:127.0.0.1 for clients on the host)',
      ],
    );
  });

  test("refuses a cluster's certificate that names the broker but not each node, listing the nodes it misses", () => {
    const messages = problemMessages(
      (s) => new RabbitMqBroker(s, "rabbit", { network: net(s), nodes: 3, tls: { certificates: fixtureCertificates(s) } }),
    );
    expect(messages).toEqual([
      expect.stringContaining("tls.certificates: the broker's certificate does not name rabbit-1, rabbit-2, rabbit-3"),
    ]);
    expect(messages[0]).toContain("subjectAltName = DNS:rabbit,DNS:rabbit-1,DNS:rabbit-2,DNS:rabbit-3,DNS:localhost");
  });

  test("refuses generated certificates of the user's own whose dnsNames leave out the broker's nodes", () => {
    const messages = problemMessages((s) => {
      const certs = new TlsCertificates(s, "certs", { dnsNames: ["*.example.com", "kafka"], keyOwnerUid: 1000, keyOwnerGid: 1000 });
      new KafkaBroker(s, "kafka", { network: net(s), nodes: 3, tls: { certificates: certs } });
    });
    expect(messages).toEqual([expect.stringContaining("does not name kafka-1, kafka-2, kafka-3")]);
    expect(
      problemMessages((s) => {
        const certs = new TlsCertificates(s, "certs", { dnsNames: ["kafka", "localhost"], keyOwnerUid: 1000, keyOwnerGid: 1000 });
        new KafkaBroker(s, "kafka", { network: net(s), tls: { certificates: certs } });
      }),
    ).toEqual([]);
  });
});
