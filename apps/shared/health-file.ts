import { rmSync, writeFileSync } from "node:fs";

/**
 * A file that exists exactly while the app holds a working broker connection,
 * so a container healthcheck can be `test -f /tmp/app-healthy` (no curl, no
 * port, nothing to install in a slim image). The metric
 * messaging_app_broker_connected shows the same state (`healthy`).
 */
export class HealthFile {
  private isUp = false;

  constructor(private readonly path: string) {
    // A container restarted in place keeps /tmp: never inherit a stale "healthy".
    this.down();
  }

  /** Whether the file was last written (up) rather than removed (down). */
  get healthy(): boolean {
    return this.isUp;
  }

  up(): void {
    writeFileSync(this.path, `${new Date().toISOString()}\n`);
    this.isUp = true;
  }

  down(): void {
    this.isUp = false;
    rmSync(this.path, { force: true });
  }
}
