import type * as crypto from "crypto";
import * as path from "path";
import { Fn, TerraformOutput, type ITerraformDependable } from "../private/framework";
import { Construct, type IConstruct } from "constructs";
import { fail, report } from "../errors/problems";
import { ContainerImage } from "../images/container-image";
import { DefaultImages } from "../images/default-images";
import type { Container } from "../private/bindings";
import { declareOneShotJob } from "../private/one-shot-job";
import { defaultHardening } from "./container-hardening";
import { LABEL_PREFIX } from "../private/labels";
import { escapeTemplate, terraformIdentifier } from "../private/terraform-text";
import {
  checkDockerName,
  checkInteger,
  checkIpAddress,
  checkKnownKeys,
  checkOneOf,
  claimName,
  isToken,
  constructId,
} from "../private/validation";
import { DataVolume, type RemovalPolicy } from "../storage/data-volume";
import { checkCertificatePair, checkServerCertificateUse, namesNotCovered, readCertificates, readPrivateKey } from "./pem-files";
import { swarmOf } from "../provider/swarm-target";
import { SwarmTlsCertificateFiles } from "./swarm-tls-certificate-files";
import { generateScript, importScript, JOB_PATHS, type KeyOwner } from "./tls-job-scripts";
import { TopologyComment } from "../topology/topology-comment";

/** Where a broker container finds its TLS files (the server volume, mounted read-only). */
export const TLS_BROKER_DIR = "/etc/messaging/tls";
/** Where an app container finds the CA certificate (the CA volume, mounted read-only). */
export const TLS_APP_CA_DIR = "/etc/messaging/tls-ca";
/**
 * A label on every container that mounts the certificates, holding the
 * job's container id: when the job runs again (new certificates), the
 * containers are replaced and load the new files.
 */
export const TLS_REVISION_LABEL = `${LABEL_PREFIX}.tls-revision`;

/** In-container paths of a broker's TLS files. */
export interface TlsBrokerFiles {
  /** The CA certificate(s) that clients trust (RabbitMQ `ssl_options.cacertfile`). */
  readonly caFile: string;
  /** The server certificate, then any intermediates (RabbitMQ `ssl_options.certfile`). */
  readonly certFile: string;
  /** The private key, unencrypted PKCS#8, mode 0400, owned by the broker's uid:gid (RabbitMQ `ssl_options.keyfile`). */
  readonly keyFile: string;
  /**
   * Key (PKCS#8) + certificate chain + CA in one PEM file, mode 0400, for
   * Kafka's `ssl.keystore.type=PEM` with `ssl.keystore.location` (no key password).
   */
  readonly keystoreFile: string;
}

/** A named volume to mount. */
export interface TlsVolumeMount {
  /** The Docker volume. */
  readonly volumeName: string;
  /** Where it is mounted in the container. */
  readonly containerPath: string;
  /** Whether the mount is read-only. */
  readonly readOnly: boolean;
}

/** A file of the certificates put into a Swarm service's tasks (a docker secret). */
export interface TlsFile {
  /** Where it is in the task. */
  readonly path: string;
  /** Its content, a Terraform template string (Terraform reads the PEM files at deploy). */
  readonly content: string;
  /**
   * Owner and mode (the private key: the broker's uid:gid, 0400).
   * @default - root, 0444
   */
  readonly owner?: {
    /** User id. */
    readonly uid: number;
    /** Group id. */
    readonly gid: number;
    /** File mode, e.g. 0o400. */
    readonly mode: number;
  };
}

/** What a container needs to use the certificates: pass these to declareContainer's spec. */
export interface TlsAttachment {
  /** The volumes to mount. */
  readonly volumes: readonly TlsVolumeMount[];
  /**
   * Files to put into the workload instead (on a Swarm, whose nodes cannot mount the manager's volumes).
   * @default - none
   */
  readonly files?: readonly TlsFile[];
  /** {@link TLS_REVISION_LABEL}: the container is replaced when the certificates are issued again. */
  readonly labels: Readonly<Record<string, string>>;
  /** The certificates job: the container must be created after it has finished. */
  readonly dependsOn: readonly ITerraformDependable[];
}

/**
 * TLS certificates for one broker, whatever their origin
 * ({@link TlsCertificates} generates them at deploy,
 * {@link TlsCertificates.fromFiles} installs the user's). Brokers take this
 * interface.
 */
