/**
 * TLS with your own certificates: a RabbitMQ broker that speaks AMQPS only,
 * with the CA, certificate and key you made (openssl, your company's CA),
 * and a producer and a consumer that verify it.
 */
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import {
  addMessagingAspects,
  AppContainer,
  AppEnv,
  DockerHost,
  HealthCheck,
  Network,
  RabbitMqBroker,
  runSynth,
  ShippedApps,
  TlsCertificates,
} from "cdktf-docker-messaging";

/** Name of the stack (its folder under cdktf.out/stacks/). */
export const TLS_OWN_CERTIFICATES_STACK_NAME = "tls-own-certificates";
/** The variable naming the certificates folder. */
export const CERTIFICATES_DIR_ENV = "TLS_CERTIFICATES_DIR";

/** The PEM files of the broker's TLS. */
export interface CertificateFiles {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** The files of a certificates folder: `ca.pem`, `rabbitmq.pem`, `rabbitmq-key.pem`. */
export function certificateFilesIn(directory: string): CertificateFiles {
  return {
    caFile: path.join(directory, "ca.pem"),
    certFile: path.join(directory, "rabbitmq.pem"),
    keyFile: path.join(directory, "rabbitmq-key.pem"),
  };
}

export interface TlsOwnCertificatesOptions {
  /**
   * Prefix of every Docker name: the network `<prefix>`, the broker
   * `<prefix>-rabbitmq` (the name its certificate must carry), the apps
   * `<prefix>-producer` and `<prefix>-consumer`.
   * @default "tls"
   */
  readonly prefix?: string;
  /**
   * The PEM files: the CA, the broker's certificate (then any
   * intermediates) and its unencrypted key.
   * @default - ca.pem, rabbitmq.pem and rabbitmq-key.pem in $TLS_CERTIFICATES_DIR, or in certs/ next to this file
   */
  readonly certificateFiles?: CertificateFiles;
  /**
   * AMQPS port published on 127.0.0.1.
   * @default 5671
   */
  readonly amqpsHostPort?: number;
  /**
   * Messages the producer sends, at 20 a second.
   * @default 200
   */
  readonly messages?: number;
}

/**
 * A RabbitMQ broker with TLS from the user's PEM files (checked at synth:
 * they exist, the key belongs to the certificate, the CA signed it), AMQPS
 * only, published on 127.0.0.1:5671; a queue "payments"; a producer and a
 * consumer that trust the CA and verify the broker's name. Deploy asks for
 * TF_VAR_tls_rabbitmq_admin_password and TF_VAR_tls_rabbitmq_credentials_key.
 */
export function buildTlsOwnCertificatesStack(
  scope: Construct,
  id = TLS_OWN_CERTIFICATES_STACK_NAME,
  options: TlsOwnCertificatesOptions = {},
): TerraformStack {
  const prefix = options.prefix ?? "tls";
  const files = options.certificateFiles ?? certificateFilesIn(process.env[CERTIFICATES_DIR_ENV] || path.join(__dirname, "certs"));
  const stack = new TerraformStack(scope, id);
  new DockerHost(stack, "docker");
  addMessagingAspects(stack, { labels: { "cdktf-docker-messaging.example": "tls-own-certificates" } });
  const network = new Network(stack, "network", { name: prefix });

  const brokerName = `${prefix}-rabbitmq`;
  const tls = TlsCertificates.fromFiles(stack, "certificates", {
    name: brokerName,
    ...files,
    // The rabbitmq image runs the broker as uid:gid 999:999: the key is installed for it.
    keyOwnerUid: 999,
    keyOwnerGid: 999,
    // A demo: `cdktf destroy` removes the installed copies too.
    removalPolicy: "destroy",
  });
  const rabbitmq = new RabbitMqBroker(stack, "rabbitmq", {
    network,
    name: brokerName,
    amqpHostPort: options.amqpsHostPort ?? 5671,
    tls: { certificates: tls },
    dataRemovalPolicy: "destroy",
  });
  const payments = rabbitmq.addQueue("payments");

  // The apps get amqps:// URLs and the CA (RABBITMQ_TLS_CA_FILE), and verify the broker's name.
  const healthy = HealthCheck.exec(["test", "-f", "/tmp/app-healthy"], { intervalSeconds: 5, startPeriodSeconds: 5 });
  const producer = new AppContainer(stack, "producer", {
    name: `${prefix}-producer`,
    image: ShippedApps.rabbitmqProducer(),
    environment: { [AppEnv.PRODUCER_COUNT]: String(options.messages ?? 200), [AppEnv.PRODUCER_RATE]: "20" },
    memoryMb: 128,
    healthCheck: healthy,
  });
  payments.grantPublish(producer);
  const consumer = new AppContainer(stack, "consumer", {
    name: `${prefix}-consumer`,
    image: ShippedApps.rabbitmqConsumer(),
    memoryMb: 128,
    healthCheck: healthy,
  });
  payments.grantConsume(consumer);
  return stack;
}

if (require.main === module) {
  // Every problem of the stack as one short block naming this file and line, exit status 1.
  runSynth(() => {
    const app = new App();
    buildTlsOwnCertificatesStack(app);
    app.synth();
  });
}
