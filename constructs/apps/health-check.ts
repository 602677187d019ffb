import type { ContainerHealthcheck } from "../private/bindings";
import { goDuration, sha256 } from "../private/terraform-text";

/** Options of a {@link HealthCheck}: its timing. */
export interface HealthCheckOptions {
  /**
   * Seconds between two checks.
   * @default 10
   */
  readonly intervalSeconds?: number;
  /**
   * Seconds one check may run before it counts as failed.
   * @default 10
   */
  readonly timeoutSeconds?: number;
  /**
   * Consecutive failures before the container is unhealthy.
   * @default 5
   */
  readonly retries?: number;
  /**
   * Seconds after start during which failures do not count.
   * @default 10
   */
  readonly startPeriodSeconds?: number;
}

/**
 * A container healthcheck. Durations are rendered in Go form ("10s",
 * "1m0s"), the form the provider reads back, so plans stay clean.
 */
export class HealthCheck {
  /** Runs `command` directly (exec form, `CMD`). */
  public static exec(command: string[], options: HealthCheckOptions = {}): HealthCheck {
    return new HealthCheck(["CMD", ...command], options);
  }

  /** Runs `command` with `/bin/sh -c` (`CMD-SHELL`). */
  public static shell(command: string, options: HealthCheckOptions = {}): HealthCheck {
    return new HealthCheck(["CMD-SHELL", command], options);
  }

  private constructor(
    private readonly test: string[],
    private readonly options: HealthCheckOptions,
  ) {}

  /** The provider's healthcheck block. */
  public render(): ContainerHealthcheck {
    const o = this.options;
    return {
      test: this.test,
      interval: goDuration(o.intervalSeconds ?? 10),
      timeout: goDuration(o.timeoutSeconds ?? 10),
      retries: o.retries ?? 5,
      startPeriod: goDuration(o.startPeriodSeconds ?? 10),
    };
  }

  /**
   * A short hash of the rendered healthcheck. The provider ignores
   * healthcheck edits on an existing container; a label holding this hash
   * makes an edit replace the container instead.
   */
  public hash(): string {
    return sha256(JSON.stringify(this.render()), 16);
  }

  /** The command, without the CMD / CMD-SHELL marker, for validation. */
  public get command(): string[] {
    return this.test.slice(1);
  }

  /** The numbers, for validation. */
  public get settings(): Required<HealthCheckOptions> {
    const o = this.options;
    return {
      intervalSeconds: o.intervalSeconds ?? 10,
      timeoutSeconds: o.timeoutSeconds ?? 10,
      retries: o.retries ?? 5,
      startPeriodSeconds: o.startPeriodSeconds ?? 10,
    };
  }
}
