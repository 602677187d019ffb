import { readFileSync } from "fs";
import { join } from "path";
import { dockerfileNodeFlags } from "../../../bench/lib/apps";

const APPS = ["rabbitmq-producer", "rabbitmq-consumer", "kafka-producer", "kafka-consumer"];

describe("the apps' images", () => {
  test.each(APPS)("%s runs node with 16 MiB semi-spaces, which its container's memory limit would otherwise shrink", (app) => {
    expect(dockerfileNodeFlags(app)).toEqual(["--max-semi-space-size=16"]);
  });

  test("all four Dockerfiles are the same, so a fix to one reaches every app", () => {
    const [first, ...rest] = APPS.map((app) => readFileSync(join(__dirname, "../../../apps", app, "Dockerfile"), "utf8"));
    for (const other of rest) expect(other).toBe(first);
  });
});
