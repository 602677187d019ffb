"""An outside RabbitMQ client under the fault suite: pika, as its users run it.

Producer mode (default): a pika BlockingConnection to one node, publisher
confirms on its channel, numbered persistent mandatory messages at a fixed
rate to a durable quorum queue of its own (declared here; never the
example's cluster.jobs, which the project's consumer app reads). A message
counts as confirmed only when basic_publish returned, that is when the broker
acked it. On any connection or channel error the script connects to the next
node (round robin) and publishes what was not confirmed again: at least once,
so a confirm lost with its connection shows up as a duplicate, never a loss.

pika's own settings stay at their defaults, which is the point: heartbeat
(None: take the server's proposal), socket and stack timeouts, and
blocked_connection_timeout (None: a connection blocked by a resource alarm
waits for the alarm to clear; --blocked-connection-timeout sets pika's own
option). No confirm deadline of our own: a publish waits as long as pika does.

Every second (and at exit) one JSON line on stdout:
  {"event":"stats","t":<epoch ms>,"sent":n,"confirmed":n,"longestGapMs":ms,"node":"127.0.0.1:<port>"|null,...}
longestGapMs: the longest time between two confirms that ended in this
interval, or the stall still open at the line (the line after a stall holds
all of it). Also: starting, connected, disconnected (with reason), blocked,
unblocked, nacked, returned. SIGTERM or SIGINT: stop at once (a publish still
waiting for its confirm is abandoned, unconfirmed), then
  {"event":"shutdown","confirmed":n,"sent":n,"confirmedSeqs":"<file>",...}
and exit 0. The file lists every confirmed seq, one a line, written as each
confirm arrives.

Verify mode (--verify --confirmed-file F --run-id R): consumes the queue from
any node until it has been idle for --idle-seconds, acking, then prints
  {"event":"verify","confirmed":n,"consumedDistinct":n,"duplicates":n,"lost":n,...}
and deletes the queue (--keep-queue keeps it). A duplicate is a second copy
of a seq that the broker delivered fresh (redelivered=False); a copy the
broker redelivered because this consumer's own connection dropped before its
ack reached the broker is not a producer duplicate and is only counted as
`redelivered`. Messages of other runs in the queue are counted as `foreign`.

The password comes from the environment (OUTSIDE_CLIENT_PASSWORD), never the
command line. pika's own logging goes to stderr, CRITICAL only unless
--pika-log-level says otherwise.
"""

import argparse
import json
import logging
import os
import signal
import ssl
import sys
import tempfile
import threading
import time
import uuid

import pika
import pika.exceptions


def now_ms():
    return int(time.time() * 1000)


_print_lock = threading.Lock()


def emit(event, **fields):
    with _print_lock:
        sys.stdout.write(json.dumps({"event": event, "t": now_ms(), **fields}) + "\n")
        sys.stdout.flush()


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--ports", required=True, help="comma-separated node ports, tried in this order, round robin")
    p.add_argument("--ca-file", help="CA certificate (PEM): AMQPS, the server certificate and host name verified; without it plain AMQP")
    p.add_argument("--user", default="admin")
    p.add_argument("--queue", required=True)
    p.add_argument("--rate", type=float, default=50.0, help="messages per second")
    p.add_argument("--run-id", default=None)
    p.add_argument("--out-dir", default=tempfile.gettempdir(), help="where the confirmed-seq file goes")
    p.add_argument("--stats-interval", type=float, default=1.0)
    p.add_argument(
        "--blocked-connection-timeout",
        type=float,
        default=None,
        help="pika's own blocked_connection_timeout (default: pika's, None: wait for the alarm to clear)",
    )
    p.add_argument("--verify", action="store_true")
    p.add_argument("--confirmed-file")
    p.add_argument("--idle-seconds", type=float, default=5.0)
    p.add_argument("--verify-timeout", type=float, default=300.0, help="the longest verify may take in all")
    p.add_argument("--keep-queue", action="store_true")
    p.add_argument(
        "--pika-log-level",
        default="CRITICAL",
        help="pika's own logging on stderr (default CRITICAL: every failed connect to a downed node is an ERROR with a traceback; the events say the same)",
    )
    return p.parse_args()


def connection_parameters(args, port):
    password = os.environ.get("OUTSIDE_CLIENT_PASSWORD")
    if password is None:
        sys.exit("OUTSIDE_CLIENT_PASSWORD is not set")
    ssl_options = None
    if args.ca_file:
        # Verifies the chain against the given CA and the certificate against
        # the address connected to (an IP SAN, 127.0.0.1, in the generated
        # certificates); check_hostname and CERT_REQUIRED are the defaults.
        context = ssl.create_default_context(cafile=args.ca_file)
        ssl_options = pika.SSLOptions(context, server_hostname=args.host)
    extra = {}
    if args.blocked_connection_timeout is not None:
        extra["blocked_connection_timeout"] = args.blocked_connection_timeout
    return pika.ConnectionParameters(
        host=args.host,
        port=port,
        credentials=pika.PlainCredentials(args.user, password),
        ssl_options=ssl_options,
        client_properties={"connection_name": "outside-client rabbitmq_confirmed_producer"},
        **extra,
    )


