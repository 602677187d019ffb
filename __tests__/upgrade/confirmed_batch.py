"""A fixed batch of confirmed messages to an existing queue, and reading it back, with pika.

The upgrade suite's outside client for the messages that must survive an
upgrade. Unlike the fault suite's rabbitmq_confirmed_producer.py (an endless
producer that declares its own queue), this one publishes to a queue the
stack declared (a passive declare: a cluster's quorum queue carries
x-quorum-initial-group-size, which a client's own declare would have to
repeat exactly) and stops after --count confirms.

  publish: --count N persistent messages {"seq": i, "runId": ...}, each sent
           once the previous one is confirmed (a nack, a return or a lost
           connection fails the run: before an upgrade nothing may fail);
           prints {"event": "published", "confirmed": N, "seconds": ...}.
  consume: reads the queue until it is idle, acking each message; prints
           {"event": "consumed", "received", "distinct", "duplicates",
           "foreign", "missing" (the first 50 of 1..--count not seen)}.

The password comes in OUTSIDE_CLIENT_PASSWORD, never on the command line.
"""

import argparse
import json
import os
import sys
import time

import pika


def emit(event, **fields):
    print(json.dumps({"event": event, "t": int(time.time() * 1000), **fields}), flush=True)


def connect(args):
    password = os.environ.get("OUTSIDE_CLIENT_PASSWORD")
    if password is None:
        sys.exit("OUTSIDE_CLIENT_PASSWORD is not set")
    last = None
    for port in [int(p) for p in args.ports.split(",") if p]:
        try:
            params = pika.ConnectionParameters(
                host="127.0.0.1",
                port=port,
                credentials=pika.PlainCredentials(args.user, password),
                client_properties={"connection_name": "outside-client confirmed_batch"},
            )
            connection = pika.BlockingConnection(params)
            channel = connection.channel()
            channel.queue_declare(queue=args.queue, passive=True)
            return connection, channel
        except Exception as error:  # noqa: BLE001 -- that node failed: try the next
            last = error
    sys.exit(f"no node of {args.ports} answered: {type(last).__name__}: {last}")


def publish(args):
    connection, channel = connect(args)
    channel.confirm_delivery()
    started = time.monotonic()
    for seq in range(1, args.count + 1):
        body = json.dumps({"seq": seq, "runId": args.run_id})
        # Raises on a nack, a return (mandatory) or a lost connection: the run fails.
        channel.basic_publish(
            exchange="",
            routing_key=args.queue,
            body=body,
            properties=pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent, content_type="application/json"),
            mandatory=True,
        )
    emit("published", confirmed=args.count, seconds=round(time.monotonic() - started, 3))
    connection.close()


def consume(args):
    connection, channel = connect(args)
    channel.basic_qos(prefetch_count=500)
    seen = set()
    received = duplicates = foreign = 0
    for method, _properties, body in channel.consume(args.queue, inactivity_timeout=args.idle_seconds):
        if method is None:
            break  # idle: the queue is empty
        try:
            message = json.loads(body)
        except ValueError:
            message = {}
        if message.get("runId") != args.run_id:
            foreign += 1
        else:
            received += 1
            seq = int(message["seq"])
            if seq in seen:
                duplicates += 1
            seen.add(seq)
        channel.basic_ack(method.delivery_tag)
    channel.cancel()
    missing = [seq for seq in range(1, args.count + 1) if seq not in seen]
    emit("consumed", received=received, distinct=len(seen), duplicates=duplicates, foreign=foreign, missing=missing[:50], missingCount=len(missing))
    connection.close()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["publish", "consume"])
    p.add_argument("--ports", required=True, help="comma-separated node ports on 127.0.0.1, tried in order")
    p.add_argument("--user", default="admin")
    p.add_argument("--queue", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--run-id", required=True)
    p.add_argument("--idle-seconds", type=float, default=3.0)
    args = p.parse_args()
    if args.mode == "publish":
        publish(args)
    else:
        consume(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
