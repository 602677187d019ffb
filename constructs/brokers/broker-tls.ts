/**
 * A broker's TLS: the `tls` prop checked against the kind and the names
 * apps connect to, the certificates it yields, and what a wired app mounts
 * to verify them.
 */
import type { Construct } from "constructs";
import { report } from "../errors/problems";
import type { FileUpload } from "../private/container-spec";
import { checkKnownKeys } from "../private/validation";
import { swarmOf } from "../provider/swarm-target";
import { TlsCertificates, type ITlsCertificates, type TlsFile } from "../security/tls-certificates";
import type { RemovalPolicy } from "../storage/data-volume";
import type { BrokerKindDescription } from "./broker-kind";
import { brokerNodeNames } from "./broker-naming";

/** How a broker gets its TLS certificates. */
export interface BrokerTlsOptions {
  /**
   * `"generate"`: a CA and a server certificate for every node's name, the
   * broker's name, `localhost` and 127.0.0.1, made at deploy by a one-shot
   * `openssl` job (TlsCertificates; the CA is kept across deploys). Or the
   * user's own: `TlsCertificates.fromFiles(scope, id, { ..., keyOwnerUid, keyOwnerGid })`
   * with the broker process's ids (rabbitmq: 999:999; apache/kafka: 1000:1000).
   */
  readonly certificates: "generate" | ITlsCertificates;
}

/** Where a wired app finds a TLS broker's CA certificate. */
export const APP_TLS_CA_DIR = "/etc/messaging/tls-ca";

/** The `tls` prop, checked: generated certificates, the user's, or none. */
export function resolveBrokerTls(
  scope: Construct,
  tls: BrokerTlsOptions | undefined,
  brokerName: string,
  nodeCount: number,
  description: BrokerKindDescription,
  removalPolicy: RemovalPolicy | undefined,
): ITlsCertificates | undefined {
  if (tls === undefined) return undefined;
  const fix =
    'pass { certificates: "generate" } to make them at deploy, or { certificates: TlsCertificates.fromFiles(scope, "certs", { caFile, certFile, keyFile, keyOwnerUid, keyOwnerGid }) }';
  if (tls === null || typeof tls !== "object" || Array.isArray(tls)) {
    report(scope, "tls must be an object saying where the certificates come from", tls, fix);
    return undefined;
  }
  checkKnownKeys(scope, "tls", tls, { certificates: true });
  const user = description.processUser;
  if (user === undefined) {
    report(scope, `tls: the ${description.kind} broker kind does not support TLS`, tls, "remove tls");
    return undefined;
  }
  const certificates = (tls as { certificates?: unknown }).certificates;
  if (certificates === "generate" && swarmOf(scope) !== undefined) {
    // A job writes generated certificates into volumes on one engine, which the Swarm's other nodes cannot mount.
    report(
      scope,
      'tls: { certificates: "generate" } is not available on a Swarm: the certificates would be written into volumes on one engine, which the other Swarm nodes cannot mount',
      certificates,
      `bring your own: { certificates: TlsCertificates.fromFiles(stack, "${brokerName}-tls", { caFile, certFile, keyFile, keyOwnerUid: ${user.uid}, keyOwnerGid: ${user.gid} }) } (the files become secrets of the services; the key PKCS#8)`,
    );
    return undefined;
  }
  // Apps connect to each node by its name and verify it against the certificate.
  const nodeNames = brokerNodeNames(brokerName, nodeCount);
  const serverNames = [...new Set([brokerName, ...nodeNames]), "localhost"];
  if (certificates === "generate") {
    return new TlsCertificates(scope, "tls", {
      name: brokerName,
      dnsNames: serverNames,
      keyOwnerUid: user.uid,
      keyOwnerGid: user.gid,
      removalPolicy: removalPolicy ?? "retain",
    });
  }
  if (
    certificates === undefined ||
    typeof certificates !== "object" ||
    certificates === null ||
    typeof (certificates as ITlsCertificates).brokerAttachment !== "function"
  ) {
    report(scope, "tls asks for TLS without certificates and without generating them", certificates, fix);
    return undefined;
  }
  const given = certificates as ITlsCertificates;
  const owner = given.keyOwner;
  if (owner.uid !== user.uid || owner.gid !== user.gid) {
    report(
      scope,
      `tls.certificates give the key to ${owner.uid}:${owner.gid}, but ${description.kind}'s broker process runs as ${user.uid}:${user.gid} and could not read it`,
      `${owner.uid}:${owner.gid}`,
      `pass keyOwnerUid: ${user.uid}, keyOwnerGid: ${user.gid} to TlsCertificates.fromFiles`,
    );
  }
  const uncovered = typeof given.uncoveredNames === "function" ? given.uncoveredNames(nodeNames) : [];
  if (uncovered.length > 0) {
    report(
      scope,
      `tls.certificates: the broker's certificate does not name ${uncovered.join(", ")}, which the apps connect to and verify: every TLS connection would fail its host name check`,
      uncovered,
      `issue the certificate with subjectAltName = ${serverNames.map((n) => `DNS:${n}`).join(",")} (add IP:127.0.0.1 for clients on the host)`,
    );
  }
  return given;
}

/**
 * What a wired app needs to verify the certificate of broker `brokerName`
 * (BrokerBase.appTls): the CA volume mounted read-only at
 * `/etc/messaging/tls-ca/<broker>`, the CA file's path and, on a Swarm, the
 * CA certificate as a file of the app's service.
 */
export function appTlsOf(tls: ITlsCertificates, brokerName: string) {
  const folder = `${APP_TLS_CA_DIR}/${brokerName}`;
  const file = tls.appCaFile.slice(tls.appCaFile.lastIndexOf("/") + 1);
  const attachment = tls.appAttachment();
  return {
    volumes: attachment.volumes.map((v) => ({ volumeName: v.volumeName, containerPath: folder, readOnly: true })),
    caFile: `${folder}/${file}`,
    files: (attachment.files ?? []).map((f) => ({ path: `${folder}/${f.path.slice(f.path.lastIndexOf("/") + 1)}`, content: f.content })),
  };
}

/** A certificate file as a workload's file (a secret of the service on a Swarm). */
export function tlsUpload(file: TlsFile): FileUpload {
  return { file: file.path, content: file.content, ...(file.owner ? { owner: file.owner } : {}) };
}
