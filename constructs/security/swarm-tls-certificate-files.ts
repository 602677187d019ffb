import type * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Fn, TerraformOutput, type ITerraformDependable } from "../private/framework";
import { Construct } from "constructs";
import { fail, report } from "../errors/problems";
import type { Container } from "../private/bindings";
import { escapeTemplate, terraformIdentifier } from "../private/terraform-text";
import { checkDockerName, checkKnownKeys, claimName, constructId } from "../private/validation";
import { checkCertificatePair, checkServerCertificateUse, namesNotCovered, readCertificates, readPrivateKey } from "./pem-files";
import {
  checkKeyOwner,
  FILES_PROPS,
  TLS_APP_CA_DIR,
  TLS_BROKER_FILES,
  type ITlsCertificates,
  type TlsAttachment,
  type TlsBrokerFiles,
  type TlsCertificateFilesProps,
} from "./tls-certificates";

/** Read by the broker process only. */
const KEY_MODE = 0o400;

/**
 * {@link TlsCertificates.fromFiles} on a Swarm: the user's PEM files become
 * the broker's `docker_secret`s (key, keystore) and `docker_config`-like
 * secrets (certificate, CA) mounted into each task, and the apps' CA file.
 *
 * On one engine a job installs the files into volumes; a Swarm's nodes
 * cannot mount a volume of the manager, so here there is no job and no
 * volume. Terraform reads the files at deploy (`file()`), so the JSON holds
 * their paths, never their content; the secrets' names carry a hash of the
 * content, so a renewed certificate or key rotates them and the services
 * update in place.
 *
 * The key must be PKCS#8 (`-----BEGIN PRIVATE KEY-----`): Kafka's PEM
 * keystore reads nothing else, and no job converts it here.
 */
export class SwarmTlsCertificateFiles extends Construct implements ITlsCertificates {
  /** The broker's certificate, read at synth (undefined when the file was reported). */
  private readonly leaf?: crypto.X509Certificate;
  public readonly brokerFiles: TlsBrokerFiles = TLS_BROKER_FILES;
  public readonly appCaFile = `${TLS_APP_CA_DIR}/ca.pem`;
  /** Prefix of the Docker objects and of the stack output `<name>_ca_certificate`. */
  public readonly name: string;
  /** The CA certificate (PEM), as Terraform reads it from `caFile` at deploy. */
  public readonly caCertificate: string;
  /** The stack output `<name>_ca_certificate`. */
  public readonly caOutput: TerraformOutput;
  /** The uid:gid that owns the key (the broker process must run as it). */
  public readonly keyOwner: {
    /** User id. */
    readonly uid: number;
    /** Group id. */
    readonly gid: number;
  };
  private readonly contents: { ca: string; cert: string; key: string };

  constructor(scope: Construct, id: string, props: TlsCertificateFilesProps) {
    super(scope, constructId(scope, id, "TlsCertificates"));
    if (props === undefined || props === null || typeof props !== "object") {
      fail(this, "TlsCertificateFilesProps are required", props, "pass { caFile, certFile, keyFile, keyOwnerUid, keyOwnerGid }");
    }
    checkKnownKeys(this, "TlsCertificateFilesProps", props, FILES_PROPS);
    this.name = props.name ?? id;
    checkDockerName(this, "name", this.name, "volume");
    this.keyOwner = checkKeyOwner(this, props);
    if (props.jobImage !== undefined) {
      report(this, "jobImage means nothing on a Swarm: no job installs the files there", props.jobImage, "remove jobImage");
    }
    if (props.removalPolicy !== undefined) {
      report(
        this,
        "removalPolicy means nothing on a Swarm: the files are secrets, removed with the services",
        props.removalPolicy,
        "remove removalPolicy",
      );
    }

    const cas = readCertificates(this, "caFile", props.caFile, "CA certificate");
    const chain = readCertificates(this, "certFile", props.certFile, "broker's certificate");
    const publicKey = readPrivateKey(this, "keyFile", props.keyFile);
    if (chain) {
      checkCertificatePair(this, props.certFile, chain, publicKey, cas);
      checkServerCertificateUse(this, props.certFile, chain[0]);
      this.leaf = chain[0];
    }
    if (publicKey && !/-----BEGIN PRIVATE KEY-----/.test(fs.readFileSync(props.keyFile, "utf8"))) {
      report(
        this,
        "keyFile: on a Swarm the private key must be PKCS#8 (-----BEGIN PRIVATE KEY-----): Kafka's PEM keystore reads nothing else, and no job converts it there",
        props.keyFile,
        "convert it: `openssl pkcs8 -topk8 -nocrypt -in <file> -out <file>.pkcs8.pem` (keep it readable only by you)",
      );
    }
    // Terraform reads the files at deploy from cdktf.out/stacks/<stack>: absolute paths.
    const read = (file: unknown) => (typeof file === "string" && file !== "" ? Fn.chomp(Fn.file(path.resolve(file))) : "");
    this.contents = { ca: read(props.caFile), cert: read(props.certFile), key: read(props.keyFile) };

    this.caCertificate = `${this.contents.ca}\n`;
    const outputName = `${terraformIdentifier(this.name)}_ca_certificate`;
    claimName(this, "terraform output", outputName, "give each TlsCertificates its own name (output names replace '-' and '.' with '_')");
    this.caOutput = new TerraformOutput(this, "ca-certificate", {
      value: this.caCertificate,
      description: `CA certificate (PEM) of ${escapeTemplate(this.name)}: \`terraform output -raw ${outputName} > ca.pem\` to trust it from the host`,
    });
    this.caOutput.overrideLogicalId(outputName);
  }

  public uncoveredNames(names: readonly string[]): string[] {
    return this.leaf ? namesNotCovered(this.leaf, names) : [];
  }

  /** There is no job on a Swarm: reading this throws. */
  public get job(): Container {
    throw new Error(`TlsCertificates ${this.name} are on a Swarm: no job installs them (the files are secrets of the services)`);
  }

  public brokerAttachment(): TlsAttachment {
    const owned = { ...this.keyOwner, mode: KEY_MODE };
    const { ca, cert, key } = this.contents;
    return {
      volumes: [],
      labels: {},
      dependsOn: [],
      files: [
        { path: this.brokerFiles.caFile, content: `${ca}\n` },
        { path: this.brokerFiles.certFile, content: `${cert}\n` },
        { path: this.brokerFiles.keyFile, content: `${key}\n`, owner: owned },
        // Key, then the chain, then the CA: the layout the job writes on one engine.
        { path: this.brokerFiles.keystoreFile, content: `${key}\n${cert}\n${ca}\n`, owner: owned },
      ],
    };
  }

  public appAttachment(): TlsAttachment {
    return { volumes: [], labels: {}, dependsOn: [], files: [{ path: this.appCaFile, content: `${this.contents.ca}\n` }] };
  }

  public startDependencies(): ITerraformDependable[] {
    return [];
  }
}
