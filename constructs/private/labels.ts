import { escapeTemplate } from "./terraform-text";

/** Prefix of every label these constructs set (Docker's reverse-DNS convention, shortened). */
export const LABEL_PREFIX = "cdktf-docker-messaging";

export const Labels = {
  /** What a container is: `rabbitmq-broker`, `kafka-broker`, `kafka-setup`, `rabbitmq-setup`, `app`. */
  component: `${LABEL_PREFIX}.component`,
  /** Hash of the healthcheck; see HealthCheck.hash(). */
  healthcheck: `${LABEL_PREFIX}.healthcheck-sha256`,
  /**
   * Hash of a container's hardening settings (see hardeningHash): a change of
   * a setting the provider would not apply replaces the container.
   */
  hardening: `${LABEL_PREFIX}.hardening-sha256`,
  /** Why a container's hardening is weakened (ContainerHardening.reason); absent when nothing is. */
  hardeningException: `${LABEL_PREFIX}.hardening-exception`,
  /** The stack a resource belongs to (CommonLabels aspect). */
  stack: `${LABEL_PREFIX}.stack`,
  /** The broker a node container belongs to (its name): what the rolling-replace command groups by. */
  broker: `${LABEL_PREFIX}.broker`,
  /** A broker node's index, 1..N. */
  node: `${LABEL_PREFIX}.node`,
  /**
   * On the nodes of a cluster: a shell command run inside the node that exits
   * 0 only when the cluster can lose this node now without losing
   * availability or data (every replica in sync). The rolling-replace command
   * runs it before it takes a node down.
   */
  rollingCheck: `${LABEL_PREFIX}.rolling-check`,
  /** The tool that manages the resource (CommonLabels aspect). */
  managedBy: `${LABEL_PREFIX}.managed-by`,
} as const;

/**
 * Labels as the provider's list, in name order. Names and values are
 * escaped like environment values: `${` and `%{` in a label would otherwise
 * start a Terraform template (Tokens are left alone).
 */
export function labelList(labels: Record<string, string>): { label: string; value: string }[] {
  return (
    Object.keys(labels)
      .sort()
      // A value that is not a string was reported by checkLabels; render it as text meanwhile.
      .map((label) => ({ label: escapeTemplate(label), value: escapeTemplate(String(labels[label])) }))
  );
}
