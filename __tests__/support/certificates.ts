/**
 * Throwaway TLS material for the apps suite, made with openssl on the host:
 * a CA, a server certificate it signs (SAN IP:127.0.0.1 and DNS:localhost,
 * the names the host clients connect to), and a second CA that signed
 * nothing the brokers present. Readable by the brokers' container users.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { run } from "./commands";

export interface TestCertificates {
  readonly dir: string;
  /** PEM: the CA that signed the server certificate. */
  readonly caFile: string;
  /** PEM: a CA that signed nothing the brokers present. */
  readonly otherCaFile: string;
  /** PEM: the server certificate. */
  readonly certFile: string;
  /** PEM, unencrypted PKCS#8 (`BEGIN PRIVATE KEY`), as Kafka's PEM keystore requires. */
  readonly keyFile: string;
  /** The key then the certificate in one file: Kafka's `ssl.keystore.type=PEM` keystore. */
  readonly keystoreFile: string;
  remove(): void;
}

/**
 * @param serverNames the DNS names the server certificate carries besides
 *   `localhost` and IP 127.0.0.1 (a broker's network name, for apps in containers)
 */
export function makeTestCertificates(serverNames: readonly string[] = []): TestCertificates {
  const dir = mkdtempSync(path.join(tmpdir(), "apps-test-tls-"));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => run("openssl", args, { cwd: dir, timeoutSeconds: 60 });
  for (const ca of ["ca", "other-ca"]) {
    openssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      `${ca}-key.pem`,
      "-out",
      `${ca}.pem`,
      "-days",
      "2",
      "-subj",
      `/CN=apps-test-${ca}`,
    );
  }
  // genpkey writes PKCS#8; `req -newkey` of some OpenSSL versions writes PKCS#1, which Kafka's PEM loader refuses.
  openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "server-key.pem");
  openssl("req", "-new", "-key", "server-key.pem", "-subj", "/CN=localhost", "-out", "server.csr");
  writeFileSync(file("server.ext"), `subjectAltName=IP:127.0.0.1,${[...serverNames, "localhost"].map((n) => `DNS:${n}`).join(",")}\n`);
  openssl(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca-key.pem",
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    "server.ext",
    "-out",
    "server.pem",
  );
  writeFileSync(file("keystore.pem"), readFileSync(file("server-key.pem"), "utf8") + readFileSync(file("server.pem"), "utf8"));
  // The brokers run as other users (kafka: uid 1000, rabbitmq: 999): test keys, world-readable on purpose.
  chmodSync(dir, 0o755);
  for (const name of readdirSync(dir)) chmodSync(file(name), 0o644);
  return {
    dir,
    caFile: file("ca.pem"),
    otherCaFile: file("other-ca.pem"),
    certFile: file("server.pem"),
    keyFile: file("server-key.pem"),
    keystoreFile: file("keystore.pem"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
