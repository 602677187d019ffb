import * as fs from "fs";
import type { IConstruct } from "constructs";
import * as path from "path";
import { MessagingValidationError, showValue } from "./messaging-error";
import { describeError, problemRootsMark, reportedProblemsSince } from "./problems";
import type { SourceLocation } from "./source-location";

/** Set to 1 (or run with `--verbose`) to print the full stack trace of an unexpected error. */
export const SYNTH_DEBUG_ENV = "CDKTF_DOCKER_MESSAGING_DEBUG";

/**
 * Runs `synth` (build the app, call `app.synth()`) and, when it throws,
 * prints every problem of the app as one short block each, naming the
 * construct path, the value, the fix and the user's file and line, then sets
 * the exit code to 1. No stack trace of library or cdktf internals, unless
 * `CDKTF_DOCKER_MESSAGING_DEBUG=1` or `--verbose` asks for it.
 *
 * ```ts
 * runSynth(() => {
 *   const app = new App();
 *   new MyStack(app, "shop");
 *   app.synth();
 * });
 * ```
 */
export function runSynth(synth: () => void, out: (text: string) => void = (t) => process.stderr.write(t)): boolean {
  const mark = problemRootsMark(); // apps built before this run are not reported
  try {
    synth();
    return true;
  } catch (error) {
    process.exitCode = 1;
    let text: string;
    try {
      text = formatSynthFailure(error, mark);
    } catch (formatError) {
      // The report must not end in a stack trace of its own.
      text = `\nSynth failed: ${describeError(error)}\n(and the report could not be written: ${describeError(formatError)})\n`;
    }
    out(text);
    return false;
  }
}

/** The text `runSynth` prints for an error thrown by building or synthesizing an app. */
export function formatSynthFailure(error: unknown, since: ReadonlySet<IConstruct> = new Set()): string {
  const ours = new Map<string, MessagingValidationError>();
  const others: string[] = [];
  try {
    for (const p of reportedProblemsSince(since)) ours.set(p.message, p);
  } catch (collectError) {
    others.push(`the problems of the app could not be listed: ${describeError(collectError)}`);
  }
  if (isOurs(error) && typeof error.message === "string") ours.set(error.message, error);
  others.push(...otherErrors(error, ours));
  const count = ours.size + others.length;
  const blocks = [...ours.values()].map(formatProblem);
  for (const other of others) blocks.push(`✖ ${other}`);
  const verbose = process.env[SYNTH_DEBUG_ENV] === "1" || process.argv.includes("--verbose");
  if (verbose && error instanceof Error && typeof error.stack === "string")
    blocks.push(`stack trace (${SYNTH_DEBUG_ENV}=1):\n${error.stack}`);
  const hint = verbose ? "" : `\n(set ${SYNTH_DEBUG_ENV}=1 for stack traces)\n`;
  return `\nSynth failed: ${count} problem${count === 1 ? "" : "s"}.\n\n${blocks.join("\n\n")}\n${hint}`;
}

const isOurs = MessagingValidationError.isMessagingValidationError;

/**
 * The messages of `error` that are not among `ours`: cdktf's validation
 * failure lists `[path] message` lines (ours among them); any other error is
 * one message.
 */
function otherErrors(error: unknown, ours: Map<string, MessagingValidationError>): string[] {
  if (isOurs(error) && typeof error.message === "string") return [];
  if (isProblems(error)) {
    // Listed by reportedProblemsSince when they are of this run; those of another app are added here.
    for (const p of error.problems) if (isOurs(p) && !ours.has(p.message)) ours.set(p.message, p);
    return [];
  }
  const message = describeError(error);
  const listed = /^(?:App-level validation|Validation) failed with the following errors:\n([\s\S]*?)\n\s*\n/.exec(message + "\n\n");
  if (!listed) return [message.trim()];
  return listed[1]
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && ![...ours.keys()].some((m) => line.endsWith(m)));
}

function isProblems(error: unknown): error is { problems: readonly unknown[] } {
  try {
    return error instanceof Error && error.name === "MessagingProblems" && Array.isArray((error as { problems?: unknown }).problems);
  } catch {
    return false;
  }
}

function formatProblem(p: MessagingValidationError): string {
  const where = p.location ? `\n  at ${describeLocation(p.location)}` : "";
  return `✖ ${p.constructPath}: ${p.problem}\n  got: ${showValue(p.received)}\n  fix: ${p.fix}${where}`;
}

