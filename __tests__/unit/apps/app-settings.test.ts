/**
 * The apps' settings parser (constructs/apps/app-settings.ts): the one table
 * the apps read their environment with and AppContainer checks `environment`
 * against. Every "rejects" row is checked twice: by the parser, and through
 * an AppContainer, whose problem names the path, the value and the fix.
 */
import {
  APP_SETTINGS,
  AppEnv,
  AppMetricsEnv,
  AppOnlyEnv,
  DEFAULT_HEALTH_FILE,
  MAX_MESSAGE_SIZE_BYTES,
  describeSetting,
  isAppSetting,
  parseSetting,
  type AppSettingName,
} from "../../../constructs/apps/app-settings";
import { AppContainer, ContainerImage } from "../../../constructs";
import { problemMessages } from "../helpers";

const image = ContainerImage.fromRegistry("busybox:1.36");
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The problems of an app whose environment sets `name` to `raw`. */
const appProblems = (name: string, raw: string) =>
  problemMessages((s) => new AppContainer(s, "app", { image, environment: { [name]: raw } }));

/** The exact problem AppContainer reports for a value the parser refuses. */
function expectedProblem(name: AppSettingName, raw: string): RegExp {
  const expected = describeSetting(APP_SETTINGS[name]);
  return new RegExp(
    `^test/app: environment\\.${name} must be ${esc(expected)}, got ${esc(JSON.stringify(raw))}\\. Fix: set ${name} to ${esc(expected)}; .*would exit 2 at start$`,
  );
}

/** [setting, lowest accepted, highest accepted]: the bounds, written out so a change of the table shows here. */
const INTEGER_BOUNDS: [AppSettingName, number, number][] = [
  ["PRODUCER_RATE", 0, 1_000_000],
  ["PRODUCER_COUNT", 0, Number.MAX_SAFE_INTEGER],
  ["MESSAGE_SIZE_BYTES", 0, 128 * 1024 * 1024], // RabbitMQ's default max_message_size
  ["CONSUMER_PREFETCH", 1, 65535], // AMQP basic.qos prefetch-count is 16 bits
  ["CONSUMER_MAX_DELIVERIES", 1, 2 ** 31 - 1],
  ["STATS_INTERVAL_SECONDS", 1, 2147483], // Node's timers: at most 2^31-1 ms
  ["BROKER_RETRY_SECONDS", 0, 2147483],
  ["CONSUMER_WORK_MS", 0, 2 ** 31 - 1],
  ["METRICS_PORT", 0, 65535], // a TCP port; 0 = no metrics server
];

describe("the settings table", () => {
  test("lists every setting the apps read, with a spec each", () => {
    expect(Object.keys(APP_SETTINGS).sort()).toEqual(
      [...Object.values(AppEnv), ...Object.values(AppOnlyEnv), ...Object.values(AppMetricsEnv)].sort(),
    );
  });

  test("the integer bounds above cover every integer setting", () => {
    const integers = Object.entries(APP_SETTINGS)
      .filter(([, spec]) => spec.kind === "integer")
      .map(([name]) => name);
    expect(INTEGER_BOUNDS.map(([name]) => name).sort()).toEqual(integers.sort());
    for (const [name, min, max] of INTEGER_BOUNDS) expect(APP_SETTINGS[name]).toMatchObject({ kind: "integer", min, max });
  });

  test("the timer limit is Node's: 2147483 s fits in 2^31-1 ms, 2147484 s does not", () => {
    expect(2147483 * 1000).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(2147484 * 1000).toBeGreaterThan(2 ** 31 - 1);
    expect(MAX_MESSAGE_SIZE_BYTES).toBe(134217728);
  });

  test("every default parses with its own parser (the documented defaults are valid)", () => {
    for (const [name, spec] of Object.entries(APP_SETTINGS)) {
      if (spec.default === undefined) continue;
      expect(parseSetting(name as AppSettingName, String(spec.default))).toEqual({ ok: true, value: spec.default });
    }
    expect(APP_SETTINGS.HEALTH_FILE.default).toBe(DEFAULT_HEALTH_FILE);
  });

  test("describes what each kind expects", () => {
    expect(describeSetting(APP_SETTINGS.CONSUMER_PREFETCH)).toBe("an integer between 1 and 65535 (decimal digits only)");
    expect(describeSetting(APP_SETTINGS.PRODUCER_COUNT)).toBe("an integer >= 0 (decimal digits only)");
    expect(describeSetting(APP_SETTINGS.EXIT_WHEN_DONE)).toBe("true or false");
    expect(describeSetting(APP_SETTINGS.LOG_LEVEL)).toBe("one of info, debug");
    expect(describeSetting(APP_SETTINGS.HEALTH_FILE)).toBe("a string");
  });

  test("isAppSetting knows the settings and nothing inherited", () => {
    expect(isAppSetting("PRODUCER_RATE")).toBe(true);
    expect(isAppSetting("LOG_LEVEL")).toBe(true);
    for (const name of ["toString", "constructor", "__proto__", "hasOwnProperty", "RABBITMQ_URL", "producer_rate", ""]) {
      expect(isAppSetting(name)).toBe(false);
    }
  });
});

