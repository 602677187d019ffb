import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/** Folders never sent to a build or hashed: dependencies and VCS data. */
const SKIPPED = new Set(["node_modules", ".git"]);

/**
 * A deterministic SHA-256 of a build context: every file's path (relative,
 * `/`-separated), kind and content, walked in sorted order, skipping
 * node_modules and .git. Modification times and permissions are left out, so
 * a checkout or a touch changes nothing; a content change, an added, removed
 * or renamed file changes the hash. Symbolic links count by their target text.
 * Generated files inside the context (e.g. dist/main.js copied by a
 * Dockerfile) are hashed like any other file, on purpose.
 */
export function hashBuildContext(directory: string): string {
  const hash = createHash("sha256");
  walk(directory, "", hash);
  return hash.digest("hex");
}

function walk(root: string, relative: string, hash: ReturnType<typeof createHash>): void {
  const dir = path.join(root, relative);
  const names = fs.readdirSync(dir).sort();
  for (const name of names) {
    if (SKIPPED.has(name)) continue;
    const rel = relative ? `${relative}/${name}` : name;
    const full = path.join(root, rel);
    const stat = fs.lstatSync(full);
    if (stat.isDirectory()) {
      hash.update(`d\0${rel}\0`);
      walk(root, rel, hash);
    } else if (stat.isSymbolicLink()) {
      hash.update(`l\0${rel}\0${fs.readlinkSync(full)}\0`);
    } else if (stat.isFile()) {
      const content = fs.readFileSync(full);
      hash.update(`f\0${rel}\0${content.length}\0`);
      hash.update(content);
    }
  }
}
