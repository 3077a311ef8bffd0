"""kafka-python (a pure-Python Kafka client, no librdkafka) against Tansu, and against the
vroegsignaal binary: the wire contract holds for a client we did not write."""
import json
import subprocess
import time
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from conftest import ROOT, clean_env, unique_prefix
from kafka_python_produce import household_key, produce_lines


def consume(bootstrap: str, topic: str, want: int, group: str, within_s: float = 60.0):
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )
    got = []
    deadline = time.monotonic() + within_s
    try:
        while len(got) < want and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=200).values():
                got.extend(records)
    finally:
        consumer.close()
    return got


def test_kafka_python_produces_and_consumes(tansu):
    topic = unique_prefix("smoke") + "t"
    admin = KafkaAdminClient(bootstrap_servers=tansu)
    admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
    admin.close()
    producer = KafkaProducer(bootstrap_servers=tansu, acks="all")
    sent = [f"value-{i}".encode() for i in range(50)]
    for i, v in enumerate(sent):
        producer.send(topic, key=f"k{i % 5}".encode(), value=v).get(timeout=30)
    producer.close()
    got = consume(tansu, topic, len(sent), group=topic + "-g")
    assert sorted(r.value for r in got) == sorted(sent)
    assert {r.key for r in got} == {f"k{i}".encode() for i in range(5)}


def test_kafka_python_outreach_tasks_read_by_vroegsignaal(tansu, vroegsignaal_bin):
    """Tasks produced by kafka-python, with redeliveries, come out of `vroegsignaal tasks
    --format json` once each, byte-equal to the contract JSON that went in."""
    prefix = unique_prefix("tasks")
    lines = [l for l in (ROOT / "tests/data/outreach-sample.jsonl").read_text().splitlines()
             if '"municipality_code":"0599"' in l]
    assert len(lines) == 4
    # Keyed by household as the pipeline does: one task's versions stay in order.
    produce_lines(tansu, prefix + "outreach.0599", lines + lines[1:3], key=household_key)
    out = subprocess.run(
        [vroegsignaal_bin, "--config", str(ROOT / "config/vroegsignaal.toml"), "tasks",
         "--municipality", "0599", "--format", "json", "--brokers", tansu, "--idle-ms", "1500"],
        env=clean_env(VROEGSIGNAAL__KAFKA__TOPIC_PREFIX=prefix),
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert out.returncode == 0, out.stderr
    shown = out.stdout.splitlines()
    assert sorted(shown) == sorted(lines), "each (task_id, version) once, byte-equal"
    for task_id in {json.loads(l)["task_id"] for l in lines}:
        mine = [l for l in lines if json.loads(l)["task_id"] == task_id]
        assert [l for l in shown if json.loads(l)["task_id"] == task_id] == mine, "in order"
    assert all(json.loads(l)["task_id"].startswith("tk_") for l in out.stdout.splitlines())


def test_vroegsignaal_publish_read_by_kafka_python(tansu, vroegsignaal_bin, tmp_path):
    """`vroegsignaal publish` output read by kafka-python: keys and values per the contract."""
    prefix = unique_prefix("publish")
    upload = ROOT / "tests/data/uploads/arrears-with-errors.jsonl"
    out = subprocess.run(
        [vroegsignaal_bin, "--config", str(ROOT / "config/vroegsignaal.toml"), "publish",
         "--file", str(upload), "--brokers", tansu],
        # The upload ledger in the test's own directory, not the user's home.
        env=clean_env(VROEGSIGNAAL__KAFKA__TOPIC_PREFIX=prefix, VROEGSIGNAAL_LEDGER_DIR=str(tmp_path)),
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert out.returncode == 0, out.stderr
    assert [l.split(":")[0] for l in out.stdout.splitlines()] == ["line 3", "line 7"]
    accepted = [l for i, l in enumerate(Path(upload).read_text().splitlines(), 1)
                if l.strip() and i not in (3, 7)]
    got = consume(tansu, prefix + "arrears.v1", len(accepted), group=prefix + "g")
    assert sorted(r.value.decode() for r in got) == sorted(accepted)
    for r in got:
        obj = json.loads(r.value)
        assert r.key.decode() == f"{obj['creditor_id']}/{obj['customer_ref']}"
