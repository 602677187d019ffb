/**
 * One produce or consume run of one Kafka client, in a process of its own
 * (bundled by bench/kafka-clients.ts and run on the apps' Node 24):
 *
 *   node worker.js <client> produce|consume '<ClientRunOptions as JSON>'
 *
 * Prints one JSON line `{"event":"result", ...}` with the run's numbers and
 * the process's CPU time and peak memory; exits 1 with the error otherwise.
 */
import { hostname } from "node:os";
import { Logger } from "../../apps/shared/logger";
import { ClientRunOptions, EnvelopeSource, KafkaClientUnderTest, Processing } from "./client";
import { kafkajsClient } from "./kafkajs";
import { platformaticClient } from "./platformatic";

/** Clients by the name the orchestrator uses; confluent is a native addon, loaded only when asked for. */
const CLIENTS: Record<string, () => KafkaClientUnderTest> = {
  kafkajs: () => kafkajsClient,
  platformatic: () => platformaticClient,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  confluent: () => (require("./confluent") as typeof import("./confluent")).confluentClient,
};

async function main(): Promise<void> {
  const [name, action, json] = process.argv.slice(2);
  const make = CLIENTS[name ?? ""];
  if (!make || (action !== "produce" && action !== "consume") || !json) {
    throw new Error(`usage: worker.js ${Object.keys(CLIENTS).join("|")} produce|consume '<options JSON>'`);
  }
  const options = JSON.parse(json) as ClientRunOptions;
  const client = make();
  const cpuBefore = process.cpuUsage();
  const startedAt = Date.now();
  const result =
    action === "produce"
      ? await client.produce(
          options,
          new EnvelopeSource(`bench-${name}@${hostname()}:${process.pid}`, "x".repeat(options.payloadBytes), options.messages),
        )
      : await client.consume(options, new Processing(new Logger(`bench-${name}`, "warn")));
  const cpu = process.cpuUsage(cpuBefore);
  const wallSeconds = (Date.now() - startedAt) / 1000;
  console.log(
    JSON.stringify({
      event: "result",
      client: client.name,
      action,
      ...result,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      wallSeconds,
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
