"""Database connections kept open for the webhook intake statement, with the statement prepared.

Odoo's connection pool resets a connection (``DISCARD ALL``) each time a request borrows it, so
PostgreSQL parses and plans the intake statement and its nine triggers' queries on every webhook:
about half of its CPU per webhook. A connection of our own, never reset, keeps those plans.

Connections are kept per database in a small per-process pool (Odoo's threaded server starts a
thread per request, so a thread-local one would never be reused; a prefork worker just gets the
same connection every time). Each webhook borrows one, runs the prepared statement, commits
(synchronous_commit as configured: durable) and gives it back. A broken connection (PostgreSQL
restarted, idle timeout) is closed and the statement retried once on a new one; any other error
rolls back so that a connection is never given back inside a failed transaction.
"""

import atexit
import hashlib
import itertools
import logging
import os
import re
import threading

import psycopg2
import psycopg2.errors
import psycopg2.extensions

_logger = logging.getLogger(__name__)

APPLICATION_NAME = "shopify_sync intake"
MAX_IDLE_PER_DATABASE = 8  # more than a prefork worker ever holds; threaded servers close the excess
# Set by tests that drive real, committed HTTP requests through the dedicated path (see
# controllers/webhook.py: off under Odoo's test mode otherwise, whose requests share the test's
# transaction, which a connection of its own would not see).
ALLOWED_IN_TESTS = False
# Counters of this process, for tests and diagnosis.
STATS = {"executed": 0, "prepared": 0, "reconnected": 0}

_lock = threading.Lock()
_idle = {}  # dbname -> [IntakeConnection]
_owner_pid = os.getpid()


def prepared_text(statement):
    """A psycopg2 ``%s`` statement as PostgreSQL's ``$n`` form for PREPARE (``%%`` is one ``%``)."""
    numbers = itertools.count(1)
    return re.sub(r"%%|%s", lambda found: "%" if found[0] == "%%" else f"${next(numbers)}", statement)


def _is_broken(connection, error):
    return isinstance(error, psycopg2.InterfaceError) or connection is None or connection.closed != 0


class IntakeConnection:
    """One connection to ``dbname`` and the statements prepared on it."""

    def __init__(self, dbname, connect):
        self.dbname = dbname
        self._connect = connect
        self.connection = None
        self.prepared = {}  # statement -> name

    def _open(self):
        connection = self._connect()
        connection.set_session(isolation_level=psycopg2.extensions.ISOLATION_LEVEL_READ_COMMITTED, autocommit=False)
        self.connection, self.prepared = connection, {}

    def close(self):
        connection, self.connection, self.prepared = self.connection, None, {}
        if connection is not None and not connection.closed:
            try:
                connection.close()
            except psycopg2.Error as error:
                _logger.debug("Intake connection to %s closed with an error: %s", self.dbname, error)

    def _rollback(self):
        try:
            self.connection.rollback()
        except psycopg2.Error:
            self.close()

    def _name_for(self, cursor, statement):
        name = self.prepared.get(statement)
        if name is None:
            name = "shopify_intake_" + hashlib.sha1(statement.encode()).hexdigest()[:20]
            cursor.execute(f"PREPARE {name} AS {prepared_text(statement)}")
            self.prepared[statement] = name
            STATS["prepared"] += 1
        return name

    def execute(self, statement, params):
        """Run ``statement`` (psycopg2's ``%s`` form) with ``params`` as a prepared statement in a
        transaction of its own, commit, and return its first row. Raises when the commit did not
        happen (the caller must then not answer as if the delivery were stored)."""
        for attempt in (1, 2):
            if self.connection is None or self.connection.closed:
                self._open()
            try:
                with self.connection.cursor() as cursor:
                    name = self._name_for(cursor, statement)
                    placeholders = ", ".join(["%s"] * len(params))
                    cursor.execute(f"EXECUTE {name} ({placeholders})", params)
                    row = cursor.fetchone()
                self.connection.commit()
                STATS["executed"] += 1
                return row
            except (psycopg2.errors.InvalidSqlStatementName, psycopg2.errors.FeatureNotSupported) as error:
                # The prepared statement is gone, or a schema change altered its result type
                # ("cached plan must not change result type"): prepare it again, once.
                self._rollback()
                if self.connection is not None:
                    self._deallocate(statement)
                if attempt == 2:
                    raise
                _logger.info("Intake statement prepared again on %s: %s", self.dbname, error)
            except (psycopg2.OperationalError, psycopg2.InterfaceError) as error:
                if not _is_broken(self.connection, error):
                    self._rollback()
                    raise
                # The server went away (restart, idle timeout, terminated backend). If the commit
                # was sent before, the retry's redelivery check finds the stored job: no double.
                self.close()
                if attempt == 2:
                    raise
                STATS["reconnected"] += 1
                _logger.warning("Intake connection to %s lost (%s); reconnecting", self.dbname, error)
            except BaseException:
                self._rollback()
                raise
        raise AssertionError("unreachable")

    def _deallocate(self, statement):
        name = self.prepared.pop(statement, None)
        if name:
            try:
                with self.connection.cursor() as cursor:
                    cursor.execute(f"DEALLOCATE {name}")
                self.connection.commit()
            except psycopg2.Error:
                self._rollback()


def _forget_inherited():
    """A forked worker must not use (nor close) the parent's connections: their sockets are shared."""
    global _owner_pid  # noqa: PLW0603
    if os.getpid() != _owner_pid:
        _idle.clear()
        _owner_pid = os.getpid()


def borrow(dbname, connect):
    """An IntakeConnection to ``dbname`` for this request (``connect()`` opens a psycopg2
    connection when a new one is needed); give it back with ``give_back``."""
    with _lock:
        _forget_inherited()
        pool = _idle.get(dbname)
        if pool:
            return pool.pop()
    return IntakeConnection(dbname, connect)


def give_back(holder):
    with _lock:
        _forget_inherited()
        pool = _idle.setdefault(holder.dbname, [])
        if holder.connection is not None and len(pool) < MAX_IDLE_PER_DATABASE:
            pool.append(holder)
            return
    holder.close()


def close_all(dbname=None):
    """Close the idle connections (of ``dbname``, or all): at exit, or when a database is dropped."""
    with _lock:
        _forget_inherited()
        holders = [holder for name in list(_idle) if dbname in (None, name) for holder in _idle.pop(name)]
    for holder in holders:
        holder.close()


atexit.register(close_all)
