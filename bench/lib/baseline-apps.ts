/**
 * Our apps as another commit built them, for a benchmark's before/after rows
 * measured in the same session as the working tree's apps (`--baseline REV`).
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync } from "fs";
import { join } from "path";
import { run } from "./proc";
import { log, REPO_ROOT } from "./stats";

const APPS = ["rabbitmq-producer", "rabbitmq-consumer", "kafka-producer", "kafka-consumer"];

/**
 * Extracts `rev`'s tree into `<work>/baseline-<rev>` (git archive, no
 * checkout of this repository changes), links this repository's
 * node_modules into it (a baseline with other dependencies is out of scope:
 * the lock file must match) and bundles its apps with its own apps/bundle.mjs.
 * Returns its apps folder, for AppProcess's `appsRoot`.
 */
export function buildBaselineApps(rev: string, work: string): { appsRoot: string; commit: string } {
  const commit = run("git", ["-C", REPO_ROOT, "rev-parse", "--short", `${rev}^{commit}`]).trim();
  const lockNow = dependenciesOf(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8"));
  const lockThen = dependenciesOf(run("git", ["-C", REPO_ROOT, "show", `${commit}:package-lock.json`]));
  if (lockNow !== lockThen)
    throw new Error(
      `--baseline ${rev}: its package-lock.json locks other dependencies than the working tree's; the baseline would run on them`,
    );
  const dir = join(work, `baseline-${commit}`);
  mkdirSync(dir, { recursive: true });
  run("bash", ["-c", `git -C "${REPO_ROOT}" archive "${commit}" | tar -x -C "${dir}"`]);
  if (!existsSync(join(dir, "node_modules"))) symlinkSync(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"));
  run("node", [join(dir, "apps", "bundle.mjs")]);
  for (const app of APPS) {
    if (!existsSync(join(dir, "apps", app, "dist", "main.js"))) throw new Error(`--baseline ${rev}: ${app} was not bundled`);
  }
  log(`baseline: the apps of ${commit} bundled in ${dir}`);
  return { appsRoot: join(dir, "apps"), commit };
}

/** A package-lock.json's locked dependencies, as comparable text: without the package's own version, which a release bumps. */
function dependenciesOf(lockText: string): string {
  const lock = JSON.parse(lockText) as { version?: string; packages?: Record<string, { version?: string }> };
  delete lock.version;
  if (lock.packages?.[""]) delete lock.packages[""].version;
  return JSON.stringify(lock);
}
