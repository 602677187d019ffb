import * as crypto from "crypto";
import * as fs from "fs";
import { Annotations } from "../private/framework";
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

/** Extended key usage OIDs that let a certificate serve TLS: serverAuth, and anyExtendedKeyUsage. */
const SERVER_AUTH_USAGES = ["1.3.6.1.5.5.7.3.1", "2.5.29.37.0"];
/** A certificate that expires sooner than this is worth a warning at synth. */
const EXPIRY_WARNING_DAYS = 30;

/**
 * Reports a broker certificate every TLS client would refuse whatever
 * name it connects to: expired, not valid yet, or limited by its extended
 * key usage to something other than serving TLS. A certificate that expires
 * within 30 days is a warning: the deploy works, the renewal is near.
 */
export function checkServerCertificateUse(scope: IConstruct, certFile: string, leaf: crypto.X509Certificate, now = new Date()): void {
  const validFrom = new Date(leaf.validFrom);
  const validTo = new Date(leaf.validTo);
  if (validTo.getTime() <= now.getTime()) {
    report(
      scope,
      `certFile: the certificate expired on ${validTo.toISOString()}: every TLS client would refuse it`,
      certFile,
      "renew it (the same names, from the same CA) and replace the file",
    );
  } else if (validFrom.getTime() > now.getTime()) {
    report(
      scope,
      `certFile: the certificate is not valid before ${validFrom.toISOString()}: TLS clients would refuse it until then`,
      certFile,
      "issue it with a start date in the past (check the clock of the machine that issued it)",
    );
  } else if (validTo.getTime() - now.getTime() < EXPIRY_WARNING_DAYS * 86_400_000) {
    Annotations.of(scope).addWarning(
      `certFile ${certFile}: the certificate expires on ${validTo.toISOString()}, in less than ${EXPIRY_WARNING_DAYS} days: renew it and deploy again before then`,
    );
  }
  // Node's X509Certificate.keyUsage is the extended key usage list (undefined when the extension is absent: any use).
  const usages = leaf.keyUsage as string[] | undefined;
  if (usages !== undefined && !usages.some((u) => SERVER_AUTH_USAGES.includes(u))) {
    report(
      scope,
      "certFile: the certificate's extended key usage leaves out serverAuth: TLS clients refuse it for a server",
      certFile,
      "issue it with `extendedKeyUsage = serverAuth` (or without the extension)",
    );
  }
}

/** The names of `names` the certificate's subjectAltName (or, without one, its CN) does not cover. */
export function namesNotCovered(leaf: crypto.X509Certificate, names: readonly string[]): string[] {
  return names.filter((name) => leaf.checkHost(name) === undefined);
}
