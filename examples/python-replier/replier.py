#!/usr/bin/python3
"""A greeting service behind semiasync (reply protocol `semiasync`), in Python.

Usage: /usr/bin/python3 replier.py BOOTSTRAP REQUEST_TOPIC OUTCOME_TOPIC [GROUP]
{"name": "ann"} -> Greeted {"greeting": "hello ann"}; "nobody" or no name -> Refused {"error": ...}.
Needs Debian's python3-confluent-kafka (hence /usr/bin/python3). Stdout: "ready" once the
partitions are assigned, then "handled <requestUUID> <eventType>" per request.
"""
import json, signal, sys
from confluent_kafka import Consumer, KafkaException, Producer

boot, requests, outcomes = sys.argv[1:4]
group = sys.argv[4] if len(sys.argv) > 4 else "python-replier"
consumer = Consumer({"bootstrap.servers": boot, "group.id": group,
                     "enable.auto.commit": False, "auto.offset.reset": "latest"})
producer = Producer({"bootstrap.servers": boot, "acks": "all", "enable.idempotence": True})


def on_assign(consumer, partitions):
    # Start offsets fixed now (committed, else the end), not looked up lazily after "ready":
    # otherwise a request sent right after "ready" could be skipped.
    partitions = consumer.committed(partitions, timeout=10)
    for p in partitions:
        if p.offset < 0:
            p.offset = consumer.get_watermark_offsets(p, timeout=10)[1]
    consumer.assign(partitions)
    print("ready", flush=True)


def on_delivery(err, msg):
    if err:  # raised out of flush(): the request stays uncommitted and comes again
        raise KafkaException(err)


def answer(value):
    try:
        name = json.loads(value).get("name")
    except (ValueError, AttributeError):  # no JSON, or no object
        name = None
    if not name or name == "nobody":
        return "Refused", {"error": f"will not greet {name or 'without a name'}"}
    return "Greeted", {"greeting": f"hello {name}"}


signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # leave the group at once (finally below)
consumer.subscribe([requests], on_assign=on_assign)
try:
    while True:
        msg = consumer.poll(1.0)
        if msg is None or msg.error():
            continue
        headers = dict(msg.headers() or [])
        request_uuid = headers.get("requestUUID", b"")
        event_type, reply = answer(msg.value())
        # The gateway instance that sent the request reads only the partition it named.
        partition = int(headers["replyPartition"]) if "replyPartition" in headers else -1
        producer.produce(outcomes, key=msg.key(), value=json.dumps(reply), partition=partition,
                         headers=[("requestUUID", request_uuid), ("eventType", event_type)],
                         on_delivery=on_delivery)
        producer.flush()
        consumer.commit(msg, asynchronous=False)  # only after the reply was acknowledged
        print("handled", request_uuid.decode(), event_type, flush=True)
finally:
    consumer.close()
