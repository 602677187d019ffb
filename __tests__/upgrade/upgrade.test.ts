/**
 * The upgrade from 0.8's default images keeps the data: a stack deployed
 * with `rabbitmq:4.0-management` (4.0.5, Mnesia) and `prom/prometheus:v2.53.3`
 * is deployed again with the constructs' defaults (`rabbitmq:4.3-management`,
 * 4.3.6, Khepri only; `prom/prometheus:v3.13.5`), by a plain `terraform
 * apply` of the same stack, as `cdktf deploy` does: every node is stopped and
 * started on the new image together (a full-stop upgrade). A cluster first
 * gets `rabbitmqctl enable_feature_flag --opt-in khepri_db` on its running
 * 4.0 nodes: measured without it, the three 4.3 nodes each try the
 * Mnesia -> Khepri migration at boot, which needs all three running at that
 * moment, and restart in a loop (`all_mnesia_nodes_must_run`) until the
 * deploy times out. One node migrates alone at boot.
 *
 * For one node and for a 3-node cluster (./upgrade-stack.ts, synthesized
 * into a folder outside the work tree and deployed with terraform and
 * TF_VAR_* secrets): K messages confirmed by an outside client (pika,
 * publisher confirms, from the host) to the stack's quorum queue before, and
 * every one of them there after, consumed once by id; RabbitMQ 4.3 on every
 * node, all running, `khepri_db` and every other stable flag enabled (the
 * set-up job enables them); Prometheus 3 answers with the very samples
 * Prometheus 2 held. A second pika producer publishes through the upgrade:
 * the downtime is from the apply's start to its first confirm after the
 * stop, and none of what it saw confirmed is lost either.
 *
 * The cluster also shows what `cdktf-messaging-roll` does with this change:
 * it refuses it before touching anything (a 4.3 node does not boot beside
 * 4.0 peers), naming the broker, both versions and the fix (the two steps
 * above).
 *
 * Figures are printed with console.log, one line each, and in one line at the end.
 */
import * as fs from "fs";
import { waitFor, waitForAsync } from "../support/commands";
import { startOutsideProducer, type OutsideProducer } from "../faults/outside-clients";
import { ADMIN_USER, UpgradeStack } from "./upgrade-deploy";
import { QUEUE, type UpgradeShape } from "./upgrade-stack";

jest.setTimeout(300_000); // each step passes its own, smaller time box

/** Messages confirmed to the quorum queue before the upgrade. */
const K = 2000;
const measured: Record<string, Record<string, unknown>> = {};
const suiteStarted = Date.now();
const producers: OutsideProducer[] = [];

beforeAll(() => {
  const config = process.env.TF_CLI_CONFIG_FILE;
  if (!config || !fs.existsSync(config)) {
    throw new Error("TF_CLI_CONFIG_FILE names no file: run `bash toolchain/setup.sh && . toolchain/env.sh` first");
  }
});

afterAll(() => {
  for (const p of producers) p.dispose();
  console.log(`upgrade measurements: ${JSON.stringify({ ...measured, suiteSeconds: (Date.now() - suiteStarted) / 1000 })}`);
});

/** The fault suite's endless pika producer on the stack's nodes (plain AMQP, the administrator), at `rate` messages a second, to a queue of its own. */
async function producer(stack: UpgradeStack, rate: number): Promise<OutsideProducer> {
  const p = await startOutsideProducer("rabbitmq", {
    hostPorts: stack.amqpPorts,
    caPem: null,
    user: ADMIN_USER,
    password: stack.adminPassword,
    rate,
  });
  producers.push(p);
  return p;
}

