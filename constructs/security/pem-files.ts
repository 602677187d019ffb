import * as crypto from "crypto";
import * as fs from "fs";
import type { IConstruct } from "constructs";
import { report } from "../errors/problems";
import { isToken } from "../private/validation";

/**
 * Synth-time checks of user-supplied PEM files. They read the files but
 * never put their content in a message: a problem names the path only, so
 * a private key cannot leak into a synth error or a CI log.
 */

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[\s\S]*?-----END CERTIFICATE-----/g;
const KEY_BEGIN = /-----BEGIN ((?:RSA |EC |DSA |ENCRYPTED )?PRIVATE KEY)-----/;

/** The file's text, or undefined after reporting why it cannot be read. */
function readFile(scope: IConstruct, field: string, file: unknown): string | undefined {
  if (isToken(file)) {
    report(scope, `${field} must be a literal path: the file is checked at synth`, file, "pass the path as a string");
    return undefined;
  }
  if (typeof file !== "string" || file === "") {
    report(scope, `${field} must be a path to a PEM file`, file, 'pass e.g. "certs/broker.pem"');
    return undefined;
  }
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    report(scope, `${field}: the file does not exist`, file, `pass an existing file (relative paths are read from ${process.cwd()})`);
    return undefined;
  }
  if (!stat.isFile()) {
    report(scope, `${field}: the path is not a file`, file, "pass the path of a PEM file, not a folder");
    return undefined;
  }
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    report(
      scope,
      `${field}: the file cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      file,
      "make it readable by the user running synth and deploy",
    );
    return undefined;
  }
}

/** The certificates of a PEM file (one or more), or undefined after reporting. */
export function readCertificates(scope: IConstruct, field: string, file: unknown, what: string): crypto.X509Certificate[] | undefined {
  const text = readFile(scope, field, file);
  if (text === undefined) return undefined;
  const blocks = text.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) {
    const isKey = KEY_BEGIN.test(text);
    report(
      scope,
      `${field}: the file is not a PEM certificate${isKey ? " (it holds a private key)" : ""}`,
      file,
      `pass the ${what} as PEM ("-----BEGIN CERTIFICATE-----"); convert DER with \`openssl x509 -inform der -in <file> -out <file>.pem\``,
    );
    return undefined;
  }
  const certificates: crypto.X509Certificate[] = [];
  for (const [index, block] of blocks.entries()) {
    try {
      certificates.push(new crypto.X509Certificate(block));
    } catch {
      report(
        scope,
        `${field}: certificate ${index + 1} of the file cannot be parsed`,
        file,
        `check the file with \`openssl x509 -noout -text -in <file>\``,
      );
      return undefined;
    }
  }
  return certificates;
}

/**
 * The public key of an unencrypted private key file, or undefined after
 * reporting. The key itself stays in this function.
 */
export function readPrivateKey(scope: IConstruct, field: string, file: unknown): crypto.KeyObject | undefined {
  const text = readFile(scope, field, file);
  if (text === undefined) return undefined;
  const begin = KEY_BEGIN.exec(text);
  if (!begin) {
    const isCertificate = /-----BEGIN CERTIFICATE-----/.test(text);
    report(
      scope,
      `${field}: the file is not a PEM private key${isCertificate ? " (it holds a certificate)" : ""}`,
      file,
      'pass the private key as PEM ("-----BEGIN PRIVATE KEY-----", or RSA/EC PRIVATE KEY)',
    );
    return undefined;
  }
  if (begin[1] === "ENCRYPTED PRIVATE KEY" || /Proc-Type: 4,ENCRYPTED/.test(text)) {
    report(
      scope,
      `${field}: the private key is encrypted`,
      file,
      "decrypt it: `openssl pkey -in <file> -out <file>.plain.pem` (keep it readable only by you)",
    );
    return undefined;
  }
  try {
    return crypto.createPublicKey(crypto.createPrivateKey(text));
  } catch {
    report(scope, `${field}: the private key cannot be parsed`, file, "check the file with `openssl pkey -noout -in <file>`");
    return undefined;
  }
}

/** Reports a certificate that does not belong to the key or is not issued by any CA of `cas`. */
export function checkCertificatePair(
  scope: IConstruct,
  certFile: string,
  chain: readonly crypto.X509Certificate[],
  publicKey: crypto.KeyObject | undefined,
  cas: readonly crypto.X509Certificate[] | undefined,
): void {
  const leaf = chain[0];
  if (publicKey) {
    const leafKey = leaf.publicKey.export({ type: "spki", format: "der" });
    if (!leafKey.equals(publicKey.export({ type: "spki", format: "der" }))) {
      report(
        scope,
        "certFile: the certificate does not belong to the private key of keyFile",
        certFile,
        "pass the key the certificate was issued for (compare `openssl x509 -noout -pubkey` with `openssl pkey -pubout`)",
      );
    }
  }
  if (cas) {
    // Follow certFile's chain (leaf, then intermediates) as far as it goes; a CA of caFile must sign its top.
    let top = leaf;
    for (const next of chain.slice(1)) {
      if (top.checkIssued(next) && top.verify(next.publicKey)) top = next;
    }
    const signed = cas.some((ca) => ca.fingerprint256 === top.fingerprint256 || (top.checkIssued(ca) && top.verify(ca.publicKey)));
    if (!signed) {
      report(
        scope,
        "certFile: the certificate is not issued by the CA of caFile",
        certFile,
        "pass the CA (or chain) that signed it; check with `openssl verify -CAfile <caFile> <certFile>`",
      );
    }
  }
  if (leaf.ca) {
    report(
      scope,
      "certFile: the certificate is a CA certificate, not a server certificate",
      certFile,
      "pass the broker's own certificate as certFile and the CA as caFile",
    );
  }
}
