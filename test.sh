#!/usr/bin/env bash
# The test command (see README): lint, train once, Rasa test stories, then pytest (unit tests,
# `rasa data validate`, and end-to-end tests through the running stack).
set -euo pipefail
cd "$(dirname "$0")"
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 SQLALCHEMY_SILENCE_UBER_WARNING=1
export PYTHONWARNINGS=ignore
bin=.venv/bin

echo "== lint"
"$bin/ruff" check .
"$bin/ruff" format --check .
"$bin/lint-imports"  # the layers contract in pyproject.toml

echo "== train (skipped when the model is up to date)"
"$bin/assistant" train
model=$(ls models/kindly-*.tar.gz | head -n 1)

echo "== rasa test stories"
"$bin/rasa" test core --model "$model" --stories tests/stories --out results/core \
  --fail-on-prediction-errors

echo "== pytest"
"$bin/pytest" -q "$@"