describe("integer settings: bounds", () => {
  const accepted = INTEGER_BOUNDS.flatMap(([name, min, max]): [string, AppSettingName, string, number][] => [
    [`the lowest ${name}`, name, String(min), min],
    [`the highest ${name}`, name, String(max), max],
  ]);
  /** METRICS_PORT is set from AppContainer's metrics prop, never from its environment (tested in app-container.test.ts). */
  const fromEnvironment = (name: string) => !(Object.values(AppMetricsEnv) as string[]).includes(name);
  test.each(accepted)("accepts %s", (_what, name, raw, value) => {
    expect(parseSetting(name, raw)).toEqual({ ok: true, value });
    if (fromEnvironment(name)) expect(appProblems(name, raw)).toEqual([]);
  });

  const rejected = INTEGER_BOUNDS.flatMap(([name, min, max]): [string, AppSettingName, string][] => [
    [`${name} one above its maximum`, name, max === Number.MAX_SAFE_INTEGER ? "9007199254740992" : String(max + 1)],
    ...(min > 0 ? [[`${name} one below its minimum`, name, String(min - 1)] as [string, AppSettingName, string]] : []),
  ]);
  test.each(rejected)("rejects %s", (_what, name, raw) => {
    expect(parseSetting(name, raw)).toEqual({ ok: false, expected: describeSetting(APP_SETTINGS[name]) });
    if (!fromEnvironment(name)) return;
    const messages = appProblems(name, raw);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(expectedProblem(name, raw));
  });
});

describe("integer settings: decimal digits only", () => {
  const rejected: [string, string][] = [
    ["an exponent", "1e3"],
    ["a negative number", "-1"],
    ["a plus sign", "+5"],
    ["a fraction", "2.5"],
    ["a trailing dot", "5."],
    ["a leading dot", ".5"],
    ["hexadecimal", "0x10"],
    ["an underscore separator", "1_000"],
    ["a comma separator", "1,000"],
    ["a space inside", "5 5"],
    ["an empty value", ""],
    ["only spaces", "   "],
    ["a word", "five"],
    ["Infinity", "Infinity"],
    ["NaN", "NaN"],
    ["full-width digits", "５"],
    ["Arabic-Indic digits", "٣"],
    ["a unit", "5s"],
  ];
  test.each(rejected)("rejects %s (%j)", (_what, raw) => {
    expect(parseSetting("PRODUCER_RATE", raw).ok).toBe(false);
    const messages = appProblems("PRODUCER_RATE", raw);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(expectedProblem("PRODUCER_RATE", raw));
  });

  // The apps read the value with the same parser, so these run as the number.
  const accepted: [string, string, number][] = [
    ["a leading space", " 5", 5],
    ["a trailing space", "5 ", 5],
    ["a tab and a newline around it", "\t5\n", 5],
    ["leading zeros", "007", 7],
    ["zero", "0", 0],
  ];
  test.each(accepted)("accepts %s (%j)", (_what, raw, value) => {
    expect(parseSetting("PRODUCER_RATE", raw)).toEqual({ ok: true, value });
    expect(appProblems("PRODUCER_RATE", raw)).toEqual([]);
  });
});

describe("boolean, choice and text settings", () => {
  test.each([
    ["EXIT_WHEN_DONE", "true", true],
    ["EXIT_WHEN_DONE", "false", false],
    ["LOG_LEVEL", "info", "info"],
    ["LOG_LEVEL", "debug", "debug"],
    // Under /tmp: the only writable folder of an app's read-only root by default (see security/container-hardening.test.ts).
    ["HEALTH_FILE", "/tmp/app ok", "/tmp/app ok"],
    ["HEALTH_FILE", "", ""],
    ["CONSUMER_FAIL_MARKER", "${poison}", "${poison}"],
  ] as [AppSettingName, string, unknown][])("accepts %s=%j", (name, raw, value) => {
    expect(parseSetting(name, raw)).toEqual({ ok: true, value });
    expect(appProblems(name, raw)).toEqual([]);
  });

  test.each([
    ["EXIT_WHEN_DONE in capitals", "EXIT_WHEN_DONE", "TRUE"],
    ["EXIT_WHEN_DONE capitalised", "EXIT_WHEN_DONE", "True"],
    ["EXIT_WHEN_DONE as 1", "EXIT_WHEN_DONE", "1"],
    ["EXIT_WHEN_DONE as yes", "EXIT_WHEN_DONE", "yes"],
    ["EXIT_WHEN_DONE with a space", "EXIT_WHEN_DONE", " true"],
    ["EXIT_WHEN_DONE empty", "EXIT_WHEN_DONE", ""],
    ["LOG_LEVEL in capitals", "LOG_LEVEL", "INFO"],
    ["LOG_LEVEL warn", "LOG_LEVEL", "warn"],
    ["LOG_LEVEL empty", "LOG_LEVEL", ""],
  ] as [string, AppSettingName, string][])("rejects %s", (_what, name, raw) => {
    expect(parseSetting(name, raw)).toEqual({ ok: false, expected: describeSetting(APP_SETTINGS[name]) });
    const messages = appProblems(name, raw);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(expectedProblem(name, raw));
  });
});
