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
# The web pages' words: compile each Babel catalogue (assistant/locale/<lang>/LC_MESSAGES/
# messages.po) to the .mo the pages read; .mo files are built, not kept in git.
.venv/bin/pybabel --quiet compile --domain messages --directory assistant/locale
# Real Chromium for the browser tests (Playwright drives Debian's package; it cannot download
# its own browser here).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "note: install Debian's chromium (apt-get install chromium) for the browser tests" >&2
  fi
fi
echo "installed: $(.venv/bin/python --version), rasa $(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("rasa"))')"
