/**
 * A publisher's messages against its broker's message-size limit: the
 * app's MESSAGE_SIZE_BYTES (or its default) plus the apps' message
 * envelope must fit, else the broker would refuse every message.
 */
import { AppEnv, APP_MESSAGE_OVERHEAD_BYTES, APP_SETTINGS, type IntegerSetting } from "../apps/app-settings";
import type { Finding } from "../errors/finding";
import type { IBrokerClient } from "./broker";

/** A broker's message-size limit, and what the finding says of it. */
export interface MessageSizeLimit {
  /** The largest message the broker takes, in bytes; not a finite number (an unreadable setting): no finding. */
  readonly bytes: number;
  /** The limit as the problem names it, e.g. `RabbitMQ 4.0's 16777216-byte max_message_size`. */
  readonly name: string;
  /** What the broker would do, e.g. `the broker would close the publisher's channel on every message`. */
  readonly consequence: string;
  /** Said after `use MESSAGE_SIZE_BYTES <= <largest size>` in the fix, e.g. `, or raise the topic's "max.message.bytes" config`. */
  readonly fixSuffix: string;
}

/** A finding when the messages `app` publishes as `role` are over `limit`. */
export function messageSizeFindings(role: string, app: IBrokerClient, limit: MessageSizeLimit): Finding[] {
  const raw = app.settingValue(AppEnv.MESSAGE_SIZE_BYTES);
  const size = raw === undefined ? (APP_SETTINGS.MESSAGE_SIZE_BYTES as IntegerSetting).default : Number(raw);
  if (!Number.isFinite(size) || !Number.isFinite(limit.bytes) || size + APP_MESSAGE_OVERHEAD_BYTES <= limit.bytes) return [];
  return [
    {
      problem: `${role} (${app.node.path}): ${AppEnv.MESSAGE_SIZE_BYTES} plus the message envelope (~${APP_MESSAGE_OVERHEAD_BYTES} bytes) exceeds ${limit.name}, so ${limit.consequence}`,
      received: size,
      fix: `use ${AppEnv.MESSAGE_SIZE_BYTES} <= ${limit.bytes - APP_MESSAGE_OVERHEAD_BYTES}${limit.fixSuffix}`,
    },
  ];
}
