import * as path from "path";

/** A place in the user's code: file (absolute) and 1-based line and column, as the runtime saw them. */
export interface SourceLocation {
  /** Absolute path of the file. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
}

/** This library's own folder (constructs/ in the repo, dist/constructs when packed). */
const LIBRARY_DIR = path.resolve(__dirname, "..") + path.sep;

/**
 * The first frame of the current call stack that is the user's code: not
 * this library, not node_modules, not Node's internals. Only the structured
 * frames are captured (no string formatting, no source maps), so this costs
 * a few microseconds; it runs on error paths and once per wiring call.
 */
export function captureUserLocation(): SourceLocation | undefined {
  const original = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  let sites: NodeJS.CallSite[] = [];
  try {
    Error.stackTraceLimit = 30;
    Error.prepareStackTrace = (_error, callSites) => callSites;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, captureUserLocation);
    sites = (holder.stack as NodeJS.CallSite[] | undefined) ?? [];
  } finally {
    Error.prepareStackTrace = original;
    Error.stackTraceLimit = limit;
  }
  for (const site of sites) {
    const file = site.getFileName();
    if (!file || !path.isAbsolute(file)) continue; // node:internal, eval
    if (file.startsWith(LIBRARY_DIR) || file.includes(`${path.sep}node_modules${path.sep}`)) continue;
    return { file, line: site.getLineNumber() ?? 0, column: site.getColumnNumber() ?? 0 };
  }
  return undefined;
}
