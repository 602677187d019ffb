/**
 * One problem found in a user's input, before it is tied to a construct:
 * the rule tables return these, and the constructs report them with their
 * path (see `report` in ./problems). Free of cdktf so rule tables stay pure.
 */
export interface Finding {
  /** What is wrong, e.g. `queue "orders": argument x-max-lenght is unknown`. */
  readonly problem: string;
  /** The value received (shown JSON-encoded). */
  readonly received: unknown;
  /** How to fix it, e.g. `use x-max-length`. */
  readonly fix: string;
}
