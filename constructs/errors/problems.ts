import type { IConstruct } from "constructs";
import type { Finding } from "./finding";
import { MessagingValidationError, showValue } from "./messaging-error";
import { captureUserLocation, type SourceLocation } from "./source-location";

/**
 * Bad input is *reported*, not thrown: each problem is kept on its construct
 * and returned by a `node.addValidation` validator, so synth lists every
 * problem of every stack at once (cdktf runs the validators of every
 * construct before it writes a stack). The construct goes on with a safe
 * value, so one mistake does not hide the next.
 *
 * Only a problem that leaves nothing sensible to build (a missing required
 * prop) is thrown at once, with `fail`.
 */

interface ConstructProblems {
  readonly problems: MessagingValidationError[];
  /** Checks that can only run once the whole app is declared (cross-references). */
  readonly deferred: { check: () => readonly Finding[]; location?: SourceLocation }[];
}
const problemsByConstruct = new WeakMap<IConstruct, ConstructProblems>();

function entryOf(scope: IConstruct): ConstructProblems {
  let entry = problemsByConstruct.get(scope);
  if (!entry) {
    const created: ConstructProblems = { problems: [], deferred: [] };
    entry = created;
    problemsByConstruct.set(scope, created);
    // One validator a construct: it runs the deferred checks first, so their
    // problems are listed with the others whatever the order of calls.
    scope.node.addValidation({ validate: () => collect(scope).map((e) => e.message) });
  }
  return entry;
}

function record(scope: IConstruct, error: MessagingValidationError): void {
  const list = entryOf(scope).problems;
  // An aspect may visit a construct twice, and validation may run twice: keep one copy of each problem.
  if (list.some((e) => e.message === error.message)) return;
  list.push(error);
  rootsWithProblems.add(scope.node.root);
}

/** Runs `scope`'s deferred checks and returns all its problems. */
function collect(scope: IConstruct): MessagingValidationError[] {
  const entry = problemsByConstruct.get(scope);
  if (!entry) return [];
  for (const d of entry.deferred) {
    let findings: readonly Finding[];
    try {
      findings = d.check();
    } catch (error) {
      // A check that trips over a value reported elsewhere must not hide the report.
      if (MessagingValidationError.isMessagingValidationError(error)) record(scope, error);
      else
        record(
          scope,
          new MessagingValidationError(
            scope,
            `could not be checked (${describeError(error)})`,
            undefined,
            "fix the other problems listed; if this one stays, report it as a bug of cdktf-docker-messaging",
            d.location,
          ),
        );
      continue;
    }
    for (const f of findings) record(scope, new MessagingValidationError(scope, f.problem, f.received, f.fix, d.location));
  }
  return entry.problems;
}

/**
 * Registers a check that runs at synth (with cdktf's validation, or
 * `problemsIn`), once every construct of the app is declared: for
 * references between constructs, so that call order does not matter.
 */
export function deferCheck(
  scope: IConstruct,
  check: () => readonly Finding[],
  location: SourceLocation | undefined = captureUserLocation(),
): void {
  entryOf(scope).deferred.push({ check, location });
  rootsWithProblems.add(scope.node.root);
}
/** App roots that have problems, for `problemsIn` after a failed synth. */
const rootsWithProblems = new Set<IConstruct>();

/** Options of {@link report}. */
export interface ReportOptions {
  /** Where the user made the call; captured now when not given. */
  readonly location?: SourceLocation;
}

/** Records a problem of `scope`; synth fails listing it (see the file comment). */
export function report(scope: IConstruct, problem: string, received: unknown, fix: string, options: ReportOptions = {}): void {
  record(scope, new MessagingValidationError(scope, problem, received, fix, options.location ?? captureUserLocation()));
}

/** Records each finding of a rule table, prefixed with `subject` (e.g. `queue "orders"`). */
export function reportFindings(scope: IConstruct, findings: readonly Finding[], options: ReportOptions = {}): boolean {
  for (const f of findings) report(scope, f.problem, f.received, f.fix, options);
  return findings.length === 0;
}

/** Throws at once: for input that leaves nothing sensible to build. */
export function fail(scope: IConstruct, problem: string, received: unknown, fix: string): never {
  throw new MessagingValidationError(scope, problem, received, fix, captureUserLocation());
}

/** The problems reported in `scope` and below, in construct-tree order. */
export function problemsIn(scope: IConstruct): MessagingValidationError[] {
  return scope.node.findAll().flatMap((c) => collect(c));
}

/** A mark of the roots seen so far; `reportedProblemsSince(mark)` leaves theirs out. */
export function problemRootsMark(): ReadonlySet<IConstruct> {
  return new Set(rootsWithProblems);
}

/** Every problem reported under an app root that is not in `before` (for the synth report of one run). */
export function reportedProblemsSince(before: ReadonlySet<IConstruct> = new Set()): MessagingValidationError[] {
  return [...rootsWithProblems].filter((root) => !before.has(root)).flatMap((root) => problemsIn(root));
}

/**
 * Throws one error listing every problem in `scope` (a stack or an app), or
 * returns when there is none. For tests and for code that synthesizes
 * without cdktf's validation step (`Testing.synth` skips it by default).
 */
export function assertNoProblems(scope: IConstruct): void {
  const problems = problemsIn(scope);
  if (problems.length === 0) return;
  throw new MessagingProblems(problems);
}

/** `name: message` of any thrown value, never throwing itself (a getter may throw, a value may be a symbol). */
export function describeError(error: unknown): string {
  try {
    if (error instanceof Error || (typeof error === "object" && error !== null && "message" in error)) {
      const { name, message } = error as { name?: unknown; message?: unknown };
      const text = typeof message === "string" ? message : showValue(message);
      return error instanceof Error || typeof name !== "string" || name === "" ? text : `${name}: ${text}`;
    }
    return typeof error === "string" ? error : showValue(error);
  } catch {
    try {
      return `a thrown ${typeof error}: ${Object.prototype.toString.call(error)}`;
    } catch {
      return `a thrown ${typeof error}`;
    }
  }
}

/** Several problems at once. */
export class MessagingProblems extends Error {
  constructor(
    /** Every problem found, in the order they were recorded. */
    public readonly problems: readonly MessagingValidationError[],
  ) {
    super(`${problems.length} problem${problems.length === 1 ? "" : "s"}:\n` + problems.map((p) => `  - ${p.message}`).join("\n"));
    this.name = "MessagingProblems";
  }
}
