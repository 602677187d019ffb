/**
 * An Alertmanager's receivers as alertmanager.yml has them, checked: each
 * kind's options, and each secret turned into a file the start command
 * writes from the container's environment (alertmanager.yml names the file:
 * `url_file`, `auth_password_file`, ...; never the value).
 */
import type { IConstruct } from "constructs";
import { report } from "../errors/problems";
import { didYouMean } from "../errors/did-you-mean";
import { checkBoolean, checkKnownKeys, isToken } from "../private/validation";
import {
  AlertReceiver,
  type AlertReceiverKind,
  type EmailReceiverOptions,
  type MsTeamsReceiverOptions,
  type OpsgenieReceiverOptions,
  type PagerDutyReceiverOptions,
  type SlackReceiverOptions,
  type WebhookReceiverOptions,
} from "./alert-receiver";
import { checkSensitiveValue } from "./sensitive-value";

/** A secret of a receiver: the environment variable that carries it, and the file the start command writes it to. */
export interface AlertmanagerSecret {
  /** The environment variable (on a Swarm: `<env>_FILE` names a docker_secret's file). */
  readonly env: string;
  /** Where the start command writes it, which alertmanager.yml names. */
  readonly file: string;
  /** The Token Terraform fills in. */
  readonly value: string;
}

/** One receiver of alertmanager.yml. */
export interface RenderedReceiver {
  readonly name: string;
  /** `webhook_configs`, `email_configs`, ... */
  readonly section: string;
  /** Its one entry there, with Alertmanager's keys. */
  readonly config: Record<string, unknown>;
}

/** Receiver names: they name files and appear in notifications and the UI. */
const RECEIVER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const SMARTHOST = /^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}$/;
const EMAIL = /^[^\s@,]+@[^\s@,]+$/;

const KNOWN: Record<AlertReceiverKind, Record<string, true>> = {
  webhook: { url: true, sendResolved: true } satisfies Record<keyof WebhookReceiverOptions, true>,
  email: {
    to: true,
    from: true,
    smarthost: true,
    authUsername: true,
    authPassword: true,
    requireTls: true,
    sendResolved: true,
  } satisfies Record<keyof EmailReceiverOptions, true>,
  slack: { apiUrl: true, channel: true, sendResolved: true } satisfies Record<keyof SlackReceiverOptions, true>,
  pagerduty: { routingKey: true, sendResolved: true } satisfies Record<keyof PagerDutyReceiverOptions, true>,
  msteams: { webhookUrl: true, sendResolved: true } satisfies Record<keyof MsTeamsReceiverOptions, true>,
  opsgenie: { apiKey: true, apiUrl: true, sendResolved: true } satisfies Record<keyof OpsgenieReceiverOptions, true>,
};
/** Alertmanager's section of each kind, and its `send_resolved` default. */
const SECTION: Record<AlertReceiverKind, { section: string; sendResolved: boolean; factory: string }> = {
  webhook: { section: "webhook_configs", sendResolved: true, factory: "webhook" },
  email: { section: "email_configs", sendResolved: false, factory: "email" },
  slack: { section: "slack_configs", sendResolved: false, factory: "slack" },
  pagerduty: { section: "pagerduty_configs", sendResolved: true, factory: "pagerDuty" },
  // The Workflows webhook: Teams' Office 365 connectors (msteams_configs) are retired.
  msteams: { section: "msteamsv2_configs", sendResolved: true, factory: "msTeams" },
  opsgenie: { section: "opsgenie_configs", sendResolved: true, factory: "opsgenie" },
};

/**
 * The `receivers` prop, checked and rendered: at least one, each an
 * AlertReceiver with a unique name and valid options. Secrets are written
 * under `secretsDir` at start.
 */