export interface ITlsCertificates extends IConstruct {
  /** In-container paths of the broker's files (under {@link TLS_BROKER_DIR}). */
  readonly brokerFiles: TlsBrokerFiles;
  /** In-container path of the CA certificate for apps (`KAFKA_TLS_CA_FILE`, `RABBITMQ_TLS_CA_FILE`). */
  readonly appCaFile: string;
  /**
   * The CA certificate (PEM), a Terraform expression known after deploy:
   * also the stack output `<name>_ca_certificate`.
   */
  readonly caCertificate: string;
  /** The one-shot job that writes the files into the volumes (`node.defaultChild`). */
  readonly job: Container;
  /** Mounts for a broker container: key, certificate, keystore and CA (read-only). Broker containers only. */
  brokerAttachment(): TlsAttachment;
  /** Mounts for an app container: the CA certificate only, read-only. */
  appAttachment(): TlsAttachment;
  /** What must have finished before a container using the certificates starts: the job. */
  startDependencies(): ITerraformDependable[];
  /**
   * The names of `names` the broker's certificate does not cover (its
   * subjectAltName), when that is known at synth: a broker checks the names
   * its apps connect to and verify. Certificates that cannot tell leave it out.
   */
  uncoveredNames?(names: readonly string[]): string[];
  /** The uid:gid that owns the key (the broker process must run as it). */
  readonly keyOwner: {
    /** User id. */
    readonly uid: number;
    /** Group id. */
    readonly gid: number;
  };
}

/** The props both kinds share. */
export interface TlsCertificatesBaseProps {
  /**
   * Prefix of the Docker objects: job `<name>-tls`, volumes
   * `<name>-tls-server`, `<name>-tls-ca` (and `<name>-tls-ca-private`),
   * stack output `<name>_ca_certificate`. Usually the broker's name.
   * @default - the construct id
   */
  readonly name?: string;
  /** User id of the broker process that reads the key: 999 for rabbitmq, 1000 (appuser) for apache/kafka. */
  readonly keyOwnerUid: number;
  /** Group id of the broker process that reads the key. */
  readonly keyOwnerGid: number;
  /**
   * What `cdktf destroy` does to the volumes (see RemovalPolicy). With
   * `"retain"` the CA survives a destroy, so clients keep trusting the next deploy.
   * @default "retain"
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Image of the job: any image with `/bin/sh` and an `openssl` 3 binary.
   * @default - the default RabbitMQ image (DefaultImages.rabbitmq), which ships openssl
   */
  readonly jobImage?: ContainerImage;
}

/** Props of {@link TlsCertificates} (certificates generated at deploy). */
export interface TlsCertificatesProps extends TlsCertificatesBaseProps {
  /**
   * DNS names in the server certificate: every node's name, the broker's
   * name (its network alias), and `localhost` for clients on the host.
   */
  readonly dnsNames: string[];
  /**
   * IP addresses in the server certificate.
   * @default ["127.0.0.1"] - host clients of ports published on loopback
   */
  readonly ipAddresses?: string[];
  /**
   * Days the server certificate is valid. A re-run of the job issues a new
   * one within 30 days of expiry.
   * @default 825
   */
  readonly validityDays?: number;
  /**
   * Days the CA certificate is valid (it is created once and kept).
   * @default 3650
   */
  readonly caValidityDays?: number;
}

/** Props of {@link TlsCertificates.fromFiles} (certificates the user supplies). */
export interface TlsCertificateFilesProps extends TlsCertificatesBaseProps {
  /** PEM file of the CA certificate(s) clients trust. */
  readonly caFile: string;
  /** PEM file of the broker's certificate, optionally followed by intermediates. */
  readonly certFile: string;
  /**
   * PEM file of the broker's unencrypted private key (PKCS#8, PKCS#1 or
   * SEC1). Read by Terraform at deploy (`upload.source`): its content is
   * never in the synthesized JSON nor in the Terraform state.
   */
  readonly keyFile: string;
}

const BASE_PROPS: Record<keyof TlsCertificatesBaseProps, true> = {
  name: true,
  keyOwnerUid: true,
  keyOwnerGid: true,
  removalPolicy: true,
  jobImage: true,
};
const GENERATED_PROPS: Record<keyof TlsCertificatesProps, true> = {
  ...BASE_PROPS,
  dnsNames: true,
  ipAddresses: true,
  validityDays: true,
  caValidityDays: true,
};
/**
 * The props `fromFiles` knows, on one engine and on a Swarm.
 * @internal
 */
