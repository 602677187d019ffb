import type { BrokerWiring } from "../broker";
import type { BrokerKindTopology, EntityTopology, LinkTopology } from "../../topology/topology-description";
import type { RabbitMqTopology } from "./rabbitmq-topology";

/**
 * The RabbitMQ kind's part of the topology description: its exchanges
 * (the predefined `amq.*` ones where the stack uses them), queues, the
 * bindings from exchange to queue, and where each dead-lettering queue
 * sends its dead letters.
 */
export function rabbitMqTopologyEntities(
  topology: RabbitMqTopology,
  wirings: readonly BrokerWiring[],
): Pick<BrokerKindTopology, "entities" | "links"> {
  const exchanges = new Map<string, EntityTopology>();
  for (const e of topology.exchangeList) exchanges.set(e.name, exchange(e.name, e.type, e.internal, false));
  // The predefined exchanges are drawn where the stack uses them.
  const used = [
    ...topology.bindingList.map((b) => b.source),
    ...topology.queueList.map((q) => q.deadLetterExchange ?? ""),
    ...wirings.filter((w) => w.target?.entityKind === "exchange").map((w) => w.target!.entityName),
  ];
  for (const name of used) {
    if (name === "" || exchanges.has(name) || !topology.hasExchange(name)) continue;
    exchanges.set(name, exchange(name, topology.exchangeType(name) ?? "direct", false, true));
  }
  const queues = topology.queueList.map(
    (q): EntityTopology => ({
      kind: "queue",
      name: q.name,
      summary: q.type === "classic" && !q.durable ? "classic, transient" : q.type,
      properties: { type: q.type, durable: q.durable },
    }),
  );
  const links: LinkTopology[] = topology.bindingList.map((b) => ({
    kind: "binding",
    from: { kind: "exchange", name: b.source },
    to: { kind: "queue", name: b.destination },
    ...(b.routingKey !== "" ? { label: b.routingKey } : {}),
    dashed: false,
  }));
  for (const q of topology.queueList) {
    const to =
      q.deadLetterQueue !== undefined
        ? { kind: "queue", name: q.deadLetterQueue }
        : q.deadLetterExchange !== undefined
          ? { kind: "exchange", name: q.deadLetterExchange }
          : undefined;
    if (to === undefined) continue;
    // Through the default exchange to a queue, the key is the queue's name: not worth a word.
    const routingKey = q.deadLetterQueue === undefined ? q.arguments["x-dead-letter-routing-key"] : undefined;
    links.push({
      kind: "dead-letter",
      from: { kind: "queue", name: q.name },
      to,
      label: routingKey !== undefined ? `dead letters, key ${String(routingKey)}` : "dead letters",
      dashed: true,
    });
  }
  return { entities: [...exchanges.values(), ...queues], links };
}

function exchange(name: string, type: string, internal: boolean, predefined: boolean): EntityTopology {
  return {
    kind: "exchange",
    name,
    summary: [type, internal ? "internal" : "", predefined ? "predefined" : ""].filter(Boolean).join(", "),
    properties: { type, internal, predefined },
  };
}
