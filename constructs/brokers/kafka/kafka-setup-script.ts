/**
 * The Kafka set-up job's script and environment: it creates the topics,
 * the SCRAM users and the apps' ACLs, and revokes the ACLs no grant names
 * any more, as the broker principal over the replication network.
 */
import type { BrokerNode } from "../broker-base";
import type { SetupJobUser } from "../broker-setup-job";
import type { TopicDecl } from "./kafka-broker";
import {
  KAFKA_APP_SASL_MECHANISM,
  KAFKA_BIN,
  KAFKA_BROKER_PRINCIPAL,
  KAFKA_REPLICATION_PORT,
  TOOL_HEAP_OPTS,
  TOOL_JVM_OPTS,
} from "./kafka-constants";
import type { AppGrant } from "./kafka-grants";
import { replicationHost } from "./kafka-node-config";

/** What the set-up script is rendered from: the broker's nodes, topics, users and grants. */
export interface KafkaSetupScriptInput {
  readonly nodes: readonly BrokerNode[];
  readonly topics: readonly TopicDecl[];
  /** The users the job creates, in order: admin, then each wired app by name. */
  readonly users: readonly SetupJobUser[];
  readonly grants: ReadonlyMap<string, AppGrant>;
  /** On a Swarm the nodes have no health check: the job waits until every node answers. */
  readonly onSwarm: boolean;
}

/** The set-up job's environment: the tools' JVM settings, the passwords, and the ACLs the revocation step keeps. */
export function kafkaSetupEnvironment(
  brokerPassword: string,
  grants: ReadonlyMap<string, AppGrant>,
  users: readonly SetupJobUser[],
): Record<string, string> {
  const env: Record<string, string> = {
    KAFKA_HEAP_OPTS: TOOL_HEAP_OPTS,
    KAFKA_JVM_PERFORMANCE_OPTS: TOOL_JVM_OPTS,
    BROKER_PASSWORD: brokerPassword,
  };
  if (grants.size > 0) {
    // What REVOKE_STALE_ACLS keeps: `TYPE|name|User:app|OPERATION`, one a line, as `kafka-acls.sh --list` prints them.
    const wanted: string[] = [];
    for (const [user, grant] of grants) {
      for (const t of grant.writeTopics) wanted.push(`TOPIC|${t}|User:${user}|WRITE`);
      for (const t of grant.readTopics) wanted.push(`TOPIC|${t}|User:${user}|READ`);
      for (const g of grant.groups) wanted.push(`GROUP|${g}|User:${user}|READ`);
    }
    env.WANTED_ACLS = wanted.sort().join("\n");
    env.MANAGED_PRINCIPALS = [...grants.keys()]
      .sort()
      .map((u) => `User:${u}`)
      .join("\n");
  }
  for (const u of users) env[u.passwordEnv] = u.password;
  return env;
}

/**
 * Topics (one after another), then every SCRAM user and every app's ACLs,
 * SETUP_PARALLELISM tool runs at a time (each is a JVM start: ~2 s).
 * Passwords come from the environment and are never printed.
 */
