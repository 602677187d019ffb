import * as fs from "fs";
import * as path from "path";

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
export function missingDockerfileSources(directory: string, dockerfile: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(path.join(directory, dockerfile), "utf8");
  } catch {
    return []; // the missing Dockerfile is reported on its own
  }
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
