import { rmSync, writeFileSync } from "node:fs";

/**
 * A file that exists exactly while the app holds a working broker connection,
 * so a container healthcheck can be `test -f /tmp/app-healthy` (no curl, no
 * port, nothing to install in a slim image).
 */
export class HealthFile {
  constructor(private readonly path: string) {
    // A container restarted in place keeps /tmp: never inherit a stale "healthy".
    this.down();
  }

  up(): void {
    writeFileSync(this.path, `${new Date().toISOString()}\n`);
  }

  down(): void {
    rmSync(this.path, { force: true });
  }
}
