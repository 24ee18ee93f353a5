"""Lookups on SQLite don't queue behind a payment that holds the write lock."""

from __future__ import annotations

import threading

from sqlalchemy import text

from assistant.db import read_only, session_factory


def test_a_lookup_finishes_while_a_writer_holds_the_lock(bank_url: str) -> None:
    sessions = session_factory(bank_url)
    writer_has_lock, lookup_done = threading.Event(), threading.Event()
    release = threading.Event()

    def hold_the_write_lock() -> None:
        with sessions() as session, session.begin():
            session.execute(text("UPDATE customers SET text_size = text_size"))
            writer_has_lock.set()
            release.wait(10)

    writer = threading.Thread(target=hold_the_write_lock)
    writer.start()
    assert writer_has_lock.wait(10)
    try:
        with read_only(sessions)() as session, session.begin():
            count = session.execute(text("SELECT count(*) FROM customers")).scalar_one()
        lookup_done.set()
    finally:
        release.set()
        writer.join()
    assert lookup_done.is_set()
    assert count >= 0


def test_writes_still_begin_immediate_so_they_queue(bank_url: str) -> None:
    sessions = session_factory(bank_url)
    with sessions() as session, session.begin():
        session.execute(text("UPDATE customers SET text_size = text_size"))
        # A second writer would wait: BEGIN IMMEDIATE took the RESERVED lock at once.
        other = sessions.kw["bind"].raw_connection()
        try:
            other.execute("PRAGMA busy_timeout=0")
            cursor = other.cursor()
            try:
                cursor.execute("BEGIN IMMEDIATE")
                locked = False
            except Exception as error:  # noqa: BLE001 - sqlite3.OperationalError
                locked = "locked" in str(error)
            assert locked
        finally:
            other.close()
