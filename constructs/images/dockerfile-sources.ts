import * as fs from "fs";
import * as path from "path";

/** The Dockerfile's text, read once for the checks below; empty when it is missing (reported on its own). */
export function readDockerfile(directory: string, dockerfile: string): string {
  try {
    return fs.readFileSync(path.join(directory, dockerfile), "utf8");
  } catch {
    return "";
  }
}

/**
 * The local sources a Dockerfile's `COPY` and `ADD` instructions name that
 * are missing from the build folder. A build whose Dockerfile copies a file
 * that is not there fails only at deploy, after the images before it were
 * built (`"/dist/main.js" not found`): checked at synth, it is one line that
 * names the file.
 *
 * Only literal paths are checked: a source with a glob, a variable, a URL,
 * a git address or a `--from` stage is left to Docker, and so is a heredoc.
 * `.dockerignore` is not read, so a file it excludes still counts as present.
 */
export function missingDockerfileSources(directory: string, text: string): string[] {
  const missing: string[] = [];
  for (const instruction of logicalLines(text)) {
    const match = /^(COPY|ADD)\s+(.*)$/i.exec(instruction);
    if (!match) continue;
    const args = argumentsOf(match[2]);
    if (args === undefined) continue;
    const flags = args.filter((a) => a.startsWith("--"));
    if (flags.some((f) => /^--from=/i.test(f))) continue; // a file of another build stage or image
    const operands = args.filter((a) => !a.startsWith("--"));
    const sources = operands.slice(0, -1);
    for (const source of sources) {
      if (!isLiteralLocalPath(source)) continue;
      const resolved = path.resolve(directory, source.replace(/^\/+/, ""));
      // A source outside the context is refused by Docker anyway; say it is missing.
      if (!fs.existsSync(resolved) || !isInside(directory, resolved)) missing.push(source);
    }
  }
  return missing;
}

/**
 * The folders a Dockerfile's final stage puts files into, absolute: its
 * WORKDIR and the folders its COPY/ADD instructions write to. A tmpfs over
 * one of them hides the image's own files (the app's code) at run time.
 * Only literal paths count; a destination with a variable is left out.
 */
export function dockerfileFolders(text: string): string[] {
  let workdir = "/";
  let folders = new Set<string>();
  for (const instruction of logicalLines(text)) {
    const [keyword, ...rest] = instruction.split(/\s+/);
    const upper = keyword.toUpperCase();
    if (upper === "FROM") {
      // A new stage starts from its base image's files: only the last stage runs.
      workdir = "/";
      folders = new Set();
    } else if (upper === "WORKDIR" && rest.length > 0 && !rest[0].includes("$")) {
      workdir = path.posix.resolve(workdir, rest.join(" "));
      folders.add(workdir);
    } else if (upper === "COPY" || upper === "ADD") {
      const args = argumentsOf(rest.join(" "));
      const destination = args?.filter((a) => !a.startsWith("--")).pop();
      if (destination === undefined || destination.includes("$")) continue;
      const resolved = path.posix.resolve(workdir, destination);
      folders.add(destination.endsWith("/") || destination === "." ? resolved : path.posix.dirname(resolved));
    }
  }
  return [...folders].sort();
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let current = "";
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (current === "" && (line.startsWith("#") || line === "")) continue;
    if (line.startsWith("#")) continue; // a comment inside a continued instruction
    if (line.endsWith("\\")) {
      current += line.slice(0, -1) + " ";
      continue;
    }
    lines.push(current + line);
    current = "";
  }
  if (current !== "") lines.push(current);
  return lines;
}

/** The arguments of COPY/ADD, in shell or JSON form; undefined for a heredoc. */
function argumentsOf(rest: string): string[] | undefined {
  if (rest.includes("<<")) return undefined;
  const trimmed = rest.trim();
  const jsonStart = trimmed.replace(/^(--\S+\s+)*/, "");
  if (jsonStart.startsWith("[")) {
    try {
      const list = JSON.parse(jsonStart);
      const flags = trimmed
        .slice(0, trimmed.length - jsonStart.length)
        .split(/\s+/)
        .filter(Boolean);
      return Array.isArray(list) && list.every((a) => typeof a === "string") ? [...flags, ...list] : undefined;
    } catch {
      return undefined;
    }
  }
  return trimmed.split(/\s+/).filter(Boolean);
}

function isLiteralLocalPath(source: string): boolean {
  if (/[*?[\]$]/.test(source)) return false; // globs and variables
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source) || source.startsWith("git@")) return false; // ADD of a URL or repository
  return true;
}

function isInside(directory: string, file: string): boolean {
  const relative = path.relative(path.resolve(directory), file);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}
