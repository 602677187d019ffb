/**
 * Image changes a broker kind says its nodes cannot make one node at a time,
 * and where cdktf-messaging-roll finds them: a kind gives them in its
 * BrokerNodeSpec (`rollRefusals`), the node's resource carries them in a
 * Terraform JSON comment (the `//` key, which Terraform ignores, so they
 * cost no diff and no replacement), and the command, which knows no kind,
 * matches the image each node runs now against them before it takes any
 * node down.
 */

/** One image a node cannot be rolled from to the image it is given. */
export interface RollRefusal {
  /**
   * A regular expression (JavaScript syntax) matched against the name of the
   * image the deployed node runs (`rabbitmq:4.0-management`).
   */
  readonly deployedImage: string;
  /**
   * Why, and what to do instead, in one line. `{from}` and `{to}` stand for
   * the two image names, `{firstNode}` for the name of the broker's first
   * node's container.
   */
  readonly reason: string;
}

/**
 * Where in a node resource's `//` comment object the refusals are:
 * `{"//": {"metadata": ..., "cdktf-docker-messaging": {"roll-refusals": [...]}}}`
 * (beside cdktf's own metadata, which `cdktf synth` writes there too).
 */
export const ROLL_REFUSALS_PATH = ["//", "cdktf-docker-messaging", "roll-refusals"] as const;

/** The refusals a synthesized node resource carries (none when it carries none or they are malformed). */
export function rollRefusalsOf(resource: unknown): RollRefusal[] {
  let refusals: unknown = resource;
  for (const key of ROLL_REFUSALS_PATH) refusals = (refusals as Record<string, unknown> | undefined)?.[key];
  if (!Array.isArray(refusals)) return [];
  return refusals.filter((r): r is RollRefusal => typeof r?.deployedImage === "string" && typeof r?.reason === "string");
}

/**
 * The refusal of moving a node from image `from` to `to`, as its one line
 * (`broker <broker>: <reason>`), or undefined when none of `refusals`
 * matches `from`.
 */
export function refusalOf(
  refusals: readonly RollRefusal[],
  move: { broker: string; from: string; to: string; firstNode: string },
): string | undefined {
  const refusal = refusals.find((r) => new RegExp(r.deployedImage).test(move.from));
  if (refusal === undefined) return undefined;
  const reason = refusal.reason.replace(/\{from\}|\{to\}|\{firstNode\}/g, (key) =>
    key === "{from}" ? move.from : key === "{to}" ? move.to : move.firstNode,
  );
  return `broker ${move.broker}: ${reason}`;
}
