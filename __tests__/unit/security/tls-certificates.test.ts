/**
 * TlsCertificates: the certificates job and its volumes, what a broker and
 * an app container get, the CA output, user-supplied PEM files checked at
 * synth, and that no private key ever reaches the synthesized JSON.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { TerraformStack } from "cdktf";
import {
  TLS_APP_CA_DIR,
  TLS_BROKER_DIR,
  TLS_REVISION_LABEL,
  TlsCertificates,
  type TlsCertificateFilesProps,
  type TlsCertificatesProps,
} from "../../../constructs";
import { declareContainer } from "../../../constructs/private/container-spec";
import { ContainerImage } from "../../../constructs/images/container-image";
import { container, newStack, problemMessages, resources, synth } from "../helpers";

const FIXTURES = path.join(__dirname, "..", "..", "fixtures", "tls");
const fixture = (name: string): string => path.join(FIXTURES, name);
const FILES: Omit<TlsCertificateFilesProps, "keyOwnerUid" | "keyOwnerGid"> = {
  caFile: fixture("ca.pem"),
  certFile: fixture("server.pem"),
  keyFile: fixture("server.key"),
};

function generated(stack: TerraformStack, props: Partial<TlsCertificatesProps> = {}, id = "rabbit-tls"): TlsCertificates {
  return new TlsCertificates(stack, id, {
    name: "rabbit",
    dnsNames: ["rabbit", "localhost"],
    keyOwnerUid: 999,
    keyOwnerGid: 999,
    ...props,
  });
}

function fromFiles(stack: TerraformStack, props: Partial<TlsCertificateFilesProps> = {}) {
  return TlsCertificates.fromFiles(stack, "kafka-tls", { name: "kafka", ...FILES, keyOwnerUid: 1000, keyOwnerGid: 1000, ...props });
}

/** The base64 lines of a PEM private key: none of them may appear in synthesized output. */
function keyLines(file: string): string[] {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.length >= 16 && !line.startsWith("-----"));
}

/** Every `${...}` reference of a resource's config, as "type.name". */
function references(config: unknown): string[] {
  const found = JSON.stringify(config).match(/\b(docker_[a-z_]+|data\.docker_[a-z_]+)\.[A-Za-z0-9_-]+/g) ?? [];
  return [...new Set(found)].sort();
}

