/**
 * The RabbitMQ image changes its nodes cannot make one node at a time (see
 * ../roll-refusal.ts): cdktf-messaging-roll refuses them before it touches
 * anything.
 *
 * RabbitMQ 4.3 upgrades in place only from 4.2 (every feature flag
 * enabled), and a cluster may mix only 4.2 and 4.3 nodes. Measured with
 * 4.0.5 -> 4.3.6 on 3 nodes (the upgrade suite, __tests__/upgrade):
 * - rolled: the first node replaced migrated its own metadata to Khepri,
 *   then stopped at boot (`incompatible_feature_flags`: its 4.0 peers lack
 *   `amqp_filter_set_bug`) and restarted in a loop, while the roll waited 3
 *   minutes for it to become healthy; the cluster served on 2 nodes meanwhile;
 * - a plain deploy straight away (every node stopped, then all started on
 *   4.3): each node, migrating Mnesia to Khepri at boot, needs all three
 *   running at that moment, and they never were
 *   (`all_mnesia_nodes_must_run`): a restart loop, the deploy times out;
 * - `rabbitmqctl enable_feature_flag --opt-in khepri_db` on the running 4.0
 *   cluster first (a few seconds, no node restarted), then a plain deploy:
 *   every node up on 4.3, every message kept.
 *
 * The versions are read from the image names only when they say it: the
 * repository is `rabbitmq` (any registry or namespace) and the tag starts
 * with major.minor (`4.0-management`, `4.3.6`, `v4.2-alpine`). Anything else
 * (`rabbitmq:4-management`, `latest`, a digest, an image of your own) gives
 * no refusal: the roll goes ahead as before.
 */
import type { RollRefusal } from "../roll-refusal";

/** A RabbitMQ release line, major.minor. */
export interface RabbitMqLine {
  readonly major: number;
  readonly minor: number;
}

/** The release line an image name says, or undefined when it does not say one (see above). */
export function rabbitMqLineOf(image: string): RabbitMqLine | undefined {
  if (typeof image !== "string") return undefined;
  const withoutDigest = image.split("@")[0];
  // The tag follows the last ':' after the last '/' (a registry's ':port' comes before a '/').
  const slash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.lastIndexOf(":");
  if (colon <= slash) return undefined;
  const repository = withoutDigest.slice(slash + 1, colon);
  const tag = withoutDigest.slice(colon + 1);
  if (repository !== "rabbitmq") return undefined;
  const match = /^v?(\d+)\.(\d+)(?:$|[.-])/.exec(tag);
  return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined;
}

const atLeast = (line: RabbitMqLine, major: number, minor: number) => line.major > major || (line.major === major && line.minor >= minor);

/** The measured full-stop upgrade, quoted in the refusal (the upgrade suite prints it: `upgrade-cluster: downtime ...`). */
export const FULL_STOP_UPGRADE_MEASURED =
  "measured 4.0 -> 4.3 on 3 nodes: 9 s from the deploy's start to the first confirmed publish, 2000 of 2000 messages kept";

/** The lines a node on `next` cannot roll from: 3.8 to 3.13, 4.0 and 4.1 (4.2 is the supported in-place path). */
const OLDER_LINES: readonly RabbitMqLine[] = [
  ...[8, 9, 10, 11, 12, 13].map((minor) => ({ major: 3, minor })),
  { major: 4, minor: 0 },
  { major: 4, minor: 1 },
];

/** An image name that says `line`, as rabbitMqLineOf reads it. */
const imageOfLine = (line: RabbitMqLine) => `^(?:[^@]*/)?rabbitmq:v?${line.major}\\.${line.minor}(?:$|[.@-])`;

/**
 * What a node on `image` cannot be rolled from: when the image says 4.3 or
 * later, every image that says a line before 4.2, each with its fix.
 */
export function rabbitMqRollRefusals(image: string): RollRefusal[] {
  const next = rabbitMqLineOf(image);
  if (next === undefined || !atLeast(next, 4, 3)) return [];
  return OLDER_LINES.map((old) => {
    const versions = `${old.major}.${old.minor} -> ${next.major}.${next.minor}`;
    const why =
      `RabbitMQ ${versions} ({from} -> {to}) cannot roll one node at a time: a ${next.major}.${next.minor} node ` +
      `does not boot beside ${old.major}.${old.minor} peers (RabbitMQ ${next.major}.${next.minor} upgrades in place only from 4.2). Nothing was changed.`;
    const fix = atLeast(old, 4, 0)
      ? " Instead, on the running cluster: `docker exec {firstNode} rabbitmqctl enable_feature_flag --opt-in khepri_db` " +
        "(moves its metadata to Khepri with every node up), then `cdktf deploy`: it replaces every node together, a full-stop upgrade " +
        `(${FULL_STOP_UPGRADE_MEASURED}).`
      : " Move to 4.0 first (pin rabbitmq:4.0-management and deploy; see the CHANGELOG), then upgrade from there.";
    return { deployedImage: imageOfLine(old), reason: why + fix };
  });
}