export function kafkaSetupScript(input: KafkaSetupScriptInput): string {
  const { nodes, topics, users, grants, onSwarm } = input;
  const bootstrap = `--bootstrap-server ${nodes.map((n) => `${replicationHost(n)}:${KAFKA_REPLICATION_PORT}`).join(",")} --command-config "$cfg"`;
  const steps: string[] = [];
  const topicLines: string[] = [];
  for (const t of topics) {
    const configs = Object.entries(t.configs);
    topicLines.push(`echo ${shellQuote(`topic ${t.name}`)}`);
    topicLines.push(
      [
        `${KAFKA_BIN}/kafka-topics.sh ${bootstrap} --create --if-not-exists`,
        `--topic ${shellQuote(t.name)} --partitions ${t.partitions} --replication-factor ${t.replicationFactor}`,
        ...configs.map(([k, v]) => `--config ${shellQuote(`${k}=${v}`)}`),
      ].join(" "),
    );
    if (configs.length > 0) {
      const list = configs.map(([k, v]) => `${k}=${v.includes(",") ? `[${v}]` : v}`).join(",");
      topicLines.push(
        `${KAFKA_BIN}/kafka-configs.sh ${bootstrap} --alter --entity-type topics --entity-name ${shellQuote(t.name)} --add-config ${shellQuote(list)}`,
      );
    }
  }
  if (topicLines.length > 0) steps.push(`(set -e\n${topicLines.join("\n")}\n)`);
  for (const u of users) {
    steps.push(
      `${KAFKA_BIN}/kafka-configs.sh ${bootstrap} --alter --entity-type users --entity-name ${shellQuote(u.user)} --add-config "${KAFKA_APP_SASL_MECHANISM}=[password=$${u.passwordEnv}]"`,
    );
  }
  for (const [user, grant] of [...grants.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const principal = `--allow-principal ${shellQuote(`User:${user}`)}`;
    const topics = (names: Set<string>) =>
      [...names]
        .sort()
        .map((t) => `--topic ${shellQuote(t)}`)
        .join(" ");
    if (grant.writeTopics.size > 0) {
      steps.push(`${KAFKA_BIN}/kafka-acls.sh ${bootstrap} --add ${principal} --operation Write ${topics(grant.writeTopics)}`);
    }
    if (grant.readTopics.size > 0 || grant.groups.size > 0) {
      const groups = [...grant.groups]
        .sort()
        .map((g) => `--group ${shellQuote(g)}`)
        .join(" ");
      steps.push(
        `${KAFKA_BIN}/kafka-acls.sh ${bootstrap} --add ${principal} --operation Read ${topics(grant.readTopics)} ${groups}`.trimEnd(),
      );
    }
  }
  // Least privilege over time: an ACL of a wired app that its grants no
  // longer name (a topic or group it was moved off) is removed. Users and
  // ACLs of apps no longer in the stack are left (nothing tells them apart
  // from users made by hand).
  if (grants.size > 0) steps.push(REVOKE_STALE_ACLS.replace(/\$B/g, () => bootstrap));
  const lines = [
    "umask 077",
    "cfg=$(mktemp)",
    `printf 'security.protocol=SASL_PLAINTEXT\\nsasl.mechanism=PLAIN\\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${KAFKA_BROKER_PRINCIPAL}" password="%s";\\n' "$BROKER_PASSWORD" > "$cfg"`,
    // On a Swarm the nodes have no health check to wait for (see addNode's
    // swarmHealthCheck): the job waits until every node answers, 5 minutes at most.
    ...(onSwarm
      ? [
          `n=0; until [ "$(${KAFKA_BIN}/kafka-broker-api-versions.sh ${bootstrap} 2>/dev/null | grep -c ' (id: ')" -ge ${nodes.length} ]; do ` +
            `n=$((n + 1)); if [ "$n" -ge 100 ]; then echo "the cluster's ${nodes.length} nodes did not all answer within 5 minutes" >&2; exit 1; fi; sleep 3; done`,
        ]
      : []),
    // Each step in the background; `settle` waits for the running ones and fails if any did.
    'pids=""; failed=0',
    'settle() { for p in $pids; do wait "$p" || failed=1; done; pids=""; }',
  ];
  steps.forEach((step, i) => {
    lines.push(`${step} &`, 'pids="$pids $!"');
    if ((i + 1) % SETUP_PARALLELISM === 0 && i + 1 < steps.length) lines.push("settle");
  });
  lines.push("settle", 'rm -f "$cfg"', '[ "$failed" -eq 0 ] && echo "set-up done"', "");
  return lines.join("\n");
}

/**
 * The set-up job's revocation step: lists every ACL (one tool run), keeps
 * the LITERAL ALLOW bindings of the principals in $MANAGED_PRINCIPALS that
 * $WANTED_ACLS does not name, and removes each (one tool run each, only
 * when there is something to revoke). `$B` is replaced by the bootstrap and
 * command-config options. Plain sh and awk (the image's mawk).
 */
const REVOKE_STALE_ACLS = `(acls=$(mktemp) && ${KAFKA_BIN}/kafka-acls.sh $B --list > "$acls" || exit 1
awk '/^Current ACLs for resource/ { t = ""; n = ""; if (match($0, /resourceType=[A-Z_]+/)) t = substr($0, RSTART + 13, RLENGTH - 13); if (match($0, /name=.*, patternType=LITERAL\\)/)) n = substr($0, RSTART + 5, RLENGTH - 27); next }
/principal=/ { if (t == "" || n == "") next; p = $0; sub(/.*principal=/, "", p); sub(/, host=.*/, "", p); o = $0; sub(/.*operation=/, "", o); sub(/,.*/, "", o); if ($0 ~ /permissionType=ALLOW/) print t "|" n "|" p "|" o }' "$acls" | while IFS= read -r acl; do
  p=$(echo "$acl" | cut -d'|' -f3)
  printf '%s\\n' "$MANAGED_PRINCIPALS" | grep -qxF -e "$p" || continue
  printf '%s\\n' "$WANTED_ACLS" | grep -qxF -e "$acl" && continue
  t=$(echo "$acl" | cut -d'|' -f1); n=$(echo "$acl" | cut -d'|' -f2); o=$(echo "$acl" | cut -d'|' -f4)
  case "$t" in TOPIC) r=--topic ;; GROUP) r=--group ;; *) continue ;; esac
  echo "revoking $o on $t $n from $p (no longer granted)"
  ${KAFKA_BIN}/kafka-acls.sh $B --remove --force --allow-principal "$p" --operation "$o" "$r" "$n" > /dev/null || exit 1
done
s=$?; rm -f "$acls"; exit $s)`;

/** Tool runs of the set-up job at a time: a JVM start is CPU-bound, and the job has 512 MiB. */
const SETUP_PARALLELISM = 3;

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
