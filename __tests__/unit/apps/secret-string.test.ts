/**
 * secretString: a secret given in NAME or, by the official images' `_FILE`
 * convention, as a file named in NAME_FILE (a docker secret on a Swarm), and
 * the two readers that use it (RABBITMQ_URL, KAFKA_SASL_PASSWORD).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { readKafkaSecurity, readRabbitUrls } from "../../../apps/shared/app-config";
import { ConfigError, secretString } from "../../../apps/shared/config";

let dir: string;
const SECRET = "hunter2-Sup3r";

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "secret-string-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file in the test's directory holding `text`; its path. */
function file(name: string, text: string): string {
  const at = path.join(dir, name);
  writeFileSync(at, text);
  return at;
}

/** The message of the ConfigError `read` throws; fails if it quotes the secret. */
function configError(read: () => unknown): string {
  try {
    read();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    expect(err.message).not.toContain(SECRET);
    expect(err.message).not.toContain("hunter2");
    return err.message;
  }
  throw new Error("no ConfigError thrown");
}

describe("secretString", () => {
  test("NAME set: its value, the file never opened", () => {
    expect(secretString({ PASS: SECRET }, "PASS")).toBe(SECRET);
    // An empty NAME_FILE counts as unset.
    expect(secretString({ PASS: SECRET, PASS_FILE: "" }, "PASS")).toBe(SECRET);
  });

  test("NAME_FILE set: the file's text", () => {
    expect(secretString({ PASS_FILE: file("plain", SECRET) }, "PASS")).toBe(SECRET);
    // An empty NAME counts as unset, as in the images' file_env.
    expect(secretString({ PASS: "", PASS_FILE: file("plain", SECRET) }, "PASS")).toBe(SECRET);
  });

  test("strips one trailing newline (LF or CRLF), keeps the rest", () => {
    expect(secretString({ PASS_FILE: file("lf", `${SECRET}\n`) }, "PASS")).toBe(SECRET);
    expect(secretString({ PASS_FILE: file("crlf", `${SECRET}\r\n`) }, "PASS")).toBe(SECRET);
    expect(secretString({ PASS_FILE: file("two", `${SECRET}\n\n`) }, "PASS")).toBe(`${SECRET}\n`);
    expect(secretString({ PASS_FILE: file("spaces", ` ${SECRET} \n`) }, "PASS")).toBe(` ${SECRET} `);
    expect(secretString({ PASS_FILE: file("utf8", "pässwörd\n") }, "PASS")).toBe("pässwörd");
  });

  test("neither set: undefined, for the caller's own error", () => {
    expect(secretString({}, "PASS")).toBeUndefined();
    expect(secretString({ PASS: "" }, "PASS")).toBe("");
    expect(secretString({ PASS_FILE: "" }, "PASS")).toBeUndefined();
  });

  test("both set: a config error naming both, quoting only the path", () => {
    const at = file("both", SECRET);
    expect(configError(() => secretString({ PASS: SECRET, PASS_FILE: at }, "PASS"))).toBe(
      `PASS_FILE must be unset when PASS is set (set one of PASS and PASS_FILE), got ${JSON.stringify(at)}`,
    );
  });

  test("an empty file, or one holding only a newline or white space: a config error", () => {
    for (const [name, text] of [
      ["empty", ""],
      ["newline", "\n"],
      ["crlf-only", "\r\n"],
    ]) {
      const at = file(name, text);
      expect(configError(() => secretString({ PASS_FILE: at }, "PASS"))).toBe(
        `PASS_FILE must be a readable file holding PASS, got ${JSON.stringify(at)}, which is empty`,
      );
    }
    const blank = file("blank", "  \t\n");
    expect(configError(() => secretString({ PASS_FILE: blank }, "PASS"))).toBe(
      `PASS_FILE must be a readable file holding PASS, got ${JSON.stringify(blank)}, which holds only white space`,
    );
  });

  test("a missing file or a directory: a config error naming the variable and the errno code", () => {
    const missing = path.join(dir, "no-such-secret");
    expect(configError(() => secretString({ PASS_FILE: missing }, "PASS"))).toBe(
      `PASS_FILE must be a readable file holding PASS, got ${JSON.stringify(missing)} (ENOENT)`,
    );
    const directory = path.join(dir, "a-directory");
    mkdirSync(directory);
    expect(configError(() => secretString({ PASS_FILE: directory }, "PASS"))).toMatch(/^PASS_FILE must be .*\(EISDIR\)$/);
  });

  if (process.getuid?.() !== 0) {
    test("a file the app may not read: EACCES, the content never read", () => {
      const locked = file("locked", SECRET);
      chmodSync(locked, 0o000);
      expect(configError(() => secretString({ PASS_FILE: locked }, "PASS"))).toMatch(/\(EACCES\)$/);
    });
  }
});

