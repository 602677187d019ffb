"""An outside Kafka client under the fault suite: confluent-kafka (librdkafka), as its users run it.

Producer mode (default): a confluent_kafka.Producer with enable.idempotence
and acks=all, everything else librdkafka's defaults (retries, timeouts,
message.timeout.ms, reconnect back-off: the point is the client as its users
run it), producing numbered messages at a fixed rate to a topic of its own,
keyed by seq so they spread over the partitions. The topic is created with
the AdminClient when missing (--partitions 3, --replication-factor 3,
min.insync.replicas --min-insync 2). A message counts as confirmed when its
delivery callback reports no error. A message whose delivery failed (after
librdkafka's own retries, message.timeout.ms: 5 minutes by default) is
produced again: at least once, so it may show up as a duplicate, never as a
loss.

Every second (and at exit) one JSON line on stdout:
  {"event":"stats","t":<epoch ms>,"sent":n,"confirmed":n,"longestGapMs":ms,"node":null,...}
longestGapMs: the longest time between two confirms that ended in this
interval, or the stall still open at the line (the line after a stall holds
all of it). librdkafka talks to every broker at once, so there is no one
node: "node" is null. Also: starting, topic, error (librdkafka's error_cb,
the same error of the same broker at most once in 5 s), deliveryFailed (at most once a second,
with the count), fatal. SIGTERM or SIGINT: stop producing, flush what is in
flight for up to --drain-seconds (what users do at exit: producer.flush),
then
  {"event":"shutdown","confirmed":n,"sent":n,"confirmedSeqs":"<file>",...}
and exit 0 (3 after a fatal error). The file lists every confirmed seq, one
a line, written as each confirm arrives.

Verify mode (--verify --confirmed-file F --run-id R): reads every partition of
the topic from the beginning up to the high watermarks taken at the start
(assigned partitions, no group membership, nothing committed), then prints
  {"event":"verify","confirmed":n,"consumedDistinct":n,"duplicates":n,"lost":n,...}
and deletes the topic (--keep-topic keeps it). Every copy of a seq after the
first in the log is a duplicate. Records of other runs are counted as
`foreign`.

Security: --security sasl_ssl (default: SCRAM-SHA-512 over TLS, the CA of
--ca-file, librdkafka's default host name check of the advertised address,
127.0.0.1), sasl_plaintext, or plaintext (smoke tests). The password comes from
the environment (OUTSIDE_CLIENT_PASSWORD), never the command line.
"""

import argparse
import collections
import json
import os
import re
import signal
import sys
import tempfile
import time
import uuid

import confluent_kafka
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


def now_ms():
    return int(time.time() * 1000)


def emit(event, **fields):
    sys.stdout.write(json.dumps({"event": event, "t": now_ms(), **fields}) + "\n")
    sys.stdout.flush()


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--brokers", required=True, help="comma-separated host:port bootstrap list")
    p.add_argument("--security", choices=["sasl_ssl", "sasl_plaintext", "plaintext"], default="sasl_ssl")
    p.add_argument("--ca-file", help="CA certificate (PEM) for sasl_ssl")
    p.add_argument("--user", default="admin")
    p.add_argument("--topic", required=True)
    p.add_argument("--partitions", type=int, default=3)
    p.add_argument("--replication-factor", type=int, default=3)
    p.add_argument("--min-insync", type=int, default=2)
    p.add_argument("--rate", type=float, default=50.0, help="messages per second")
    p.add_argument("--run-id", default=None)
    p.add_argument("--out-dir", default=tempfile.gettempdir(), help="where the confirmed-seq file goes")
    p.add_argument("--stats-interval", type=float, default=1.0)
    p.add_argument("--drain-seconds", type=float, default=10.0, help="flush at SIGTERM for at most this long")
    p.add_argument("--admin-timeout", type=float, default=60.0, help="the longest topic creation (and deletion) may take")
    p.add_argument("--verify", action="store_true")
    p.add_argument("--confirmed-file")
    p.add_argument("--idle-seconds", type=float, default=10.0, help="verify: give up reading after this long without a record")
    p.add_argument("--verify-timeout", type=float, default=300.0, help="the longest verify may take in all")
    p.add_argument("--keep-topic", action="store_true")
    return p.parse_args()


def client_config(args):
    """What every client of this script shares: where the brokers are and how to log in."""
    conf = {"bootstrap.servers": args.brokers, "client.id": "outside-client-kafka-confirmed-producer"}
    if args.security != "plaintext":
        password = os.environ.get("OUTSIDE_CLIENT_PASSWORD")
        if password is None:
            sys.exit("OUTSIDE_CLIENT_PASSWORD is not set")
        conf.update(
            {
                "security.protocol": args.security.upper(),
                "sasl.mechanism": "SCRAM-SHA-512",
                "sasl.username": args.user,
                "sasl.password": password,
            }
        )
    if args.security == "sasl_ssl":
        if not args.ca_file:
            sys.exit("--security sasl_ssl needs --ca-file")
        # ssl.endpoint.identification.algorithm stays librdkafka's default
        # (https since 2.0): the certificate must name the address the
        # broker advertises, 127.0.0.1 (an IP SAN in the generated certificates).
        conf["ssl.ca.location"] = args.ca_file
    return conf