def declare(channel, queue):
    channel.queue_declare(queue=queue, durable=True, arguments={"x-queue-type": "quorum"})


class Stop(Exception):
    """Raised by the signal handler inside a blocking pika call (a publish waiting for its confirm)."""


class Producer:
    def __init__(self, args):
        self.args = args
        self.ports = [int(p) for p in args.ports.split(",") if p]
        self.run_id = args.run_id or uuid.uuid4().hex[:12]
        self.confirmed_path = os.path.join(args.out_dir, f"outside-rabbitmq-{self.run_id}.confirmed")
        self.confirmed_file = open(self.confirmed_path, "w", encoding="utf-8")
        self.lock = threading.Lock()
        self.sent = 0
        self.resent = 0
        self.confirmed = 0
        self.nacked = 0
        self.returned = 0
        self.reconnects = 0
        self.node = None
        self.started = time.monotonic()
        self.last_confirm = self.started
        self.interval_gap = 0.0
        self.stopping = False
        # Only while this is set may the signal handler interrupt: inside pika's blocking calls.
        self.interruptible = False
        self.port_index = 0
        self.connection = None
        self.channel = None

    # --- stats -----------------------------------------------------------
    def on_confirm(self, seq):
        now = time.monotonic()
        self.confirmed_file.write(f"{seq}\n")
        self.confirmed_file.flush()
        with self.lock:
            self.confirmed += 1
            self.interval_gap = max(self.interval_gap, now - self.last_confirm)
            self.last_confirm = now

    def stats(self):
        now = time.monotonic()
        with self.lock:
            gap = max(self.interval_gap, now - self.last_confirm)
            self.interval_gap = 0.0
            line = {
                "sent": self.sent,
                "confirmed": self.confirmed,
                "longestGapMs": int(gap * 1000),
                "node": self.node,
                "resent": self.resent,
                "nacked": self.nacked,
                "returned": self.returned,
                "reconnects": self.reconnects,
            }
        emit("stats", **line)

    def stats_loop(self):
        while not self.stopping:
            time.sleep(self.args.stats_interval)
            if not self.stopping:
                self.stats()

    # --- connection ------------------------------------------------------
    def connect(self):
        """Connects to the next node that answers, round robin; returns when one did or when stopping."""
        while not self.stopping:
            port = self.ports[self.port_index % len(self.ports)]
            node = f"{self.args.host}:{port}"
            connection = None
            try:
                self.interruptible = True
                connection = pika.BlockingConnection(connection_parameters(self.args, port))
                # On the underlying connection (pika's _impl), not the BlockingConnection: the
                # latter queues these notices and runs its callbacks only once the publish
                # waiting for its confirm has returned, i.e. after the alarm cleared. Watching
                # only, so the lines carry the time the broker said it; nothing changes in pika.
                notices = getattr(connection, "_impl", connection)
                notices.add_on_connection_blocked_callback(lambda _c, m: emit("blocked", node=node, reason=getattr(m.method, "reason", "")))
                notices.add_on_connection_unblocked_callback(lambda _c, _m: emit("unblocked", node=node))
                channel = connection.channel()
                declare(channel, self.args.queue)
                channel.confirm_delivery()
                self.interruptible = False
            except Stop:
                return False
            except Exception as error:  # noqa: BLE001 -- any failure to connect means: try the next node
                self.interruptible = False
                emit("connectFailed", node=node, reason=describe(error))
                close_quietly(connection)  # connected, but the channel or the queue failed there
                self.port_index += 1
                # Not a client library setting: our own pause before the next node, so a
                # cluster with every node down is not hammered in a tight loop.
                time.sleep(0.5)
                continue
            self.connection, self.channel = connection, channel
            with self.lock:
                self.node = node
            emit("connected", node=node)
            return True
        return False

    def drop(self, reason):
        node = self.node
        with self.lock:
            self.node = None
            self.reconnects += 1
        emit("disconnected", node=node, reason=reason)
        close_quietly(self.connection)
        self.connection = self.channel = None
        self.port_index += 1

    # --- publishing ------------------------------------------------------
    def publish(self, seq):
        """True once the broker acked it; False when it must be sent again (nack, return, lost connection)."""
        body = json.dumps({"seq": seq, "runId": self.run_id, "sentAt": now_ms()})
        with self.lock:
            self.sent += 1
        try:
            self.interruptible = True
            self.channel.basic_publish(
                exchange="",
                routing_key=self.args.queue,
                body=body,
                properties=pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent, content_type="application/json"),
                mandatory=True,
            )
            self.interruptible = False
        except pika.exceptions.NackError:
            self.interruptible = False
            with self.lock:
                self.nacked += 1
            emit("nacked", seq=seq)
            return False
        except pika.exceptions.UnroutableError:
            self.interruptible = False
            with self.lock:
                self.returned += 1
            emit("returned", seq=seq)
            return False
        except Stop:
            raise
        except Exception as error:  # noqa: BLE001 -- connection or channel gone: reconnect and send it again
            self.interruptible = False
            self.drop(describe(error))
            return False
        self.on_confirm(seq)
        return True

    def wait(self, seconds):
        """Waits while pika serves the connection (heartbeats, blocked notices)."""
        if seconds <= 0:
            return
        try:
            self.interruptible = True
            self.connection.sleep(seconds)
            self.interruptible = False
        except Stop:
            raise
        except Exception as error:  # noqa: BLE001
            self.interruptible = False
            self.drop(describe(error))

    def run(self):
        emit(
            "starting",
            runId=self.run_id,
            queue=self.args.queue,
            ports=self.ports,
            tls=bool(self.args.ca_file),
            rate=self.args.rate,
            confirmedSeqs=self.confirmed_path,
            pika=pika.__version__,
        )
        threading.Thread(target=self.stats_loop, daemon=True).start()
        interval = 1.0 / self.args.rate
        next_seq = 1
        pending = None  # the seq not yet confirmed, sent again first
        due = time.monotonic()
        try:
            while not self.stopping:
                if self.connection is None and not self.connect():
                    break
                if pending is None:
                    seq, next_seq = next_seq, next_seq + 1
                else:
                    seq = pending
                    with self.lock:
                        self.resent += 1
                pending = None if self.publish(seq) else seq
                # A fixed rate, no catching up after a stall: the next message is due one interval after this one.
                due = max(due + interval, time.monotonic())
                if self.connection is not None:
                    self.wait(due - time.monotonic())
        except Stop:
            pass
        self.stopping = True
        self.interruptible = False
        self.stats()
        self.confirmed_file.close()
        close_quietly(self.connection)
        emit(
            "shutdown",
            confirmed=self.confirmed,
            sent=self.sent,
            resent=self.resent,
            # Every seq issued is confirmed, or is the one not yet confirmed (pending, or abandoned by the stop).
            unconfirmed=next_seq - 1 - self.confirmed,
            runId=self.run_id,
            confirmedSeqs=self.confirmed_path,
        )


