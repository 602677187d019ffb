import type { ContainerHealthcheck } from "../private/bindings";
import { showValue } from "../errors/messaging-error";
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
    // From JavaScript, command may be anything: kept as given, the app reports it.
    if (!Array.isArray(command)) return new HealthCheck(["CMD", command], options, command);
    return new HealthCheck(["CMD", ...command], options);
  }

  /** Runs `command` with `/bin/sh -c` (`CMD-SHELL`). */
  public static shell(command: string, options: HealthCheckOptions = {}): HealthCheck {
    return new HealthCheck(["CMD-SHELL", command], options);
  }

  private readonly options: HealthCheckOptions;

  private constructor(
    private readonly test: string[],
    /** @internal The options as given, for validation (null or a string from JavaScript). */
    public readonly givenOptions: HealthCheckOptions | undefined,
    /** An exec command that is not a list, as given. */
    private readonly givenCommand?: unknown,
  ) {
    this.options = givenOptions !== null && typeof givenOptions === "object" && !Array.isArray(givenOptions) ? givenOptions : {};
  }

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
    let text: string;
    try {
      text = JSON.stringify(this.render());
    } catch {
      text = showValue(this.render()); // a value of the wrong type, reported by the app
    }
    return sha256(text, 16);
  }

  /** The command, without the CMD / CMD-SHELL marker, for validation. */
  public get command(): string[] {
    return this.givenCommand !== undefined ? (this.givenCommand as string[]) : this.test.slice(1);
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
