"""kafka-python -> `vroegsignaal run` -> kafka-python: the whole pipeline on a real broker, driven
and read by a Kafka client that shares no code with librdkafka.

Needs the engine's `run` command. Until the binary has it (`vroegsignaal --help` lists it), every
test here is skipped with that reason; it starts running as soon as the engine lands."""
import json
import os
import re
import signal
import subprocess
import time

import pytest
from kafka import KafkaConsumer

from conftest import ROOT, clean_env, free_port, unique_prefix
from kafka_python_produce import produce_lines

TASK_KEYS = {"task_id", "version", "case_id", "status", "municipality_code", "household_id",
             "created_at", "due_date", "priority", "classification", "signals", "contact",
             "reasons"}


def has_run(binary: str) -> bool:
    out = subprocess.run([binary, "--help"], capture_output=True, text=True, check=True)
    return re.search(r"^\s+run\s", out.stdout, re.MULTILINE) is not None


@pytest.fixture()
def run_binary(vroegsignaal_bin):
    if not has_run(vroegsignaal_bin):
        pytest.skip("`vroegsignaal run` does not exist yet (the engine branch adds it)")
    return vroegsignaal_bin


def collect(bootstrap, pattern, group, until, within_s):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group,
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             session_timeout_ms=6000, heartbeat_interval_ms=1000,
                             metadata_max_age_ms=1000)
    consumer.subscribe(pattern=pattern)
    got = []
    deadline = time.monotonic() + within_s
    try:
        while not until(got) and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=200).values():
                got.extend(records)
    finally:
        consumer.close()
    return got


def test_kafka_python_in_tasks_out(tansu, run_binary, tmp_path):
    prefix = unique_prefix("e2e")
    env = clean_env(VROEGSIGNAAL__KAFKA__TOPIC_PREFIX=prefix,
                    VROEGSIGNAAL_PSEUDONYM_KEY="ab" * 32,
                    VROEGSIGNAAL__KAFKA__PARTITIONS="2",
                    # Never the default port: another process on this machine may hold it.
                    VROEGSIGNAAL__ENGINE__HTTP_BIND=f"127.0.0.1:{free_port()}")
    log = open(tmp_path / "run.log", "w")
    proc = subprocess.Popen(
        [run_binary, "--config", str(ROOT / "config/vroegsignaal.toml"), "run",
         "--brokers", tansu],
        env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        lines = [l for l in (ROOT / "tests/data/sample-events.jsonl").read_text().splitlines()
                 if l.strip()]
        objections, arrears = [], []
        for l in lines:
            try:
                kind = json.loads(l).get("event_type", "")
            except ValueError:
                kind = ""
            (objections if kind.startswith(("OBJECTION", "CONSENT")) else arrears).append(l)
        produce_lines(tansu, prefix + "arrears.v1", arrears)
        produce_lines(tansu, prefix + "objections.v1", objections)

        tasks = collect(tansu, "^" + re.escape(prefix + "outreach.") + ".*", prefix + "reader",
                        lambda got: len(got) > 0, within_s=120)
        assert proc.poll() is None, (tmp_path / "run.log").read_text()
        assert tasks, "no outreach task within 120 s: " + (tmp_path / "run.log").read_text()
        for r in tasks:
            task = json.loads(r.value)
            assert TASK_KEYS <= task.keys()
            assert r.topic == prefix + "outreach." + task["municipality_code"]
            assert r.key.decode() == task["household_id"]

        # The sample's two bad lines go to the rejected topic, bytes unchanged.
        bad = (_rejected_by_publish(run_binary, arrears, "arrears", tmp_path)
               + _rejected_by_publish(run_binary, objections, "objections", tmp_path))
        assert len(bad) == 2, bad
        rejected = collect(tansu, "^" + re.escape(prefix + "rejected.v1") + "$",
                           prefix + "rejected", lambda got: len(got) >= len(bad), within_s=60)
        assert sorted(r.value.decode() for r in rejected) == sorted(bad)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
            log.close()
    assert proc.returncode == 0, (tmp_path / "run.log").read_text()


def _rejected_by_publish(binary, lines, kind, tmp_path):
    """The lines the contract refuses, as `publish --dry-run` (the pipeline's validation) says."""
    f = tmp_path / f"{kind}.jsonl"
    f.write_text("\n".join(lines) + "\n")
    out = subprocess.run([binary, "publish", "--dry-run", "--topic-kind", kind, "--file", str(f)],
                         env=clean_env(), capture_output=True, text=True, check=True)
    numbers = [int(l.split(":")[0].removeprefix("line ")) for l in out.stdout.splitlines()]
    return [lines[n - 1] for n in numbers]
