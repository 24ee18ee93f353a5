"""``python -m assistant.worker``: one worker in the foreground (what ``assistant up`` runs)."""

import os

from assistant.worker.main import run_worker

if __name__ == "__main__":
    os.umask(0o077)  # the queue database and its WAL files are owner-only
    run_worker()
