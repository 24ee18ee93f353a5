#!/usr/bin/env bash
# One command to install everything into .venv/ (see README). A second run is fast and changes nothing.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
want=$(cat requirements/lock.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat .venv/.installed 2>/dev/null || true)" != "$want" ]; then
  .venv/bin/python -m pip install --quiet pip==24.2
  # Rasa 3.6.21 declares Python <3.11 but runs on 3.11: install the locked set without resolving
  # and without the Python cap, then this project itself.
  .venv/bin/python -m pip install --no-deps --ignore-requires-python -r requirements/lock.txt
  .venv/bin/python -m pip install --no-deps --no-build-isolation -e .
  echo "$want" > .venv/.installed
fi
echo "installed: $(.venv/bin/python --version), rasa $(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("rasa"))')"
