import type { TerraformVariable } from "../private/framework";

/**
 * A secret an Alertmanager receiver needs (a password, an API key, a URL
 * that carries a token): a `TerraformVariable` declared with
 * `sensitive: true`, or a string Token that resolves to one (its
 * `stringValue`, or an expression using it, or `Fn.sensitive(...)`). A
 * literal string is refused at synth: it would be committed with the code
 * and written in plain text to cdktf.out. The value reaches the container
 * as a secret and is written to a file at start; alertmanager.yml names only
 * the file (`url_file`, `auth_password_file`, ...).
 */
export type SensitiveValue = string | TerraformVariable;

/** What a receiver notifies. */
export type AlertReceiverKind = "webhook" | "email" | "slack" | "pagerduty" | "msteams" | "opsgenie";

/** Options of {@link AlertReceiver.webhook}. */
export interface WebhookReceiverOptions {
  /**
   * Where Alertmanager POSTs each notification (JSON, Alertmanager's webhook
   * format). A literal `http://` or `https://` URL when it carries no
   * credential (no `user:password@`, no query string), or a
   * {@link SensitiveValue} for one that does (a token in its path or query).
   */
  readonly url: SensitiveValue;
  /**
   * Also notify when the alerts of a notification are resolved.
   * @default true
   */
  readonly sendResolved?: boolean;
}

/** Options of {@link AlertReceiver.email}. */
export interface EmailReceiverOptions {
  /** The address to notify (several: comma-separated). */
  readonly to: string;
  /** The sender's address. */
  readonly from: string;
  /** The SMTP server, `host:port` (e.g. `smtp.example.com:587`). */
  readonly smarthost: string;
  /**
   * The SMTP user; `authPassword` is required with it.
   * @default - no SMTP authentication
   */
  readonly authUsername?: string;
  /**
   * The SMTP user's password (a sensitive value).
   * @default - none (no authentication)
   */
  readonly authPassword?: SensitiveValue;
  /**
   * Refuse to send unless the server offers STARTTLS.
   * @default true
   */
  readonly requireTls?: boolean;
  /**
   * Also notify when the alerts of a notification are resolved.
   * @default false
   */
  readonly sendResolved?: boolean;
}

/** Options of {@link AlertReceiver.slack}. */
export interface SlackReceiverOptions {
  /** The Slack incoming webhook URL (a sensitive value: it is the credential). */
  readonly apiUrl: SensitiveValue;
  /**
   * The channel (`#ops`) or user (`@alice`) to post to.
   * @default - the webhook's own channel
   */
  readonly channel?: string;
  /**
   * Also notify when the alerts of a notification are resolved.
   * @default false
   */
  readonly sendResolved?: boolean;
}

/** Options of {@link AlertReceiver.pagerDuty}. */
export interface PagerDutyReceiverOptions {
  /** The integration key of a PagerDuty service's Events API v2 integration (a sensitive value). */
  readonly routingKey: SensitiveValue;
  /**
   * Also resolve the incident when the alerts are resolved.
   * @default true
   */
  readonly sendResolved?: boolean;
}

/** Options of {@link AlertReceiver.msTeams}. */
export interface MsTeamsReceiverOptions {
  /** The Microsoft Teams Workflows (Power Automate) webhook URL (a sensitive value: it carries its signature). */
  readonly webhookUrl: SensitiveValue;
  /**
   * Also notify when the alerts of a notification are resolved.
   * @default true
   */
  readonly sendResolved?: boolean;
}

/** Options of {@link AlertReceiver.opsgenie}. */
export interface OpsgenieReceiverOptions {
  /** The API key of an Opsgenie API integration (a sensitive value). */
  readonly apiKey: SensitiveValue;
  /**
   * Opsgenie's API, a literal `https://` URL (`https://api.eu.opsgenie.com/` for the EU instance).
   * @default - Alertmanager's default, https://api.opsgenie.com/
   */
  readonly apiUrl?: string;
  /**
   * Also close the alert when the alerts are resolved.
   * @default true
   */
  readonly sendResolved?: boolean;
}

/**
 * Where an {@link Alertmanager} sends notifications: one receiver, named,
 * of one kind. Routes name receivers (`route.receiver`); several kinds for
 * one alert are several receivers and routes with `continue: true`.
 *
 * ```ts
 * AlertReceiver.webhook("on-call", { url: onCallUrl.stringValue });   // a sensitive TerraformVariable
 * AlertReceiver.slack("team", { apiUrl: slackUrl, channel: "#messaging" });
 * ```
 */
export class AlertReceiver {
  /** Alertmanager POSTs each notification to a URL, as JSON. */
  public static webhook(name: string, options: WebhookReceiverOptions): AlertReceiver {
    return new AlertReceiver(name, "webhook", options);
  }

  /** An email through an SMTP server. */
  public static email(name: string, options: EmailReceiverOptions): AlertReceiver {
    return new AlertReceiver(name, "email", options);
  }

  /** A message to Slack, through an incoming webhook. */
  public static slack(name: string, options: SlackReceiverOptions): AlertReceiver {
    return new AlertReceiver(name, "slack", options);
  }

  /** A PagerDuty incident, through the Events API v2. */
  public static pagerDuty(name: string, options: PagerDutyReceiverOptions): AlertReceiver {
    return new AlertReceiver(name, "pagerduty", options);
  }

  /** A message to Microsoft Teams, through a Workflows webhook (Alertmanager's `msteamsv2`). */
  public static msTeams(name: string, options: MsTeamsReceiverOptions): AlertReceiver {
    return new AlertReceiver(name, "msteams", options);
  }

  /** An Opsgenie alert. */
  public static opsgenie(name: string, options: OpsgenieReceiverOptions): AlertReceiver {
    return new AlertReceiver(name, "opsgenie", options);
  }

  private constructor(
    /** The receiver's name, by which routes name it. */
    public readonly name: string,
    /** What it notifies. */
    public readonly kind: AlertReceiverKind,
    /** @internal The options as given, checked by the Alertmanager that uses the receiver. */
    public readonly options: unknown,
  ) {}
}