def describe(error):
    if isinstance(error, KafkaError):
        return f"{error.name()}: {error.str()}"[:300]
    return f"{type(error).__name__}: {error}"[:300]


def ensure_topic(args):
    """Creates the topic when it is missing; an existing one is taken as it is."""
    conf = client_config(args)
    # librdkafka's error callback says why a broker cannot be reached (TLS, SASL) before the request times out.
    conf["error_cb"] = lambda error: emit("error", reason=describe(error))
    admin = AdminClient(conf)
    topic = NewTopic(
        args.topic,
        num_partitions=args.partitions,
        replication_factor=args.replication_factor,
        config={"min.insync.replicas": str(args.min_insync)},
    )
    future = admin.create_topics([topic], request_timeout=args.admin_timeout)[args.topic]
    try:
        future.result(timeout=args.admin_timeout)
        created = True
    except KafkaException as error:
        if error.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
            raise
        created = False
    finally:
        admin.poll(0)  # serves the error callbacks still queued
    emit("topic", topic=args.topic, created=created, partitions=args.partitions, replicationFactor=args.replication_factor)


class Run:
    def __init__(self, args):
        self.args = args
        self.run_id = args.run_id or uuid.uuid4().hex[:12]
        self.confirmed_path = os.path.join(args.out_dir, f"outside-kafka-{self.run_id}.confirmed")
        self.confirmed_file = open(self.confirmed_path, "w", encoding="utf-8")
        self.sent = self.resent = self.confirmed = self.failed = 0
        self.next_seq = 1
        self.again = collections.deque()  # seqs whose delivery failed: produced again first
        self.started = time.monotonic()
        self.last_confirm = self.started
        self.interval_gap = 0.0
        self.stopping = False
        self.fatal = None
        self.errors_seen = {}  # error text -> when last emitted
        self.failed_unreported = 0
        self.failed_last_reason = None
        self.failed_reported_at = 0.0

    # --- callbacks (run inside producer.poll/flush, on this thread) ------
    def on_error(self, error):
        text = describe(error)
        if error.fatal():
            self.fatal = text
            emit("fatal", reason=text)
            return
        now = time.monotonic()
        # The same error of the same broker differs only in librdkafka's "(after 312ms in state ...)".
        key = re.sub(r"\s*\(after \d+ms in state [^)]*\)", "", text)
        if now - self.errors_seen.get(key, -1e9) >= 5:
            self.errors_seen[key] = now
            emit("error", reason=text, retriable=error.retriable())

    def on_delivery(self, seq, error, _message):
        now = time.monotonic()
        if error is not None:
            self.failed += 1
            self.again.append(seq)
            self.failed_unreported += 1
            self.failed_last_reason = describe(error)
            if now - self.failed_reported_at >= 1:
                emit("deliveryFailed", count=self.failed_unreported, reason=self.failed_last_reason, seq=seq)
                self.failed_unreported = 0
                self.failed_reported_at = now
            return
        self.confirmed_file.write(f"{seq}\n")
        self.confirmed_file.flush()
        self.confirmed += 1
        self.interval_gap = max(self.interval_gap, now - self.last_confirm)
        self.last_confirm = now

    def stats(self, producer):
        now = time.monotonic()
        gap = max(self.interval_gap, now - self.last_confirm)
        self.interval_gap = 0.0
        emit(
            "stats",
            sent=self.sent,
            confirmed=self.confirmed,
            longestGapMs=int(gap * 1000),
            node=None,
            resent=self.resent,
            failed=self.failed,
            inFlight=len(producer),
        )

    # --- the loop --------------------------------------------------------
    def run(self):
        conf = client_config(self.args)
        conf.update({"enable.idempotence": True, "acks": "all", "error_cb": self.on_error})
        producer = Producer(conf)
        emit(
            "starting",
            runId=self.run_id,
            topic=self.args.topic,
            brokers=self.args.brokers,
            security=self.args.security,
            rate=self.args.rate,
            confirmedSeqs=self.confirmed_path,
            confluentKafka=confluent_kafka.__version__,
            librdkafka=confluent_kafka.libversion()[0],
        )
        interval = 1.0 / self.args.rate
        due = time.monotonic()
        next_stats = time.monotonic() + self.args.stats_interval
        while not self.stopping and self.fatal is None:
            now = time.monotonic()
            if now >= next_stats:
                self.stats(producer)
                next_stats = max(next_stats + self.args.stats_interval, now)
            if now < due:
                # Serves delivery reports and errors while waiting for the next message or stats line.
                producer.poll(min(due, next_stats) - now)
                continue
            resend = bool(self.again)
            seq = self.again.popleft() if resend else self.next_seq
            body = json.dumps({"seq": seq, "runId": self.run_id, "sentAt": now_ms()})
            try:
                producer.produce(
                    self.args.topic,
                    key=str(seq).encode(),
                    value=body.encode(),
                    on_delivery=lambda error, message, seq=seq: self.on_delivery(seq, error, message),
                )
            except BufferError:
                # librdkafka's local queue is full (queue.buffering.max.*): wait for room, as its docs say.
                if resend:
                    self.again.appendleft(seq)
                producer.poll(0.1)
                continue
            if resend:
                self.resent += 1
            else:
                self.next_seq += 1
            self.sent += 1
            # A fixed rate, no catching up after a stall: the next message is due one interval after this one.
            due = max(due + interval, time.monotonic())
            producer.poll(0)
        remaining = producer.flush(self.args.drain_seconds) if self.fatal is None else len(producer)
        self.stats(producer)
        self.confirmed_file.close()
        emit(
            "shutdown",
            confirmed=self.confirmed,
            sent=self.sent,
            resent=self.resent,
            failed=self.failed,
            # Every seq issued is confirmed, in flight, or waiting to be produced again.
            unconfirmed=self.next_seq - 1 - self.confirmed,
            inFlight=remaining,
            runId=self.run_id,
            confirmedSeqs=self.confirmed_path,
            **({"fatal": self.fatal} if self.fatal else {}),
        )
        return 3 if self.fatal else 0