def close_quietly(connection):
    """Closes a connection being abandoned; it may be half open or already gone."""
    try:
        if connection is not None and connection.is_open:
            connection.close()
    except Exception:  # noqa: BLE001 -- it is being abandoned anyway
        pass


def describe(error):
    text = str(error) or repr(error)
    return f"{type(error).__name__}: {text}"[:300]


def produce(args):
    producer = Producer(args)

    def on_signal(_signum, _frame):
        producer.stopping = True
        if producer.interruptible:
            producer.interruptible = False
            raise Stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    producer.run()
    return 0


def verify(args):
    if not args.confirmed_file or not args.run_id:
        sys.exit("--verify needs --confirmed-file and --run-id")
    with open(args.confirmed_file, encoding="utf-8") as f:
        confirmed = {int(line) for line in f if line.strip()}
    ports = [int(p) for p in args.ports.split(",") if p]
    deadline = time.monotonic() + args.verify_timeout
    seen = set()
    received = duplicates = redelivered = foreign = 0
    index = 0
    drained = False
    connection = None
    while not drained and time.monotonic() < deadline:
        port = ports[index % len(ports)]
        index += 1
        try:
            connection = pika.BlockingConnection(connection_parameters(args, port))
            channel = connection.channel()
            declare(channel, args.queue)
            channel.basic_qos(prefetch_count=500)
            for method, properties, body in channel.consume(args.queue, inactivity_timeout=args.idle_seconds):
                if method is None:
                    drained = True  # idle for idle_seconds: the queue is empty
                    break
                try:
                    message = json.loads(body)
                except ValueError:
                    message = {}
                if message.get("runId") != args.run_id:
                    foreign += 1
                else:
                    seq = int(message["seq"])
                    received += 1
                    if seq not in seen:
                        seen.add(seq)
                    elif method.redelivered:
                        redelivered += 1
                    else:
                        duplicates += 1
                channel.basic_ack(method.delivery_tag)
                if time.monotonic() > deadline:
                    break
            channel.cancel()
            if drained and not args.keep_queue:
                channel.queue_delete(args.queue)
            connection.close()
        except Exception as error:  # noqa: BLE001 -- that node failed: read on from the next
            emit("verifyReconnect", node=f"{args.host}:{port}", reason=describe(error))
            close_quietly(connection)
            time.sleep(0.5)
    lost = confirmed - seen
    emit(
        "verify",
        confirmed=len(confirmed),
        consumedDistinct=len(seen),
        duplicates=duplicates,
        lost=len(lost),
        lostSeqs=sorted(lost)[:50],
        received=received,
        redelivered=redelivered,
        foreign=foreign,
        unconfirmedConsumed=len(seen - confirmed),
        complete=drained,
    )
    return 0 if drained else 2


def main():
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    args = parse_args()
    logging.getLogger("pika").setLevel(args.pika_log_level.upper())
    return verify(args) if args.verify else produce(args)


if __name__ == "__main__":
    sys.exit(main())
