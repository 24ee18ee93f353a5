"""The worker: background jobs on huey (SQLite embedded, Redis at scale), its own process."""