def produce(args):
    state = Run(args)
    try:
        ensure_topic(args)
    except Exception as error:  # noqa: BLE001 -- one line saying why, not a traceback
        emit("failed", reason=f"creating topic {args.topic}: {describe(error) if not isinstance(error, KafkaException) else describe(error.args[0])}")
        return 1

    def on_signal(_signum, _frame):
        state.stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return state.run()


def verify(args):
    if not args.confirmed_file or not args.run_id:
        sys.exit("--verify needs --confirmed-file and --run-id")
    with open(args.confirmed_file, encoding="utf-8") as f:
        confirmed = {int(line) for line in f if line.strip()}
    deadline = time.monotonic() + args.verify_timeout
    conf = client_config(args)
    conf.update(
        {
            "group.id": f"outside-verify-{args.run_id}-{uuid.uuid4().hex[:6]}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "error_cb": lambda error: emit("error", reason=describe(error)),
        }
    )
    consumer = Consumer(conf)
    metadata = consumer.list_topics(args.topic, timeout=60)
    topic = metadata.topics.get(args.topic)
    if topic is None or topic.error is not None:
        sys.exit(f"topic {args.topic}: {topic.error if topic else 'missing'}")
    partitions = sorted(topic.partitions)
    high = {p: consumer.get_watermark_offsets(TopicPartition(args.topic, p), timeout=60)[1] for p in partitions}
    position = {p: 0 for p in partitions}
    consumer.assign([TopicPartition(args.topic, p, confluent_kafka.OFFSET_BEGINNING) for p in partitions])
    counts = collections.Counter()
    foreign = 0
    last_record = time.monotonic()
    complete = all(position[p] >= high[p] for p in partitions)
    while not complete and time.monotonic() < deadline and time.monotonic() - last_record < args.idle_seconds:
        for message in consumer.consume(num_messages=500, timeout=1.0):
            if message.error() is not None:
                emit("error", reason=describe(message.error()))
                continue
            last_record = time.monotonic()
            position[message.partition()] = message.offset() + 1
            try:
                body = json.loads(message.value())
            except ValueError:
                body = {}
            if body.get("runId") == args.run_id:
                counts[int(body["seq"])] += 1
            else:
                foreign += 1
        complete = all(position[p] >= high[p] for p in partitions)
    consumer.close()
    if complete and not args.keep_topic:
        admin = AdminClient(client_config(args))
        admin.delete_topics([args.topic], request_timeout=args.admin_timeout)[args.topic].result(timeout=args.admin_timeout)
    seen = set(counts)
    lost = confirmed - seen
    emit(
        "verify",
        confirmed=len(confirmed),
        consumedDistinct=len(seen),
        duplicates=sum(counts.values()) - len(seen),
        lost=len(lost),
        lostSeqs=sorted(lost)[:50],
        received=sum(counts.values()),
        foreign=foreign,
        unconfirmedConsumed=len(seen - confirmed),
        highWatermarks={str(p): high[p] for p in partitions},
        complete=complete,
    )
    return 0 if complete else 2


def main():
    args = parse_args()
    return verify(args) if args.verify else produce(args)


if __name__ == "__main__":
    sys.exit(main())