describe.each<[UpgradeShape, string]>([
  ["single", "a single RabbitMQ node"],
  ["cluster", "a 3-node RabbitMQ cluster"],
])("upgrade-%s: given %s with a quorum queue and a Prometheus, deployed with 0.8's default images", (shape) => {
  const stack = new UpgradeStack(shape);
  const m: Record<string, unknown> = (measured[stack.name] = {});
  let deployed = false;
  const runId = `upgrade-${Date.now()}`;
  let samplesAt = 0;
  let samplesBefore: Record<string, [number, string][]> = {};
  // A second producer on a queue of its own publishes from before the upgrade's first step to after it: it tells when
  // the broker confirms again, and loses nothing either.
  let through: OutsideProducer | undefined;
  const startThrough = async (): Promise<OutsideProducer> => {
    if (!through) {
      through = await producer(stack, 50);
      await waitFor("the producer confirming", 60, () => through!.confirming());
    }
    return through;
  };

  afterAll(() => {
    if (deployed && process.env.UPGRADE_KEEP !== "1") {
      const destroyed = stack.terraform(["destroy", "-input=false", "-auto-approve"], [0, 1], 240);
      if (destroyed.code !== 0) console.log(`cleanup destroy of ${stack.name} failed:\n${destroyed.stderr.slice(-2000)}`);
    }
  }, 300_000);

  test(`when ${K} messages are published with confirms from the host, then the queue holds every confirmed one and Prometheus 2 has scraped the nodes`, async () => {
    stack.synth("old");
    stack.removeLeftovers();
    deployed = true; // from here on, afterAll cleans up
    m.deployOldSeconds = stack.apply();
    await waitFor(`${stack.name}: every node and Prometheus healthy`, 120, () => stack.healthy());
    expect(Object.values(stack.clusterStatus().versions).every((v) => v.startsWith("4.0."))).toBe(true);

    const published = stack.confirmedBatch("publish", K, runId);
    const depth = await stack.queueDepth();
    m.messagesBefore = depth;
    m.publishSeconds = published.seconds;
    console.log(
      `${stack.name}: messages before the upgrade: ${published.confirmed} confirmed in ${published.seconds} s, ${depth} in ${QUEUE}`,
    );
    expect(published.confirmed).toBe(K);
    expect(depth).toBe(K);

    // Prometheus 2: at least two samples of `up` for each node's scrape job before the instant recorded.
    samplesBefore = await waitForAsync("two samples of up per target in Prometheus 2", 90, async () => {
      const at = Date.now() / 1000;
      const samples = await stack.upSamples(at);
      const series = Object.values(samples);
      samplesAt = at;
      return series.length >= stack.nodes.length && series.every((s) => s.length >= 2) ? samples : undefined;
    });
    m.prometheusSeriesBefore = Object.keys(samplesBefore).length;
    expect(await stack.prometheusVersion()).toMatch(/^2\.53\./);
  }, 360_000);

  if (shape === "cluster") {
    test("when cdktf-messaging-roll is asked to roll the new images, then it refuses before touching anything, naming the broker, both versions and the fix", () => {
      stack.synth("new");
      const before = stack.nodeProcesses();
      const started = Date.now();
      const rolled = stack.roll();
      m.rollRefusalSeconds = (Date.now() - started) / 1000;
      console.log(`${stack.name}: roll answered (exit ${rolled.code}): ${rolled.stderr.trim()}`);
      expect(rolled.code).toBe(2);
      const lines = rolled.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `^broker ${stack.broker}: RabbitMQ 4\\.0 -> 4\\.3 \\(rabbitmq:4\\.0-management -> rabbitmq:4\\.3-management\\) cannot roll.*Nothing was changed\\..*enable_feature_flag --opt-in khepri_db.*cdktf deploy`,
        ),
      );
      // Nothing changed: the same containers run the same processes, on 4.0.
      expect(stack.nodeProcesses()).toEqual(before);
      expect(Object.values(stack.clusterStatus().versions).every((v) => v.startsWith("4.0."))).toBe(true);
      expect(rolled.stdout).not.toContain("replacing");
    }, 300_000);
  }

  if (shape === "cluster") {
    test("when khepri_db is enabled on the running 4.0 cluster (rabbitmqctl), then its metadata moves to Khepri with every node running, none restarted, and the queue keeps its messages", async () => {
      const producing = await startThrough();
      const before = stack.nodeProcesses();
      const started = Date.now();
      m.khepriSeconds = stack.enableKhepri().seconds;
      // The step ran synchronously: let the producer's lines of that time be read.
      const ended = Date.now();
      await waitFor("the producer's stats after the step", 30, () => (producing.stats(ended).length > 0 ? true : undefined), 200);
      m.khepriLongestGapSeconds = producing.longestGapMs(started, ended) / 1000;
      console.log(
        `${stack.name}: khepri_db enabled on 4.0 in ${m.khepriSeconds} s (longest gap without a confirm meanwhile ${m.khepriLongestGapSeconds} s)`,
      );
      expect((await stack.featureFlags()).khepri_db).toBe("enabled");
      expect(stack.nodeProcesses()).toEqual(before);
      expect(stack.clusterStatus().running).toEqual(stack.members);
      expect(await stack.queueDepth()).toBe(m.messagesBefore);
    }, 300_000);
  }

  test("when the same stack is deployed with the new default images (terraform apply), then RabbitMQ 4.3 runs on every node with khepri_db and every stable flag enabled, and Prometheus 3 answers with Prometheus 2's samples", async () => {
    stack.synth("new");
    const through = await startThrough();
    const applyStarted = Date.now();
    m.applySeconds = await stack.applyInBackground();
    await waitFor(`${stack.name}: every node and Prometheus healthy`, 120, () => stack.healthy());
    const stopped = through.events("disconnected", applyStarted)[0];
    if (!stopped) {
      throw new Error(
        `the producer was never disconnected during the apply:\n${through.lines
          .filter((l) => l.t >= applyStarted - 5000)
          .map((l) => JSON.stringify(l))
          .join("\n")}`,
      );
    }
    const again = await waitFor("a confirmed publish after the upgrade", 120, () => through.confirmingAgain(stopped.t), 500);
    m.downtimeSeconds = (again.t - applyStarted) / 1000;
    m.longestGapSeconds = through.longestGapMs(applyStarted) / 1000;
    console.log(`${stack.name}: terraform apply ${m.applySeconds} s`);
    console.log(
      `${stack.name}: downtime ${m.downtimeSeconds} s from the apply's start to the first confirmed publish (longest gap without a confirm ${m.longestGapSeconds} s)`,
    );

    const status = stack.clusterStatus();
    m.versions = status.versions;
    expect(status.running).toEqual(stack.members);
    expect(Object.keys(status.versions).sort()).toEqual(stack.members);
    for (const version of Object.values(status.versions)) expect(version).toMatch(/^4\.3\./);
    expect((await stack.management("/overview")).rabbitmq_version).toMatch(/^4\.3\./);
    // The set-up job ran again on the new image: nothing stable is left disabled (rabbitmq_4.3.0 included).
    const flags = await stack.featureFlags();
    m.rabbitmq430 = flags["rabbitmq_4.3.0"];
    expect(flags.khepri_db).toBe("enabled");
    expect(flags["rabbitmq_4.3.0"]).toBe("enabled");
    const all = (await stack.management("/feature-flags")) as { name: string; state: string; stability: string }[];
    expect(all.filter((f) => f.stability === "stable" && f.state !== "enabled").map((f) => f.name)).toEqual([]);

    expect(await stack.prometheusVersion()).toMatch(/^3\./);
    expect(await stack.upSamples(samplesAt)).toEqual(samplesBefore);

    const shutdown = await through.stop();
    const verified = await through.verify();
    m.throughUpgrade = { confirmed: shutdown.confirmed, lost: verified.lost, duplicates: verified.duplicates };
    expect({ lost: verified.lost, complete: verified.complete }).toEqual({ lost: 0, complete: true });
  }, 600_000);

  test(`then every message confirmed before the upgrade is in the queue, and is consumed once, by id`, async () => {
    const depth = await stack.queueDepth();
    m.messagesAfter = depth;
    console.log(`${stack.name}: messages after the upgrade: ${depth} in ${QUEUE} (${K} confirmed before)`);
    expect(depth).toBe(K);
    const consumed = stack.confirmedBatch("consume", K, runId);
    m.consumedAfter = consumed.distinct;
    expect(consumed).toMatchObject({ distinct: K, duplicates: 0, foreign: 0, missingCount: 0 });
  }, 420_000);

  test("when destroyed, then no container, network or volume of the stack is left", () => {
    const destroyed = stack.destroy();
    deployed = false;
    m.destroySeconds = destroyed.seconds;
    expect(destroyed.left).toEqual({ containers: [], networks: [], volumes: [] });
  }, 320_000);
});
