import { execFileSync } from "child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { readKafkaSecurity, readRabbitTlsCa } from "../../../apps/shared/app-config";
import { ConfigError } from "../../../apps/shared/config";
import { kafkaAccessRefusal, kafkaSecurityOptions, platformaticClientOptions } from "../../../apps/shared/kafka-client";
import { rabbitAccessRefusal } from "../../../apps/shared/rabbitmq-connection";

let dir: string;
let caFile: string;
let caPem: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "security-config-"));
  caFile = path.join(dir, "ca.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      path.join(dir, "ca-key.pem"),
      "-out",
      caFile,
      "-days",
      "1",
      "-subj",
      "/CN=unit-test-ca",
    ],
    { stdio: "ignore" },
  );
  caPem = readFileSync(caFile, "utf8").trim();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The message of the ConfigError `read` throws. */
function configError(read: () => unknown): string {
  try {
    read();
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error("no ConfigError thrown");
}

describe("readKafkaSecurity", () => {
  test("no SASL and no TLS when nothing is set", () => {
    expect(readKafkaSecurity({})).toEqual({ sasl: undefined, tlsCa: undefined });
    expect(kafkaSecurityOptions(readKafkaSecurity({}))).toEqual({});
    const producer = platformaticClientOptions("kafka-producer", ["kafka:9092"], readKafkaSecurity({}));
    expect(producer).not.toHaveProperty("sasl");
    expect(producer).not.toHaveProperty("tls");
    expect(producer.bootstrapBrokers).toEqual(["kafka:9092"]);
  });

  test("SCRAM-SHA-512 with both variables, TLS verifying the broker with the CA file", () => {
    const security = readKafkaSecurity({ KAFKA_SASL_USERNAME: "billing", KAFKA_SASL_PASSWORD: "s3cret", KAFKA_TLS_CA_FILE: caFile });
    expect(kafkaSecurityOptions(security)).toEqual({
      sasl: { mechanism: "scram-sha-512", username: "billing", password: "s3cret" },
      ssl: { ca: [caPem], rejectUnauthorized: true },
    });
    // The kafka-producer's client (@platformatic/kafka): the same credentials and verification.
    expect(platformaticClientOptions("kafka-producer", ["kafka:9092"], security)).toMatchObject({
      sasl: { mechanism: "SCRAM-SHA-512", username: "billing", password: "s3cret" },
      tls: { ca: [caPem], rejectUnauthorized: true },
    });
  });

  test("rejects a user name without a password, without a line that could hold one", () => {
    expect(configError(() => readKafkaSecurity({ KAFKA_SASL_USERNAME: "billing" }))).toBe(
      "KAFKA_SASL_PASSWORD must be set when KAFKA_SASL_USERNAME is set, it is not set",
    );
    expect(configError(() => readKafkaSecurity({ KAFKA_SASL_USERNAME: "billing", KAFKA_SASL_PASSWORD: "" }))).toBe(
      "KAFKA_SASL_PASSWORD must be set when KAFKA_SASL_USERNAME is set, got an empty string",
    );
  });

  test("rejects a password without a user name and never echoes the password", () => {
    const message = configError(() => readKafkaSecurity({ KAFKA_SASL_PASSWORD: "hunter2" }));
    expect(message).toBe("KAFKA_SASL_USERNAME must be set when KAFKA_SASL_PASSWORD is set, it is not set");
    expect(message).not.toContain("hunter2");
  });

  test("rejects a CA file that does not exist, naming the path and the reason", () => {
    const missing = path.join(dir, "nope.pem");
    expect(configError(() => readKafkaSecurity({ KAFKA_TLS_CA_FILE: missing }))).toBe(
      `KAFKA_TLS_CA_FILE must be a readable PEM file of CA certificates, got ${JSON.stringify(missing)} (ENOENT)`,
    );
  });

  test("rejects a CA file that is not PEM, or holds only a key", () => {
    const notPem = path.join(dir, "not.pem");
    writeFileSync(notPem, "hello\n");
    expect(configError(() => readKafkaSecurity({ KAFKA_TLS_CA_FILE: notPem }))).toBe(
      `KAFKA_TLS_CA_FILE must be a readable PEM file of CA certificates, got ${JSON.stringify(notPem)}, which holds no PEM certificate`,
    );
    expect(configError(() => readKafkaSecurity({ KAFKA_TLS_CA_FILE: path.join(dir, "ca-key.pem") }))).toMatch(
      /which holds no PEM certificate$/,
    );
    const broken = path.join(dir, "broken.pem");
    writeFileSync(broken, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    expect(configError(() => readKafkaSecurity({ KAFKA_TLS_CA_FILE: broken }))).toMatch(/does not parse$/);
  });

  if (process.getuid?.() !== 0) {
    test("rejects a CA file the app may not read (EACCES)", () => {
      const locked = path.join(dir, "locked.pem");
      writeFileSync(locked, caPem);
      chmodSync(locked, 0o000);
      expect(configError(() => readKafkaSecurity({ KAFKA_TLS_CA_FILE: locked }))).toMatch(/\(EACCES\)$/);
    });
  }
});

describe("readRabbitTlsCa", () => {
  test("is undefined when unset: amqps:// then trusts Node's bundled CAs", () => {
    expect(readRabbitTlsCa({}, ["amqps://u:p@rabbit:5671"])).toBeUndefined();
  });

  test("reads the CA for amqps:// URLs, also in a list that mixes schemes", () => {
    const env = { RABBITMQ_TLS_CA_FILE: caFile };
    expect(readRabbitTlsCa(env, ["amqp://u:p@a:5672", "amqps://u:p@b:5671"])).toEqual({ file: caFile, certificates: [caPem] });
  });

  test("rejects a CA file with only amqp:// URLs (it would never be used)", () => {
    expect(configError(() => readRabbitTlsCa({ RABBITMQ_TLS_CA_FILE: caFile }, ["amqp://u:p@a:5672"]))).toBe(
      `RABBITMQ_TLS_CA_FILE must be unset when RABBITMQ_URL has no amqps:// URL, got ${JSON.stringify(caFile)}`,
    );
  });

  test("rejects an unreadable CA file", () => {
    expect(configError(() => readRabbitTlsCa({ RABBITMQ_TLS_CA_FILE: "/no/such/ca.pem" }, ["amqps://u:p@b"]))).toBe(
      'RABBITMQ_TLS_CA_FILE must be a readable PEM file of CA certificates, got "/no/such/ca.pem" (ENOENT)',
    );
  });
});

describe("access refusals", () => {
  // The shapes kafkajs 2.2.4 and amqplib 2.3 produce against Kafka 4.4 and RabbitMQ 4.0.
  const kafkaError = (fields: Record<string, unknown>, cause?: unknown) =>
    Object.assign(new Error(String(fields.message ?? "kafka")), fields, cause === undefined ? {} : { cause });

  test("Kafka: a failed SASL handshake is authentication, authorization codes are authorization, in causes too", () => {
    expect(kafkaAccessRefusal(kafkaError({ name: "KafkaJSSASLAuthenticationError" }))).toBe("authentication");
    for (const type of ["TOPIC_AUTHORIZATION_FAILED", "GROUP_AUTHORIZATION_FAILED", "CLUSTER_AUTHORIZATION_FAILED"]) {
      expect(
        kafkaAccessRefusal(
          new Error("consumer crashed", { cause: kafkaError({ name: "KafkaJSGroupCoordinatorNotFound" }, kafkaError({ type })) }),
        ),
      ).toBe("authorization");
    }
    expect(kafkaAccessRefusal(kafkaError({ name: "KafkaJSConnectionError", code: "ECONNREFUSED" }))).toBeUndefined();
  });

  test("Kafka, @platformatic/kafka's shapes: a failed SASL exchange is authentication, authorization codes nested in a response are authorization", () => {
    // AuthenticationError, ProtocolError (apiId) and MultipleErrors/ResponseError (AggregateError `errors`) of @platformatic/kafka 2.12.
    const multiple = (message: string, errors: unknown[]) =>
      Object.assign(new AggregateError(errors, message), { code: "PLT_KFK_MULTIPLE" });
    const protocol = (apiId: string) => kafkaError({ code: "PLT_KFK_PROTOCOL", apiId });
    expect(kafkaAccessRefusal(kafkaError({ code: "PLT_KFK_AUTHENTICATION", message: "SASL authentication failed." }))).toBe(
      "authentication",
    );
    expect(kafkaAccessRefusal(multiple("initProducerId failed 1 times.", [protocol("SASL_AUTHENTICATION_FAILED")]))).toBe("authentication");
    for (const id of ["TOPIC_AUTHORIZATION_FAILED", "CLUSTER_AUTHORIZATION_FAILED", "TRANSACTIONAL_ID_AUTHORIZATION_FAILED"]) {
      // As a send fails: the broker's per-partition error inside a ResponseError, inside the retries' MultipleErrors, as our cause.
      const failed = multiple("produce failed 1 times.", [
        multiple("Received response with error while executing API Produce(v11)", [protocol(id)]),
      ]);
      expect(kafkaAccessRefusal(new Error("send failed", { cause: failed }))).toBe("authorization");
    }
    expect(kafkaAccessRefusal(multiple("produce failed 6 times.", [kafkaError({ code: "PLT_KFK_NETWORK" })]))).toBeUndefined();
    expect(kafkaAccessRefusal(protocol("NOT_LEADER_OR_FOLLOWER"))).toBeUndefined();
  });

  test("RabbitMQ: a refused login is authentication, 403 on a channel or a refused vhost is authorization", () => {
    expect(
      rabbitAccessRefusal(
        new Error(
          'Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN."',
        ),
      ),
    ).toBe("authentication");
    const channel403 = Object.assign(
      new Error(
        "Operation failed: BasicConsume; 403 (ACCESS-REFUSED) with message \"ACCESS_REFUSED - read access to queue 'q' in vhost '/' refused for user 'u'\"",
      ),
      { code: 403 },
    );
    expect(rabbitAccessRefusal(new Error("rabbit:5671: ...", { cause: channel403 }))).toBe("authorization");
    expect(rabbitAccessRefusal(new Error("Expected ConnectionOpenOk; got <ConnectionClose channel:0>"))).toBe("authorization");
    expect(rabbitAccessRefusal(new Error("connect ECONNREFUSED 127.0.0.1:5671"))).toBeUndefined();
    expect(
      rabbitAccessRefusal(Object.assign(new Error("self-signed certificate in certificate chain"), { code: "SELF_SIGNED_CERT_IN_CHAIN" })),
    ).toBeUndefined();
  });
});