export function receiverConfigs(
  scope: IConstruct,
  receivers: unknown,
  secretsDir: string,
): { receivers: RenderedReceiver[]; secrets: AlertmanagerSecret[] } {
  const rendered: RenderedReceiver[] = [];
  const secrets: AlertmanagerSecret[] = [];
  if (!Array.isArray(receivers) || receivers.length === 0) {
    report(
      scope,
      "receivers must be a non-empty list of AlertReceivers: alerts must reach someone",
      receivers,
      'pass e.g. [AlertReceiver.webhook("on-call", { url: onCallUrl })] (onCallUrl: a sensitive TerraformVariable)',
    );
    return { receivers: rendered, secrets };
  }
  const seen = new Set<string>();
  receivers.forEach((receiver: unknown, i: number) => {
    const at = `receivers[${i}]`;
    if (!(receiver instanceof AlertReceiver)) {
      report(
        scope,
        `${at} must be an AlertReceiver (made by AlertReceiver.webhook, .email, .slack, .pagerDuty, .msTeams or .opsgenie)`,
        receiver,
        'use e.g. AlertReceiver.webhook("on-call", { url })',
      );
      return;
    }
    const name = receiver.name;
    if (typeof name !== "string" || !RECEIVER_NAME.test(name)) {
      report(
        scope,
        `${at}: the receiver's name must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit`,
        name,
        'use e.g. "on-call"',
      );
      return;
    }
    if (seen.has(name)) {
      report(scope, `${at}: two receivers are named "${name}"`, name, "give each receiver its own name (routes name them)");
      return;
    }
    seen.add(name);
    const options = receiver.options;
    if (options === null || typeof options !== "object" || Array.isArray(options)) {
      report(
        scope,
        `${at} ("${name}"): the options of AlertReceiver.${SECTION[receiver.kind].factory} must be an object`,
        options,
        "pass its options object",
      );
      return;
    }
    checkKnownKeys(scope, `${at} ("${name}")`, options, KNOWN[receiver.kind]);
    const fields = new ReceiverFields(scope, at, options as Record<string, unknown>, secretsDir, i + 1);
    const config = KIND_CONFIG[receiver.kind](fields);
    const sendResolved = fields.bool("sendResolved", SECTION[receiver.kind].sendResolved);
    if (config === undefined) return;
    rendered.push({ name, section: SECTION[receiver.kind].section, config: { send_resolved: sendResolved, ...config } });
    secrets.push(...fields.secrets);
  });
  return { receivers: rendered, secrets };
}