/** `main.ts:42:7`, relative to the working folder, at the position in the TypeScript source when it can be found. */
export function describeLocation(location: SourceLocation): string {
  const original = originalPosition(location);
  const relative = path.relative(process.cwd(), original.file);
  const shown = relative.startsWith("..") ? original.file : relative;
  return `${shown}:${original.line}:${original.column}`;
}

interface SourceMapLike {
  findEntry(
    line: number,
    column: number,
  ): { originalSource?: string; originalLine?: number; originalColumn?: number } | Record<string, never>;
}

/**
 * Maps a runtime position back to the TypeScript source. Node keeps source
 * maps only while they are enabled (synth turns them off for speed, see
 * constructs/private/synth-entry.ts), so when Node has none for the file, the
 * file is transpiled again here, the way esbuild-register did (same banner,
 * same format), and its map used. Runs only on the error path.
 */
function originalPosition(location: SourceLocation): SourceLocation {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: only on the error path
    const mod = require("module") as {
      findSourceMap?: (file: string) => SourceMapLike | undefined;
      SourceMap?: new (payload: unknown) => SourceMapLike;
    };
    const viaSupport = sourceMapSupportPosition(location);
    if (viaSupport) return viaSupport;
    let map = mod.findSourceMap?.(location.file);
    if (!map && /\.[cm]?tsx?$/.test(location.file) && mod.SourceMap) map = esbuildRegisterMap(location.file, mod.SourceMap);
    if (!map) return location;
    const entry = map.findEntry(location.line - 1, location.column - 1) as {
      originalSource?: string;
      originalLine?: number;
      originalColumn?: number;
    };
    if (entry.originalLine === undefined) return location;
    const source = entry.originalSource?.startsWith("file://") ? new URL(entry.originalSource).pathname : location.file;
    return { file: source, line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 };
  } catch {
    return location;
  }
}

/**
 * ts-node (cdktf's project template) keeps its source maps in
 * source-map-support (ts-node 10: @cspotcode/source-map-support), not in
 * Node: ask it, when it is loaded.
 */
function sourceMapSupportPosition(location: SourceLocation): SourceLocation | undefined {
  const loaded = Object.keys(require.cache).find((file) =>
    /[\\/](?:@cspotcode[\\/])?source-map-support[\\/]source-map-support\.js$/.test(file),
  );
  if (!loaded) return undefined;
  const support = require.cache[loaded]?.exports as {
    mapSourcePosition?: (p: { source: string; line: number; column: number }) => { source: string; line: number; column: number };
  };
  const mapped = support?.mapSourcePosition?.({ source: location.file, line: location.line, column: location.column - 1 });
  if (!mapped || typeof mapped.line !== "number") return undefined;
  const file = mapped.source.startsWith("file://")
    ? new URL(mapped.source).pathname
    : path.resolve(path.dirname(location.file), mapped.source);
  return { file, line: mapped.line, column: mapped.column + 1 };
}

function esbuildRegisterMap(file: string, SourceMap: new (payload: unknown) => SourceMapLike): SourceMapLike | undefined {
  let esbuild: { transformSync: (code: string, options: Record<string, unknown>) => { map: string } };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional: the user's esbuild, when there is one
    esbuild = require(require.resolve("esbuild", { paths: [process.cwd(), path.dirname(file)] }));
  } catch {
    return undefined;
  }
  // esbuild-register 3.x: these options, with the tsconfig's compilerOptions.
  const variable = "__esbuild_register_import_meta_url__";
  const result = esbuild.transformSync(fs.readFileSync(file, "utf8"), {
    sourcefile: file,
    loader: file.endsWith("x") ? "tsx" : "ts",
    sourcemap: "external",
    format: "cjs",
    define: { "import.meta.url": variable },
    banner: `const ${variable} = require('url').pathToFileURL(__filename).href;`,
    ...tsconfigRaw(path.dirname(file)),
  });
  return new SourceMap(JSON.parse(result.map));
}

function tsconfigRaw(dir: string): { tsconfigRaw?: unknown } {
  for (let d = dir; ; d = path.dirname(d)) {
    const candidate = path.join(d, "tsconfig.json");
    if (fs.existsSync(candidate)) {
      try {
        return { tsconfigRaw: { compilerOptions: JSON.parse(fs.readFileSync(candidate, "utf8")).compilerOptions } };
      } catch {
        return {};
      }
    }
    if (path.dirname(d) === d) return {};
  }
}
