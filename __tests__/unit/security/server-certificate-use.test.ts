/**
 * A broker certificate of the user's that every TLS client would refuse,
 * whatever name it connects to, is a synth error (expired, not valid yet,
 * limited to other uses than serving TLS); one that expires within 30 days
 * is a warning. The certificate's dates are compared with a given "now", so
 * the fixture (valid until 2126) is seen at any point of its life.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Testing, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { checkServerCertificateUse, namesNotCovered } from "../../../constructs/security/pem-files";
import { problemMessages } from "../helpers";
import { run } from "../../support/commands";

const FIXTURE = path.join(__dirname, "..", "..", "fixtures", "tls", "server.pem");
const leaf = new crypto.X509Certificate(fs.readFileSync(FIXTURE));
const DAY = 86_400_000;

/** The errors the check reports for `certificate` at `now`. */
const errorsAt = (now: Date, certificate = leaf, file = FIXTURE): string[] =>
  problemMessages((stack) => checkServerCertificateUse(new Construct(stack, "certs"), file, certificate, now));

/** The warnings the check leaves on its construct at `now`. */
function warningsAt(now: Date): string[] {
  const scope = new Construct(new TerraformStack(Testing.app(), "w"), "certs");
  checkServerCertificateUse(scope, FIXTURE, leaf, now);
  return scope.node.metadata.filter((m) => /warn/i.test(m.type)).map((m) => String(m.data));
}

test("a certificate inside its validity, more than 30 days from its end, passes without a word", () => {
  expect(errorsAt(new Date())).toEqual([]);
  expect(warningsAt(new Date())).toEqual([]);
});

test("an expired certificate is refused, with the date it expired and the fix", () => {
  const after = new Date(new Date(leaf.validTo).getTime() + DAY);
  expect(errorsAt(after)).toEqual([
    expect.stringMatching(
      /certs: certFile: the certificate expired on 2126-11-03T03:49:09\.000Z: every TLS client would refuse it, got ".*server\.pem"\. Fix: renew it/,
    ),
  ]);
});

test("a certificate not valid yet is refused, naming its start", () => {
  expect(errorsAt(new Date("2001-01-01T00:00:00Z"))).toEqual([
    expect.stringMatching(/certFile: the certificate is not valid before .*: TLS clients would refuse it until then/),
  ]);
});

test("a certificate that ends within 30 days is a warning, not an error", () => {
  const soon = new Date(new Date(leaf.validTo).getTime() - 10 * DAY);
  expect(errorsAt(soon)).toEqual([]);
  expect(warningsAt(soon)).toEqual([expect.stringMatching(/the certificate expires on 2126-11-03.*in less than 30 days: renew it/)]);
});

describe("extended key usage", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "eku-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const certificateWith = (name: string, extension?: string): crypto.X509Certificate => {
    run(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        `${name}.key`,
        "-out",
        `${name}.pem`,
        "-days",
        "2",
        "-subj",
        "/CN=kafka",
        ...(extension ? ["-addext", extension] : []),
      ],
      { cwd: dir, timeoutSeconds: 60 },
    );
    return new crypto.X509Certificate(fs.readFileSync(path.join(dir, `${name}.pem`)));
  };
  // The clock is read after the certificate is issued: openssl's notBefore is the
  // issuing second, and `errorsAt(new Date(), certificateWith(...))` read it before.
  const errorsOfNew = (issued: crypto.X509Certificate, file: string) => errorsAt(new Date(), issued, file);

  test("a certificate for clients only is refused for a server", () => {
    expect(errorsOfNew(certificateWith("client", "extendedKeyUsage=clientAuth"), "client.pem")).toEqual([
      'test/certs: certFile: the certificate\'s extended key usage leaves out serverAuth: TLS clients refuse it for a server, got "client.pem". Fix: issue it with `extendedKeyUsage = serverAuth` (or without the extension)',
    ]);
  });

  test("serverAuth (with others), or no extension at all, passes", () => {
    expect(errorsOfNew(certificateWith("both", "extendedKeyUsage=serverAuth,clientAuth"), "both.pem")).toEqual([]);
    expect(errorsOfNew(certificateWith("none"), "none.pem")).toEqual([]);
  });
});

test("the names a certificate does not cover are those its subjectAltName leaves out", () => {
  expect(namesNotCovered(leaf, ["rabbit", "localhost", "rabbit-1", "kafka"])).toEqual(["rabbit-1", "kafka"]);
});