describe("RABBITMQ_URL_FILE", () => {
  const url = `amqp://orders:${SECRET}@rabbit-1:5672/%2F`;

  test("gives RABBITMQ_URL, one URL or a cluster's list", () => {
    expect(readRabbitUrls({ RABBITMQ_URL_FILE: file("url", `${url}\n`) })).toEqual([url]);
    const cluster = `${url}, amqp://orders:${SECRET}@rabbit-2:5672/%2F`;
    expect(readRabbitUrls({ RABBITMQ_URL_FILE: file("urls", cluster) })).toEqual([url, `amqp://orders:${SECRET}@rabbit-2:5672/%2F`]);
  });

  test("neither set keeps the existing error; a bad URL in the file is refused without quoting it", () => {
    expect(configError(() => readRabbitUrls({}))).toBe("RABBITMQ_URL must be a non-empty string, it is not set");
    expect(configError(() => readRabbitUrls({ RABBITMQ_URL_FILE: file("http", `http://orders:${SECRET}@rabbit:5672\n`) }))).toBe(
      "RABBITMQ_URL must be an amqp:// or amqps:// URL, got a http:// URL",
    );
  });

  test("both set is refused", () => {
    expect(configError(() => readRabbitUrls({ RABBITMQ_URL: url, RABBITMQ_URL_FILE: file("url", url) }))).toMatch(
      /^RABBITMQ_URL_FILE must be unset when RABBITMQ_URL is set \(set one of RABBITMQ_URL and RABBITMQ_URL_FILE\), got "/,
    );
  });
});

describe("KAFKA_SASL_PASSWORD_FILE", () => {
  test("gives KAFKA_SASL_PASSWORD", () => {
    const security = readKafkaSecurity({ KAFKA_SASL_USERNAME: "billing", KAFKA_SASL_PASSWORD_FILE: file("pw", `${SECRET}\n`) });
    expect(security.sasl).toEqual({ username: "billing", password: SECRET });
  });

  test("a user name without either keeps the existing error; the file without a user name is refused like the password", () => {
    expect(configError(() => readKafkaSecurity({ KAFKA_SASL_USERNAME: "billing" }))).toBe(
      "KAFKA_SASL_PASSWORD must be set when KAFKA_SASL_USERNAME is set, it is not set",
    );
    expect(configError(() => readKafkaSecurity({ KAFKA_SASL_PASSWORD_FILE: file("pw", SECRET) }))).toBe(
      "KAFKA_SASL_USERNAME must be set when KAFKA_SASL_PASSWORD is set, it is not set",
    );
  });

  test("an empty or missing file is refused, naming KAFKA_SASL_PASSWORD_FILE", () => {
    const empty = file("empty-pw", "");
    expect(configError(() => readKafkaSecurity({ KAFKA_SASL_USERNAME: "billing", KAFKA_SASL_PASSWORD_FILE: empty }))).toBe(
      `KAFKA_SASL_PASSWORD_FILE must be a readable file holding KAFKA_SASL_PASSWORD, got ${JSON.stringify(empty)}, which is empty`,
    );
    expect(configError(() => readKafkaSecurity({ KAFKA_SASL_USERNAME: "billing", KAFKA_SASL_PASSWORD_FILE: "/run/secrets/none" }))).toBe(
      'KAFKA_SASL_PASSWORD_FILE must be a readable file holding KAFKA_SASL_PASSWORD, got "/run/secrets/none" (ENOENT)',
    );
  });
});