describe("TlsCertificates (generated at deploy)", () => {
  test("declares a one-shot openssl job as root, without network, that keeps its output", () => {
    const stack = newStack();
    generated(stack);
    const job = container(synth(stack).json, "rabbit-tls");
    expect(job).toMatchObject({
      must_run: false,
      attach: true,
      logs: true,
      restart: "no",
      user: "0:0",
      network_mode: "none",
      entrypoint: ["/bin/sh", "-c"],
    });
    expect(job.lifecycle.postcondition.map((p: any) => p.condition)).toEqual([
      "${self.exit_code == 0}",
      '${can(regex("-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----", self.container_logs))}',
    ]);
  });

  test("mounts the server, CA and CA private volumes into the job; the CA private volume nowhere else", () => {
    const stack = newStack();
    const tls = generated(stack);
    const { json } = synth(stack);
    expect(container(json, "rabbit-tls").volumes.map((v: any) => v.container_path)).toEqual(["/tls/server", "/tls/ca", "/tls/ca-private"]);
    expect([tls.serverVolume.volumeName, tls.caVolume.volumeName, tls.caPrivateVolume.volumeName]).toEqual([
      "rabbit-tls-server",
      "rabbit-tls-ca",
      "rabbit-tls-ca-private",
    ]);
    const mounted = [...tls.brokerAttachment().volumes, ...tls.appAttachment().volumes].map((v) => v.volumeName);
    expect(mounted).not.toContain("rabbit-tls-ca-private");
  });

  test("the script keeps an existing CA, compares the SANs and prints only the CA certificate", () => {
    const stack = newStack();
    generated(stack, { dnsNames: ["rabbit-1", "rabbit", "localhost"], ipAddresses: ["127.0.0.1", "::1"], validityDays: 90 });
    const script: string = container(synth(stack).json, "rabbit-tls").command[0];
    expect(script).toContain(`SAN='DNS:rabbit-1,DNS:rabbit,DNS:localhost,IP:127.0.0.1,IP:::1'`);
    expect(script).toMatch(/if \[ -s "\$C\/ca\.key" \] && \[ -s "\$C\/ca\.pem" \]; then\n  echo "tls: keeping the CA/);
    expect(script).toContain('[ "$(cat "$S/san.txt" 2>/dev/null)" = "$SAN" ]');
    expect(script).toContain("-days 90 ");
    expect(script).toContain('chown "$OWNER" "$S/.new/key.pem" "$S/.new/keystore.pem"');
    expect(script).toContain('chmod 400 "$S/.new/key.pem" "$S/.new/keystore.pem"');
    // The key is written with -out into the volume; what reaches stdout is the CA file, last.
    expect(script.trim().split("\n").pop()).toBe('cat "$C/ca.pem"');
    expect(script).not.toMatch(/cat "\$S\/(key|keystore)\.pem"\s*$/m);
    // Terraform would interpolate "${" in the command.
    expect(script).not.toMatch(/(^|[^$])\$\{/);
  });

  test("the job depends on nothing but its image and volumes", () => {
    const stack = newStack();
    const tls = generated(stack, { removalPolicy: "destroy" });
    const job = container(synth(stack).json, "rabbit-tls");
    expect(job.depends_on).toBeUndefined();
    const refs = references(job);
    expect(refs.every((r) => r.startsWith("docker_volume.") || r.startsWith("docker_image."))).toBe(true);
    expect(refs.filter((r) => r.startsWith("docker_volume."))).toHaveLength(3);
    expect(tls.startDependencies()).toEqual([tls.job]);
  });

  test("exports the CA certificate read from the job's container_logs as <name>_ca_certificate", () => {
    const stack = newStack();
    generated(stack, { name: "rabbit-a" });
    const { json } = synth(stack);
    expect(Object.keys(json.output)).toEqual(["rabbit_a_ca_certificate"]);
    const job = Object.keys(json.resource.docker_container).find((k) => json.resource.docker_container[k].name === "rabbit-a-tls");
    expect(json.output.rabbit_a_ca_certificate.value).toBe(
      `\${join("\\n", regexall("-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----", docker_container.${job}.container_logs))}\n`,
    );
    expect(json.output.rabbit_a_ca_certificate.sensitive).toBeUndefined();
  });

  test("volumes are retained on destroy by default, managed with removalPolicy destroy", () => {
    const kept = newStack();
    generated(kept);
    expect(resources(synth(kept).json, "docker_volume")).toEqual([]);
    const gone = newStack();
    generated(gone, { removalPolicy: "destroy" });
    expect(
      resources(synth(gone).json, "docker_volume")
        .map((v) => v.name)
        .sort(),
    ).toEqual(["rabbit-tls-ca", "rabbit-tls-ca-private", "rabbit-tls-server"]);
  });

  test("the job image defaults to the default RabbitMQ image and can be replaced", () => {
    const stack = newStack();
    generated(stack);
    generated(stack, { name: "other", jobImage: ContainerImage.fromRegistry("alpine/openssl:3.5.0") }, "other-tls");
    const images = resources(synth(stack).json, "docker_image")
      .map((i) => i.name)
      .sort();
    expect(images).toEqual(["alpine/openssl:3.5.0", "rabbitmq:4.3-management"]);
  });
});

describe("TlsCertificates: what brokers and apps get", () => {
  test("a broker mounts the server volume read-only; an app only the CA volume", () => {
    const stack = newStack();
    const tls = generated(stack);
    expect(tls.brokerFiles).toEqual({
      caFile: `${TLS_BROKER_DIR}/ca.pem`,
      certFile: `${TLS_BROKER_DIR}/cert.pem`,
      keyFile: `${TLS_BROKER_DIR}/key.pem`,
      keystoreFile: `${TLS_BROKER_DIR}/keystore.pem`,
    });
    expect(tls.appCaFile).toBe(`${TLS_APP_CA_DIR}/ca.pem`);
    expect(tls.brokerAttachment().volumes).toEqual([{ volumeName: "rabbit-tls-server", containerPath: TLS_BROKER_DIR, readOnly: true }]);
    expect(tls.appAttachment().volumes).toEqual([{ volumeName: "rabbit-tls-ca", containerPath: TLS_APP_CA_DIR, readOnly: true }]);
    for (const attachment of [tls.brokerAttachment(), tls.appAttachment()]) {
      expect(attachment.dependsOn).toEqual([tls.job]);
      expect(Object.keys(attachment.labels)).toEqual([TLS_REVISION_LABEL]);
    }
  });

  test("a container declared with an attachment mounts read-only, waits for the job and carries its id", () => {
    const stack = newStack();
    const tls = generated(stack);
    const attachment = tls.appAttachment();
    declareContainer(stack, "app", {
      name: "app",
      image: ContainerImage.fromRegistry("busybox:1.36").bind(stack),
      component: "app",
      networks: [],
      volumes: [...attachment.volumes],
      labels: { ...attachment.labels },
      dependsOn: [...attachment.dependsOn],
      memoryMb: 64,
      restart: "no",
      destroyGraceSeconds: 0,
    });
    const { json } = synth(stack);
    const app = container(json, "app");
    const jobRef = `docker_container.${Object.keys(json.resource.docker_container).find((k) => json.resource.docker_container[k].name === "rabbit-tls")}`;
    expect(app.volumes).toEqual([{ container_path: TLS_APP_CA_DIR, read_only: true, volume_name: "rabbit-tls-ca" }]);
    expect(app.depends_on).toEqual([jobRef]);
    expect(app.labels).toContainEqual({ label: TLS_REVISION_LABEL, value: `\${${jobRef}.id}` });
  });
});

describe("TlsCertificates.fromFiles (user-supplied)", () => {
  test("uploads the files by path with a plan-time hash; no private key material in the JSON", () => {
    const stack = newStack();
    fromFiles(stack);
    const { text, json } = synth(stack);
    const job = container(json, "kafka-tls");
    expect(job.upload).toEqual(
      ["ca.pem", "cert.pem", "key.pem"].map((file, i) => {
        const source = [FILES.caFile, FILES.certFile, FILES.keyFile][i];
        return { file: `/tls-input/${file}`, source, source_hash: `\${filesha256("${source}")}`, permissions: "0400" };
      }),
    );
    expect(text).not.toContain("PRIVATE KEY");
    for (const line of keyLines(fixture("server.key"))) expect(text).not.toContain(line);
    // The job installs into the same volumes and deletes its uploaded copies.
    expect(job.command[0]).toContain(`trap 'rm -rf "$I"' EXIT`);
    expect(job.volumes.map((v: any) => v.container_path)).toEqual(["/tls/server", "/tls/ca"]);
  });

  test("accepts a PKCS#1 key (the job writes PKCS#8) and a certificate followed by its CA", () => {
    expect(problemMessages((s) => fromFiles(s, { keyFile: fixture("server-pkcs1.key") }))).toEqual([]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tls-chain-"));
    try {
      const chain = path.join(dir, "chain.pem");
      fs.writeFileSync(chain, fs.readFileSync(FILES.certFile, "utf8") + fs.readFileSync(FILES.caFile, "utf8"));
      expect(problemMessages((s) => fromFiles(s, { certFile: chain }))).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("has the same interface as generated certificates", () => {
    const stack = newStack();
    const tls = fromFiles(stack);
    expect(tls.brokerAttachment().volumes).toEqual([{ volumeName: "kafka-tls-server", containerPath: TLS_BROKER_DIR, readOnly: true }]);
    expect(tls.appAttachment().volumes).toEqual([{ volumeName: "kafka-tls-ca", containerPath: TLS_APP_CA_DIR, readOnly: true }]);
    expect(tls.startDependencies()).toEqual([tls.job]);
    expect(Object.keys(synth(stack).json.output)).toEqual(["kafka_ca_certificate"]);
  });
});

describe("TlsCertificates: bad input", () => {
  const missing = path.join(FIXTURES, "missing.pem");
  const rejects: [string, (s: TerraformStack) => unknown, RegExp][] = [
    [
      "rejects a missing CA file",
      (s) => fromFiles(s, { caFile: missing }),
      /^test\/kafka-tls: caFile: the file does not exist, got ".*missing\.pem"\. Fix: pass an existing file/,
    ],
    [
      "rejects a folder as certFile",
      (s) => fromFiles(s, { certFile: FIXTURES }),
      /^test\/kafka-tls: certFile: the path is not a file, got ".*tls"\. Fix: /,
    ],
    [
      "rejects a CA file that is not PEM",
      (s) => fromFiles(s, { caFile: fixture("not-pem.txt") }),
      /^test\/kafka-tls: caFile: the file is not a PEM certificate, got ".*not-pem\.txt"\. Fix: pass the CA certificate as PEM/,
    ],
    [
      "rejects a key given as certFile",
      (s) => fromFiles(s, { certFile: fixture("server.key") }),
      /^test\/kafka-tls: certFile: the file is not a PEM certificate \(it holds a private key\), got ".*server\.key"\./,
    ],
    [
      "rejects a key file that is not a key",
      (s) => fromFiles(s, { keyFile: fixture("server.pem") }),
      /^test\/kafka-tls: keyFile: the file is not a PEM private key \(it holds a certificate\), got ".*server\.pem"\. Fix: /,
    ],
    [
      "rejects a key file that is not PEM",
      (s) => fromFiles(s, { keyFile: fixture("not-pem.txt") }),
      /^test\/kafka-tls: keyFile: the file is not a PEM private key, got /,
    ],
    [
      "rejects an encrypted key",
      (s) => fromFiles(s, { keyFile: fixture("encrypted.key") }),
      /^test\/kafka-tls: keyFile: the private key is encrypted, got ".*encrypted\.key"\. Fix: decrypt it/,
    ],
    [
      "rejects a key the certificate does not belong to",
      (s) => fromFiles(s, { keyFile: fixture("other.key") }),
      /^test\/kafka-tls: certFile: the certificate does not belong to the private key of keyFile, got ".*server\.pem"/,
    ],
    [
      "rejects a certificate the CA did not issue",
      (s) => fromFiles(s, { caFile: fixture("other-ca.pem") }),
      /^test\/kafka-tls: certFile: the certificate is not issued by the CA of caFile, got ".*server\.pem"/,
    ],
    [
      "rejects a CA certificate as certFile",
      (s) => fromFiles(s, { certFile: fixture("ca.pem"), keyFile: fixture("other.key") }),
      /certFile: the certificate is a CA certificate, not a server certificate/,
    ],
    [
      "rejects fromFiles without keyOwnerUid",
      (s) => fromFiles(s, { keyOwnerUid: undefined }),
      /^test\/kafka-tls: keyOwnerUid is required, got undefined\. Fix: pass the id the broker process runs as/,
    ],
    [
      "rejects no DNS names",
      (s) => generated(s, { dnsNames: [] }),
      /^test\/rabbit-tls: dnsNames must be a non-empty list, got \[\]\. Fix: list every node name/,
    ],
    [
      "rejects a DNS name with a space",
      (s) => generated(s, { dnsNames: ["rabbit mq"] }),
      /^test\/rabbit-tls: dnsNames holds a name that is not a DNS name, got "rabbit mq"/,
    ],
    [
      "rejects an IP address that is not one",
      (s) => generated(s, { ipAddresses: ["localhost"] }),
      /^test\/rabbit-tls: ipAddresses\[0\] is not an IP address, got "localhost"/,
    ],
    [
      "rejects a negative uid",
      (s) => generated(s, { keyOwnerUid: -1 }),
      /^test\/rabbit-tls: keyOwnerUid must be an integer between 0 and 2147483647, got -1/,
    ],
    [
      "rejects a server certificate outliving its CA",
      (s) => generated(s, { validityDays: 400, caValidityDays: 365 }),
      /^test\/rabbit-tls: validityDays is longer than caValidityDays/,
    ],
    [
      "rejects an unknown prop",
      (s) => generated(s, { dnsname: ["x"] } as never),
      /^test\/rabbit-tls: TlsCertificatesProps has no field "dnsname"/,
    ],
    [
      "rejects two certificates of the same name",
      (s) => {
        generated(s);
        generated(s, {}, "again");
      },
      /the (container|volume|terraform output) name "rabbit(-tls|-tls-server|_ca_certificate)?" is already used by test\/rabbit-tls/,
    ],
  ];
  test.each(rejects)("%s", (_name, build, message) => {
    const messages = problemMessages(build);
    expect(messages).toContainEqual(expect.stringMatching(message));
  });

  test("never puts key content in a problem", () => {
    const messages = problemMessages((s) => fromFiles(s, { keyFile: fixture("other.key"), certFile: fixture("server.key") })).join("\n");
    expect(messages).not.toContain("PRIVATE KEY");
    for (const line of [...keyLines(fixture("other.key")), ...keyLines(fixture("server.key"))]) expect(messages).not.toContain(line);
  });
});