/** Each kind's entry, or undefined when a required field is wrong (reported). */
const KIND_CONFIG: Record<AlertReceiverKind, (f: ReceiverFields) => Record<string, unknown> | undefined> = {
  webhook: (f) => {
    const url = f.options.url;
    if (typeof url === "string" && !isToken(url)) {
      // A URL without a credential may be written as is; one with a credential must be a secret.
      return f.literalUrl("url", url, { credentialsAllowed: false, redact: true }) ? { url } : undefined;
    }
    return f.secret("url", "url_file", { required: true });
  },
  email: (f) => {
    const to = f.text("to", {
      required: true,
      pattern: EMAIL,
      list: true,
      fix: 'use e.g. "ops@example.com" or "ops@example.com, dev@example.com"',
    });
    const from = f.text("from", { required: true, pattern: EMAIL, fix: 'use e.g. "alertmanager@example.com"' });
    const smarthost = f.text("smarthost", { required: true, pattern: SMARTHOST, fix: 'use "host:port", e.g. "smtp.example.com:587"' });
    const user = f.text("authUsername", { fix: 'use e.g. "alertmanager"' });
    let password: Record<string, unknown> | undefined = {};
    if (user !== undefined && f.options.authPassword === undefined) {
      report(f.scope, `${f.at}.authPassword is required with authUsername`, undefined, "pass authPassword: a sensitive TerraformVariable");
      password = undefined;
    } else if (user === undefined && f.options.authPassword !== undefined) {
      report(f.scope, `${f.at}.authPassword is set without authUsername`, "<redacted>", "set authUsername too, or remove authPassword");
      password = undefined;
    } else if (user !== undefined) {
      password = f.secret("authPassword", "auth_password_file", { required: true });
    }
    const requireTls = f.bool("requireTls", true);
    if ([to, from, smarthost, password].includes(undefined) || (f.options.authUsername !== undefined && user === undefined))
      return undefined;
    return { to, from, smarthost, ...(user !== undefined ? { auth_username: user, ...password } : {}), require_tls: requireTls };
  },
  slack: (f) => {
    const url = f.secret("apiUrl", "api_url_file", { required: true });
    const channel = f.text("channel", { pattern: /^[#@]?[^\s#@]+$/, fix: 'use e.g. "#messaging" or "@alice"' });
    if (url === undefined || (f.options.channel !== undefined && channel === undefined)) return undefined;
    return { ...url, ...(channel !== undefined ? { channel } : {}) };
  },
  pagerduty: (f) => f.secret("routingKey", "routing_key_file", { required: true }),
  msteams: (f) => f.secret("webhookUrl", "webhook_url_file", { required: true }),
  opsgenie: (f) => {
    const key = f.secret("apiKey", "api_key_file", { required: true });
    const apiUrl = f.options.apiUrl;
    let api: Record<string, unknown> | undefined = {};
    if (apiUrl !== undefined) {
      api =
        typeof apiUrl === "string" && !isToken(apiUrl) && f.literalUrl("apiUrl", apiUrl, { credentialsAllowed: false, httpsOnly: true })
          ? { api_url: apiUrl }
          : undefined;
      if (isToken(apiUrl) || typeof apiUrl !== "string") f.literalRequired("apiUrl", apiUrl);
    }
    return key === undefined || api === undefined ? undefined : { ...key, ...api };
  },
};

/** Reads and checks one receiver's options, collecting its secrets. */
class ReceiverFields {
  public readonly secrets: AlertmanagerSecret[] = [];

  constructor(
    public readonly scope: IConstruct,
    /** `receivers[i]`, for messages. */
    public readonly at: string,
    public readonly options: Record<string, unknown>,
    private readonly secretsDir: string,
    /** 1-based, names its secrets' variables and files. */
    private readonly index: number,
  ) {}

  /** A secret option as `{ <key>_file: path }`, its value carried as a secret; undefined when missing or not sensitive. */
  secret(field: string, fileKey: string, options: { required: boolean }): Record<string, unknown> | undefined {
    const value = this.options[field];
    if (value === undefined) {
      if (options.required)
        report(
          this.scope,
          `${this.at}.${field} is required`,
          undefined,
          "pass a sensitive TerraformVariable (declared with sensitive: true)",
        );
      return undefined;
    }
    const token = checkSensitiveValue(this.scope, `${this.at}.${field}`, value);
    if (token === undefined) return undefined;
    const slug = field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const secret: AlertmanagerSecret = {
      env: `ALERTMANAGER_RECEIVER_${this.index}_${slug.replace(/-/g, "_").toUpperCase()}`,
      file: `${this.secretsDir}/receiver-${this.index}-${slug}`,
      value: token,
    };
    this.secrets.push(secret);
    return { [fileKey]: secret.file };
  }

  /** A literal text option; undefined when missing or wrong (reported). */
  text(field: string, options: { required?: boolean; pattern?: RegExp; list?: boolean; fix: string }): string | undefined {
    const value = this.options[field];
    if (value === undefined) {
      if (options.required) report(this.scope, `${this.at}.${field} is required`, undefined, options.fix);
      return undefined;
    }
    if (!this.literalRequired(field, value)) return undefined;
    const text = value as string;
    const parts = options.list ? text.split(",").map((p) => p.trim()) : [text];
    if (text.trim() === "" || (options.pattern && !parts.every((p) => options.pattern!.test(p)))) {
      report(this.scope, `${this.at}.${field} is not valid`, value, options.fix);
      return undefined;
    }
    return text;
  }

  /** Refuses a Token or a non-string where alertmanager.yml needs a literal (it is written at synth). */
  literalRequired(field: string, value: unknown): boolean {
    if (typeof value === "string" && !isToken(value)) return true;
    report(
      this.scope,
      isToken(value)
        ? `${this.at}.${field} must be a literal: it is written into alertmanager.yml at synth (only the secret fields take Terraform values)`
        : `${this.at}.${field} must be a string`,
      isToken(value) ? "<a Terraform token>" : value,
      isToken(value) ? `pass a string; to choose it per environment, read it at synth (process.env)` : "pass a string",
    );
    return false;
  }

  /** A URL written as is: http(s), and no credential in it unless allowed. */
  literalUrl(field: string, value: string, options: { credentialsAllowed: boolean; httpsOnly?: boolean; redact?: boolean }): boolean {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    const schemes = options.httpsOnly ? ["https:"] : ["http:", "https:"];
    if (url === undefined || !schemes.includes(url.protocol) || url.hostname === "") {
      report(
        this.scope,
        `${this.at}.${field} is not an ${options.httpsOnly ? "https" : "http(s)"} URL`,
        options.redact ? "<redacted>" : value,
        `use e.g. "${options.httpsOnly ? "https://api.eu.opsgenie.com/" : "http://alert-receiver:8080/alerts"}"`,
      );
      return false;
    }
    if (!options.credentialsAllowed && (url.username !== "" || url.password !== "" || url.search !== "")) {
      report(
        this.scope,
        `${this.at}.${field} carries a credential (${url.username !== "" || url.password !== "" ? "user:password@" : "a query string"}): written as is it would be committed with the code and be in plain text in cdktf.out and alertmanager.yml`,
        "<redacted>",
        'pass the URL as a sensitive value: new TerraformVariable(this, "alert_webhook_url", { type: "string", sensitive: true })',
      );
      return false;
    }
    return true;
  }

  /** A boolean option, or its default. */
  bool(field: string, fallback: boolean): boolean {
    const value = this.options[field];
    return checkBoolean(this.scope, `${this.at}.${field}`, value) && typeof value === "boolean" ? value : fallback;
  }
}

/** `name` among `names`, else reported with the nearest one. */
export function checkReceiverName(scope: IConstruct, field: string, name: unknown, names: readonly string[]): boolean {
  if (typeof name === "string" && names.includes(name)) return true;
  const guess = typeof name === "string" ? didYouMean(name, names) : "";
  report(
    scope,
    `${field} names no receiver of this Alertmanager`,
    name,
    `${guess ? `${guess}` : ""}use one of: ${names.map((n) => JSON.stringify(n)).join(", ") || "(none declared)"}`.trim(),
  );
  return false;
}