export const FILES_PROPS: Record<keyof TlsCertificateFilesProps, true> = { ...BASE_PROPS, caFile: true, certFile: true, keyFile: true };

/** One DNS name: labels of letters, digits and '-', or a leading `*.` wildcard. */
const DNS_NAME = /^(\*\.)?([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
/** A CA output is every certificate block the job printed (it prints nothing else that looks like one). */
const CERTIFICATE_PATTERN = "-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----";

/** Where the broker's files are in its containers, whatever their origin. */
export const TLS_BROKER_FILES: TlsBrokerFiles = {
  caFile: `${TLS_BROKER_DIR}/ca.pem`,
  certFile: `${TLS_BROKER_DIR}/cert.pem`,
  keyFile: `${TLS_BROKER_DIR}/key.pem`,
  keystoreFile: `${TLS_BROKER_DIR}/keystore.pem`,
};

/**
 * The key owner props, checked (each reported when missing or not an id):
 * the uid:gid the broker process runs as, which the key is given to.
 * @internal
 */
export function checkKeyOwner(scope: IConstruct, props: TlsCertificatesBaseProps): { uid: number; gid: number } {
  for (const field of ["keyOwnerUid", "keyOwnerGid"] as const) {
    if (props[field] === undefined)
      report(
        scope,
        `${field} is required`,
        props[field],
        "pass the id the broker process runs as: 999 for the rabbitmq image, 1000 for apache/kafka",
      );
    else checkInteger(scope, field, props[field], 0, "pass a numeric id between 0 and 2147483647", 2147483647);
  }
  return { uid: safeId(props.keyOwnerUid), gid: safeId(props.keyOwnerGid) };
}

/** The shared shape: volumes, the job, the CA output. */
abstract class TlsCertificatesBase extends Construct implements ITlsCertificates {
  public readonly brokerFiles: TlsBrokerFiles = TLS_BROKER_FILES;
  public readonly appCaFile = `${TLS_APP_CA_DIR}/ca.pem`;
  /** Prefix of the Docker objects (job `<name>-tls`, volumes `<name>-tls-*`). */
  public readonly name: string;
  /** The broker's key, certificate and keystore (mounted into broker containers only). */
  public readonly serverVolume: DataVolume;
  /** The CA certificate (mounted read-only into apps). */
  public readonly caVolume: DataVolume;
  public readonly job: Container;
  public readonly caCertificate: string;
  /** The stack output `<name>_ca_certificate`. */
  public readonly caOutput: TerraformOutput;
  /** @internal */
  protected readonly owner: KeyOwner;
  /** The uid:gid that owns the key (the broker process must run as it). */
  public get keyOwner(): {
    /** User id. */
    readonly uid: number;
    /** Group id. */
    readonly gid: number;
  } {
    return this.owner;
  }
  /** What `cdktf destroy` does to the certificate volumes. */
  protected readonly removalPolicy: RemovalPolicy;
  /** The CA key and certificate, mounted into the job only (generated certificates). */
  protected readonly caPrivate?: DataVolume;

  /**
   * @param uploads the job receives files by `upload` (the user's own
   * certificates). Docker refuses every upload into a container with a
   * read-only root filesystem (the provider extracts its archive at `/`,
   * which is not a volume), so that job keeps a writable root; its script
   * deletes the uploaded copies.
   */
  protected constructor(
    scope: Construct,
    id: string,
    props: TlsCertificatesBaseProps,
    known: Record<string, true>,
    propsName: string,
    ownCa: boolean,
    uploads = false,
  ) {
    super(scope, constructId(scope, id, "TlsCertificates"));
    TopologyComment.of(this);
    if (props === undefined || props === null || typeof props !== "object") {
      fail(this, `${propsName} are required`, props, "pass { keyOwnerUid: 999, keyOwnerGid: 999, ... }");
    }
    checkKnownKeys(this, propsName, props, known);
    this.name = props.name ?? id;
    checkDockerName(this, "name", this.name, "volume");
    checkOneOf(this, "removalPolicy", props.removalPolicy, ["retain", "destroy"]);
    this.removalPolicy = props.removalPolicy === "destroy" ? "destroy" : "retain";
    this.owner = checkKeyOwner(this, props);
    if (props.jobImage !== undefined && !(props.jobImage instanceof ContainerImage)) {
      report(this, "jobImage is not a ContainerImage", props.jobImage, 'use ContainerImage.fromRegistry("name:tag") or fromLocal(...)');
    }

    this.serverVolume = this.volume("server-volume", `${this.name}-tls-server`);
    this.caVolume = this.volume("ca-volume", `${this.name}-tls-ca`);
    if (ownCa) this.caPrivate = this.volume("ca-private-volume", `${this.name}-tls-ca-private`);
    const image = (props.jobImage instanceof ContainerImage ? props.jobImage : ContainerImage.fromRegistry(DefaultImages.rabbitmq)).bind(
      this,
    );
    const job = declareOneShotJob(this, "job", {
      name: `${this.name}-tls`,
      image,
      component: "tls-certificates",
      networks: [],
      entrypoint: ["/bin/sh", "-c"],
      command: () => [escapeTemplate(this.script())],
      volumes: [
        { volumeName: this.serverVolume.volumeName, containerPath: JOB_PATHS.server },
        { volumeName: this.caVolume.volumeName, containerPath: JOB_PATHS.ca },
        ...(this.caPrivate ? [{ volumeName: this.caPrivate.volumeName, containerPath: JOB_PATHS.caPrivate }] : []),
      ],
      memoryMb: 128,
      // Hardened like every job, but as root it must give the key to the
      // broker's uid (CHOWN), set modes on files it no longer owns (FOWNER)
      // and read a 0400 key of another uid on a re-run (DAC_OVERRIDE).
      hardening: defaultHardening({
        role: "certificates job",
        addCapabilities: ["CHOWN", "DAC_OVERRIDE", "FOWNER"],
        readOnlyRootFilesystem: !uploads,
        readOnlyAllowed: true,
        tmpfsSizeMb: { "/tmp": 16 },
      }),
      failureMessage: `The TLS certificates job of ${this.name} failed: see \`docker logs ${this.name}-tls\`.`,
      postconditions: [
        {
          condition: `\${can(regex("${CERTIFICATE_PATTERN}", self.container_logs))}`,
          error_message: `The TLS certificates job of ${this.name} printed no CA certificate: see \`docker logs ${this.name}-tls\`.`,
        },
      ],
    });
    // Root in the job only: it sets the files' owner to the broker's uid:gid.
    job.user = "0:0";
    // openssl needs no network.
    job.networkMode = "none";
    // The job's output (progress lines, then the CA certificate; never a key)
    // is kept in the state as container_logs, captured while attached.
    job.logs = true;
    this.job = job;
    this.node.defaultChild = job;

    // Read from the job's own resource, not a docker_logs data source: the
    // data source crashes the provider on a log line of 9 characters (see README).
    this.caCertificate = `${Fn.join("\n", Fn.regexall(CERTIFICATE_PATTERN, job.containerLogs))}\n`;
    const outputName = `${terraformIdentifier(this.name)}_ca_certificate`;
    claimName(this, "terraform output", outputName, "give each TlsCertificates its own name (output names replace '-' and '.' with '_')");
    this.caOutput = new TerraformOutput(this, "ca-certificate", {
      value: this.caCertificate,
      description: `CA certificate (PEM) of ${this.name}: \`terraform output -raw ${outputName} > ca.pem\` to trust it from the host`,
    });
    this.caOutput.overrideLogicalId(outputName);
  }

  public brokerAttachment(): TlsAttachment {
    return {
      volumes: [{ volumeName: this.serverVolume.volumeName, containerPath: TLS_BROKER_DIR, readOnly: true }],
      labels: { [TLS_REVISION_LABEL]: this.job.id },
      dependsOn: [this.job],
    };
  }

  public appAttachment(): TlsAttachment {
    return {
      volumes: [{ volumeName: this.caVolume.volumeName, containerPath: TLS_APP_CA_DIR, readOnly: true }],
      labels: { [TLS_REVISION_LABEL]: this.job.id },
      dependsOn: [this.job],
    };
  }

  public startDependencies(): ITerraformDependable[] {
    return [this.job];
  }

  /** The job's script (rendered at synth). */
  protected abstract script(): string;

  /** A volume of the certificates, with their removal policy. */
  protected volume(id: string, name: string): DataVolume {
    return new DataVolume(this, id, { name, removalPolicy: this.removalPolicy });
  }
}

/**
 * TLS certificates for one broker, generated at deploy by a one-shot
 * container running `openssl` (the `hashicorp/tls` provider is not needed).
 *
 * Declares three volumes and the job:
 * - `<name>-tls-ca-private`: the CA key and certificate, mounted only into
 *   the job. The CA is created on the first run and kept: a re-run (a new
 *   SAN list, `terraform apply -replace`) never changes the CA clients trust.
 * - `<name>-tls-server`: the broker's `key.pem` (PKCS#8, 0400, owned by
 *   keyOwnerUid:keyOwnerGid), `cert.pem`, `keystore.pem` (key + certificate
 *   + CA, 0400, for Kafka's PEM keystore) and `ca.pem`; mount it into broker
 *   containers only ({@link brokerAttachment}).
 * - `<name>-tls-ca`: `ca.pem` only, mounted read-only into apps ({@link appAttachment}).
 * - the job `<name>-tls`: issues the server certificate when it is missing,
 *   when its SANs differ from `dnsNames` + `ipAddresses`, when it does not
 *   verify against the CA or is within 30 days of expiry; prints only the
 *   CA certificate, which becomes the stack output `<name>_ca_certificate`.
 *
 * No private key is in the synthesized JSON, the Terraform state or the job's output.
 *
 * @example
 * const tls = new TlsCertificates(stack, "rabbit-tls", {
 *   name: "rabbit",
 *   dnsNames: ["rabbit", "localhost"],
 *   keyOwnerUid: 999,
 *   keyOwnerGid: 999,
 * });
 */
export class TlsCertificates extends TlsCertificatesBase {
  /**
   * Certificates the user supplies as PEM files, checked at synth (the files
   * exist, hold the right kind of PEM, the key belongs to the certificate,
   * the CA signed it). The job receives them through `upload.source` (read
   * by Terraform at deploy; the JSON holds the paths and a `filesha256`
   * call, never the content), installs them in the same volumes and modes as
   * generated certificates, and deletes its uploaded copies.
   *
   * On a Swarm there is no job: the files become secrets of the broker's
   * and the apps' services (see SwarmTlsCertificateFiles), and the key must be PKCS#8.
   */
  public static fromFiles(scope: Construct, id: string, props: TlsCertificateFilesProps): ITlsCertificates {
    if (scope instanceof Construct && swarmOf(scope) !== undefined) return new SwarmTlsCertificateFiles(scope, id, props);
    return new TlsCertificateFiles(scope, id, props);
  }

  /** The DNS names the broker certificate is valid for. */
  public readonly dnsNames: readonly string[];
  /** The IP addresses the broker certificate is valid for. */
  public readonly ipAddresses: readonly string[];
  private readonly validityDays: number;
  private readonly caValidityDays: number;

  constructor(scope: Construct, id: string, props: TlsCertificatesProps) {
    super(scope, id, props, GENERATED_PROPS, "TlsCertificatesProps", true);
    if (swarmOf(this) !== undefined) {
      report(
        this,
        "generated certificates are not available on a Swarm: a job writes them into volumes on one engine, which the other Swarm nodes cannot mount",
        this.name,
        "on a Swarm, bring your own: TlsCertificates.fromFiles(scope, id, { caFile, certFile, keyFile, keyOwnerUid, keyOwnerGid }) (the files become secrets of the services)",
      );
    }
    this.dnsNames = checkDnsNames(this, props.dnsNames);
    this.ipAddresses = checkIpAddresses(this, props.ipAddresses ?? ["127.0.0.1"]);
    const validityOk = checkInteger(this, "validityDays", props.validityDays, 1, "use a number of days between 1 and 3650", 3650);
    const caValidityOk = checkInteger(this, "caValidityDays", props.caValidityDays, 1, "use a number of days between 1 and 36500", 36500);
    this.validityDays = validityOk && typeof props.validityDays === "number" ? props.validityDays : 825;
    this.caValidityDays = caValidityOk && typeof props.caValidityDays === "number" ? props.caValidityDays : 3650;
    if (this.validityDays > this.caValidityDays) {
      report(
        this,
        "validityDays is longer than caValidityDays: the server certificate would outlive its CA",
        this.validityDays,
        `use validityDays <= ${this.caValidityDays}, or raise caValidityDays`,
      );
    }
  }

  /** The CA key and certificate (mounted into the job only). */
  public get caPrivateVolume(): DataVolume {
    return this.caPrivate!;
  }

  /** The names of `names` that `dnsNames` does not cover (a `*.` wildcard covers one label). */
  public uncoveredNames(names: readonly string[]): string[] {
    // A wildcard covers one label: node names have none to spare.
    const covers = (pattern: string, name: string) =>
      pattern === name ||
      (pattern.startsWith("*.") && name.endsWith(pattern.slice(1)) && !name.slice(0, -(pattern.length - 1)).includes("."));
    return names.filter((name) => !this.dnsNames.some((pattern) => covers(pattern, name)));
  }

  protected script(): string {
    return generateScript({
      name: this.name,
      dnsNames: this.dnsNames,
      ipAddresses: this.ipAddresses,
      validityDays: this.validityDays,
      caValidityDays: this.caValidityDays,
      owner: this.owner,
    });
  }
}

/** {@link TlsCertificates.fromFiles}. */
class TlsCertificateFiles extends TlsCertificatesBase {
  /** The broker's certificate, read at synth (undefined when the file was reported). */
  private readonly leaf?: crypto.X509Certificate;

  constructor(scope: Construct, id: string, props: TlsCertificateFilesProps) {
    super(scope, id, props, FILES_PROPS, "TlsCertificateFilesProps", false, true);
    const cas = readCertificates(this, "caFile", props.caFile, "CA certificate");
    const chain = readCertificates(this, "certFile", props.certFile, "broker's certificate");
    const publicKey = readPrivateKey(this, "keyFile", props.keyFile);
    if (chain) {
      checkCertificatePair(this, props.certFile, chain, publicKey, cas);
      checkServerCertificateUse(this, props.certFile, chain[0]);
      this.leaf = chain[0];
    }
    // Terraform reads the files at deploy; its working folder is cdktf.out/stacks/<stack>, so the paths are absolute.
    const uploads = (["caFile", "certFile", "keyFile"] as const)
      .filter((field) => typeof props[field] === "string" && props[field] !== "")
      .map((field) => {
        const source = path.resolve(props[field]);
        return {
          file: `${JOB_PATHS.input}/${{ caFile: "ca.pem", certFile: "cert.pem", keyFile: "key.pem" }[field]}`,
          source,
          // Hashed by Terraform at plan, so a changed file replaces the job (and the containers using it).
          sourceHash: Fn.filesha256(source),
          permissions: "0400",
        };
      });
    this.job.putUpload(uploads);
  }

  protected script(): string {
    return importScript(this.owner);
  }

  public uncoveredNames(names: readonly string[]): string[] {
    return this.leaf ? namesNotCovered(this.leaf, names) : [];
  }
}

function safeId(value: unknown): number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : 0;
}

function checkDnsNames(scope: IConstruct, given: unknown): string[] {
  if (!Array.isArray(given) || given.length === 0) {
    report(
      scope,
      "dnsNames must be a non-empty list",
      given,
      'list every node name, the broker name and "localhost", e.g. ["rabbit", "localhost"]',
    );
    return ["localhost"];
  }
  const names: string[] = [];
  for (const name of given) {
    if (isToken(name)) {
      report(scope, "dnsNames must be literals: they are compared by the job on every run", name, "pass the names as strings");
    } else if (typeof name !== "string" || name.length > 253 || !DNS_NAME.test(name)) {
      report(
        scope,
        "dnsNames holds a name that is not a DNS name",
        name,
        "use labels of letters, digits and '-' separated by '.' (a leading '*.' is allowed)",
      );
    } else if (names.includes(name)) {
      report(scope, "dnsNames holds a name twice", name, "list each name once");
    } else {
      names.push(name);
    }
  }
  return names.length > 0 ? names : ["localhost"];
}

function checkIpAddresses(scope: IConstruct, given: unknown): string[] {
  if (!Array.isArray(given)) {
    report(scope, "ipAddresses must be a list", given, 'pass e.g. ["127.0.0.1"], or [] for none');
    return [];
  }
  return given.filter((ip, index) => {
    if (isToken(ip)) {
      report(scope, "ipAddresses must be literals", ip, "pass the addresses as strings");
      return false;
    }
    return checkIpAddress(scope, `ipAddresses[${index}]`, ip) && given.indexOf(ip) === index;
  });
}
