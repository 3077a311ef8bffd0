#!/usr/bin/env python3
"""Produce a JSON-lines file to a topic with kafka-python, one record per non-blank line, the line's
bytes unchanged, keyed `creditor_id/customer_ref` as the contract says (no key when the line is not
a JSON object with those fields). Used by the Rust test `kafka_python_producer_to_rdkafka_byte_equal`
and by the pytest end-to-end tests. Exits non-zero when any record is not acknowledged."""
import argparse
import json
import sys

from kafka import KafkaProducer


def contract_key(line: str):
    try:
        obj = json.loads(line)
        return f"{obj['creditor_id']}/{obj['customer_ref']}".encode()
    except (ValueError, KeyError, TypeError):
        return None


def household_key(line: str):
    """The contract key of an OutreachTask: its household_id."""
    try:
        return json.loads(line)["household_id"].encode()
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def produce_lines(bootstrap: str, topic: str, lines, timeout_s: float = 30.0,
                  key=contract_key) -> int:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    try:
        futures = [
            producer.send(topic, key=key(line), value=line.encode("utf-8"))
            for line in lines
        ]
        producer.flush(timeout=timeout_s)
        for f in futures:
            f.get(timeout=timeout_s)  # raises on a failed delivery
    finally:
        producer.close(timeout=5)
    return len(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--file", required=True)
    args = ap.parse_args()
    with open(args.file, encoding="utf-8") as f:
        lines = [l.rstrip("\r\n") for l in f if l.strip()]
    n = produce_lines(args.bootstrap, args.topic, lines)
    print(f"kafka-python: {n} record(s) produced to {args.topic}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
