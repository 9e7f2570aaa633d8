import functools
import hashlib
import json
import logging
import re
import traceback
import uuid
from datetime import datetime, timezone
from decimal import Decimal

import psycopg2
from psycopg2.extras import Json as PsycopgJson

from odoo import SUPERUSER_ID, api, fields, models, tools
from odoo.exceptions import AccessError, RedirectWarning, UserError, ValidationError
from odoo.tools import escape_psql, sql
from odoo.tools.translate import code_translations

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

from ..lib import errors, order_graphql, references, registry
from ..lib.causes import normalise_cause
from ..lib.errors import _lt

_logger = logging.getLogger(__name__)

STATES = [
    ("queued", "Queued"),
    ("done", "Done"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]
# Database errors that mean "someone else touched the same rows at the same time": retry later.
TRANSIENT_PG_ERRORS = (
    psycopg2.errors.SerializationFailure,
    psycopg2.errors.DeadlockDetected,
    psycopg2.errors.LockNotAvailable,
    psycopg2.errors.UniqueViolation,
)
# A database conflict (two jobs reserving the same products, binding the same Shopify id) clears as
# soon as the other transaction ends: retry within seconds, with jitter so the two jobs do not meet
# again, instead of the transient back-off meant for Shopify outages (10 s, then 60 s, ...). The
# window widens with each attempt of the same job; queue_job draws the delay within it.
CONFLICT_RETRY_STEP_SECONDS = 3
CONFLICT_RETRY_MAX_SECONDS = 30
# Transient retries before a job is parked as failed (see the retry pattern in data/queue_job_data.xml:
# about 4 hours of trying, enough to ride out a Black Friday throttle or a Shopify incident).
TRANSIENT_MAX_RETRIES = 20
# Every webhook inserts a job row, and pays for each index of the table. Column indexes of earlier
# versions that nothing needs: backend_id leads the unique (backend_id, webhook_id) index, which serves
# its searches and the RESTRICT check when a store is deleted; workflow has a handful of values, one
# of them most rows. Indexes made partial: failure_category and cause are empty until a job fails.
INTAKE_DROPPED_INDEXES = ("backend_id", "workflow")
INTAKE_PARTIAL_INDEXES = ("failure_category", "cause")
_FRACTION_RE = re.compile(r"(\.\d{6})\d+")
# Classified verdicts of this worker's jobs, by (database, job id): queue_job calls the failure
# hook after rolling back, which would otherwise lose them (see _on_queue_job_failed).
_CLASSIFIED = {}


# Intake builds a queue job's values once per worker with these ids standing for the job's own
# (see _queue_job_template); columns filled per delivery are left out of that template.
_INTAKE_ID_MARKS = (987654320123456781, 987654320123456782)
_PER_DELIVERY_QUEUE_COLUMNS = ("uuid", "name", "date_created", "create_date", "write_date")


def _column_text(value):
    """A column value as the text PostgreSQL receives for it (JSON by its serialization), to
    compare two builds of it; None for a value that is not text."""
    if isinstance(value, PsycopgJson):
        return value.dumps(value.adapted)
    return value if isinstance(value, str) else None


@functools.cache
def _intake_statement(columns, queue_columns=(), queue_constants=("", "")):
    """The one statement of ShopifySyncJob._insert_delivery for these columns, built once per worker.
    It answers one row: the id of the redelivery's job it found, and the id of the job it stored.

    Parameters, in order: backend id, webhook id, topic, event id (the redelivery read); the job's
    ``columns``; with a queue job, its ``queue_columns`` (per delivery). ``queue_constants`` are the
    queue job's other column names and their values as SQL (``_queue_job_template``)."""

    def names(cols):
        return ", ".join(f'"{column}"' for column in cols)

    placeholders = ", ".join(["%s"] * len(columns))
    queue_job_id = ", nextval('queue_job_id_seq')" if queue_columns else ""
    queued = ""
    if queue_columns:
        constant_columns, constant_values = queue_constants
        queued = (
            f", queued AS (INSERT INTO queue_job (id, {names(queue_columns)}{constant_columns}) "
            f"SELECT delivery.queue_job_id, {', '.join(['%s'] * len(queue_columns))}{constant_values} FROM delivery)"
        )
    return (
        "WITH existing AS (SELECT id FROM shopify_sync_job WHERE backend_id = %s "
        "AND (webhook_id = %s OR (topic = %s AND event_id = %s)) LIMIT 1), "
        f"delivery AS (INSERT INTO shopify_sync_job (id{', queue_job_id' if queue_columns else ''}, {names(columns)}) "
        f"SELECT nextval('shopify_sync_job_id_seq'){queue_job_id}, {placeholders} "
        "WHERE NOT EXISTS (SELECT FROM existing) ON CONFLICT DO NOTHING RETURNING id, queue_job_id)"
        f"{queued} "
        "SELECT (SELECT id FROM existing), (SELECT id FROM delivery)"
    )


# A delivery's job by its keys (webhook id, or topic + event id), as the intake statement looks for it.
_FIND_DELIVERY = (
    "SELECT (SELECT id FROM shopify_sync_job WHERE backend_id = %s "
    "AND (webhook_id = %s OR (topic = %s AND event_id = %s)) LIMIT 1)"
)


def _delivery_keys(headers):
    return headers["webhook_id"], headers["topic"], headers["event_id"]


def _storable(text):
    """Text PostgreSQL accepts: no NUL character, no lone surrogate (both legal in JSON)."""
    if not isinstance(text, str):
        return text
    return text.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")


def _stored_text(text, source):
    """The stored English ``text`` as an errors.Text when ``source`` (its ``to_json()``) still gives
    it: a text changed since (a privacy scrub, say) stays as it is."""
    if text and source:
        try:
            restored = errors.Text.from_json(source)
        except (KeyError, TypeError, ValueError, AttributeError):
            return text
        if restored == text:
            return restored
    return text


def database_conflict(err):
    """The database conflict behind ``err`` (itself, or the error it was raised from), or None."""
    seen = 0
    while err is not None and seen < 5:
        if isinstance(err, TRANSIENT_PG_ERRORS):
            return err
        err, seen = err.__cause__ or err.__context__, seen + 1
    return None


def conflict_retry_seconds(attempts):
    """(min, max) seconds for queue_job to draw the next try from (``retry_pattern`` style range)."""
    return (1, max(2, min(CONFLICT_RETRY_STEP_SECONDS * max(attempts, 1), CONFLICT_RETRY_MAX_SECONDS)))


def parse_shopify_datetime(value):
    """Shopify timestamp (ISO 8601, up to nanoseconds, any offset) -> naive UTC datetime."""
    if not value:
        return False
    try:
        parsed = datetime.fromisoformat(_FRACTION_RE.sub(r"\1", value.replace("Z", "+00:00")))
        if parsed.tzinfo:
            parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved across midnight
        return False
    return parsed


class ShopifySyncJob(models.Model):
    """One inbound Shopify event or one outbound operation, from receipt to verdict.

    The queue.job it spawns does the work; this record is what people triage: what it is about,
    why it failed, in which category, what to fix, and the button to run it again.
    """

    _name = "shopify.sync.job"
    _description = "Shopify sync job"
    _order = "id desc"
    _rec_name = "topic"
    # display_name is "topic reference": search it through the stored fields it is made of.
    _rec_names_search = ["topic", "shopify_ref", "shopify_gid"]

    # Not indexed alone: the unique (backend_id, webhook_id) index leads with it (see INTAKE_DROPPED_INDEXES).
    backend_id = fields.Many2one("shopify.backend", required=True, ondelete="restrict")
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    workflow = fields.Selection(registry.WORKFLOW_SELECTION, required=True)
    direction = fields.Selection([("in", "From Shopify"), ("out", "To Shopify")], required=True, default="in")
    topic = fields.Char(required=True, index=True)
    shopify_ref = fields.Char(string="Shopify reference", index="trigram")
    shopify_gid = fields.Char(string="Shopify ID", index=True)
    webhook_id = fields.Char(string="Webhook ID", readonly=True)
    event_id = fields.Char(string="Event ID", readonly=True)
    api_version = fields.Char(readonly=True)
    triggered_at = fields.Datetime(readonly=True)
    payload = fields.Text(readonly=True, help="Raw body as Shopify sent it (or the outbound request).")
    payload_redacted = fields.Boolean(readonly=True)
    body_digest = fields.Char(
        readonly=True,
        help="SHA-256 of the body as received: the same body posted "
        "again under another webhook id is a replay (Shopify signs the body only).",
    )
    state = fields.Selection(STATES, required=True, default="queued", index=True, readonly=True)
    # A job is "running" while its queue.job is started. That is only known outside the job's
    # own transaction, so it is derived from the queue job rather than stored.
    status = fields.Selection(STATES + [("running", "Running")], compute="_compute_status")
    failure_category = fields.Selection(errors.CATEGORIES, index="btree_not_null", readonly=True)
    error_message = fields.Text(readonly=True)
    fix_hint = fields.Text(string="How to fix", readonly=True)
    # The English above stays for search, grouping (cause) and support; people read these.
    failure_source = fields.Json(
        readonly=True, help="Source texts and parameters of the error message and fix, to show them in any language."
    )
    error_message_display = fields.Text(string="Error message shown", compute="_compute_failure_display")
    fix_hint_display = fields.Text(string="How to fix shown", compute="_compute_failure_display")
    warning_message = fields.Text(string="Warnings", readonly=True)
    result_summary = fields.Text(readonly=True)
    attempts = fields.Integer(readonly=True, default=0)
    date_received = fields.Datetime(default=fields.Datetime.now, readonly=True)
    date_started = fields.Datetime(readonly=True)
    date_done = fields.Datetime(readonly=True)
    queue_job_id = fields.Many2one("queue.job", readonly=True, index="btree_not_null", ondelete="set null")
    queue_job_state = fields.Selection(related="queue_job_id.state", string="Queue state")
    queue_job_retry = fields.Integer(related="queue_job_id.retry", string="Queue attempts")
    queue_job_result = fields.Text(related="queue_job_id.result", string="Last queue message")
    res_model = fields.Char(string="Odoo model", readonly=True)
    res_id = fields.Many2oneReference(string="Odoo record ID", model_field="res_model", readonly=True)
    cancel_reason = fields.Text(readonly=True)
    # Statistics: one row per cause, mean time to done, retries.
    cause = fields.Char(
        compute="_compute_cause",
        store=True,
        index="btree_not_null",
        help="The error without its order number, ids or document numbers: one cause, one row.",
    )
    duration_hours = fields.Float(
        string="Hours to done",
        compute="_compute_statistics",
        store=True,
        aggregator="avg",
        help="From receipt to the final verdict (done or failed).",
    )
    retry_count = fields.Integer(string="Retries", compute="_compute_statistics", store=True, aggregator="sum")

    _webhook_unique = models.Constraint("UNIQUE(backend_id, webhook_id)", "This webhook delivery is already recorded.")
    _event_unique = models.UniqueIndex(
        "(backend_id, topic, event_id) WHERE event_id IS NOT NULL",
        "This Shopify event is already recorded.",
    )
    _failed_idx = models.Index("(backend_id, failure_category) WHERE state = 'failed'")

    def init(self):
        """Drop the column indexes earlier versions made that intake no longer pays for: Odoo keeps an
        index whose field lost ``index=True``, and a full one stays where ``btree_not_null`` is now
        asked for (Odoo makes the partial one once the old is gone)."""
        result = super().init()
        names = [sql.make_index_name(self._table, column) for column in INTAKE_DROPPED_INDEXES]
        partial = [sql.make_index_name(self._table, column) for column in INTAKE_PARTIAL_INDEXES]
        self.env.cr.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema AND tablename = %s "
            "AND (indexname IN %s OR (indexname IN %s AND indexdef NOT LIKE '%% WHERE %%'))",
            [self._table, tuple(names), tuple(partial)],
        )
        for (name,) in self.env.cr.fetchall():
            sql.drop_index(self.env.cr, name, self._table)
        return result

    @api.depends("topic", "shopify_ref", "shopify_gid")
    def _compute_display_name(self):
        for job in self:
            job.display_name = f"{job.topic} {job.shopify_ref or job.shopify_gid or ''}".strip()

    @api.depends("error_message")
    def _compute_cause(self):
        for job in self:
            job.cause = normalise_cause(job.error_message)

    @api.depends("error_message", "fix_hint", "failure_source")
    @api.depends_context("lang")
    def _compute_failure_display(self):
        """The message and fix in the reader's language (i18n/<lang>.po), with this job's values."""
        lang = self.env.lang or "en_US"
        translations = code_translations.get_python_translations(self._module, lang) if lang != "en_US" else {}

        def translate(source):
            return translations.get(source, source)

        for job in self:
            source = job.failure_source or {}
            for stored, shown in (("error_message", "error_message_display"), ("fix_hint", "fix_hint_display")):
                text = _stored_text(job[stored], source.get(stored))
                job[shown] = text.translated(translate) if isinstance(text, errors.Text) else text

    @api.depends("date_received", "date_done", "attempts")
    def _compute_statistics(self):
        for job in self:
            done = job.date_done and job.date_received and job.date_done >= job.date_received
            job.duration_hours = (job.date_done - job.date_received).total_seconds() / 3600 if done else 0.0
            job.retry_count = max(job.attempts - 1, 0)

    @api.depends("state", "queue_job_id.state")
    def _compute_status(self):
        for job in self:
            running = job.state == "queued" and job.queue_job_id.state == "started"
            job.status = "running" if running else job.state

    # -- intake ------------------------------------------------------------------------------

    @api.model
    def _intake_webhook(
        self,
        backend,
        headers,
        raw_body,
        payload,
        workflow=None,
        company_id=None,
        enqueue=True,
        owns_transaction=False,
        connection=None,
    ):
        """Store a verified webhook and enqueue it (``enqueue=False``: a batch job runs it, see
        handlers/order_batch.py). Returns (job, created).

        A redelivery (same webhook id, or same topic + event id) returns the existing job (or an
        empty recordset when a simultaneous delivery won and is not yet visible to this
        transaction). The unique constraints settle races. ``company_id``: the store's company
        when the caller has it at hand (the webhook controller's cached lookup), saving a read.
        ``owns_transaction``: the caller's transaction holds nothing else (the webhook request), see
        ``_insert_delivery``. ``connection``: a lib.intake_connection.IntakeConnection (the webhook
        request's): a runnable delivery is stored and committed there, before this returns; one
        that is not runnable is stored in this transaction (its failure is written by the ORM).
        """
        topic = headers["topic"]
        gid, ref = self._describe_safely(topic, payload)
        values = {
            "backend_id": backend.id,
            "company_id": (backend.company_id.id if company_id is None else company_id) or None,
            "workflow": workflow or registry.workflow_for(topic),
            "direction": "in",
            "state": "queued",
            "topic": topic,
            "shopify_gid": gid,
            "shopify_ref": ref,
            "webhook_id": headers["webhook_id"],
            "event_id": headers["event_id"],
            "api_version": headers["api_version"],
            "triggered_at": parse_shopify_datetime(headers["triggered_at"]) or None,
            "payload": _storable(raw_body.decode("utf-8", errors="replace")),
            "body_digest": hashlib.sha256(raw_body).hexdigest(),
            "attempts": 0,
            "payload_redacted": False,
        }
        runnable = bool(payload is not None and registry.handler_for(topic))
        if not runnable:
            connection = None
        existing_id, job_id = self._insert_delivery(values, runnable and enqueue, owns_transaction, connection)
        if existing_id:
            return self.browse(existing_id), False
        if not job_id:
            if connection is not None:
                # A simultaneous delivery won; its commit is visible to the connection's next statement.
                (winner_id,) = connection.execute(_FIND_DELIVERY, [backend.id, *_delivery_keys(headers)])
                return self.browse(winner_id), False
            return self._find_delivery(backend, headers), False
        job = self.browse(job_id)
        if payload is None:
            job._mark_failed(
                errors.DATA,
                _lt("The webhook body is not valid JSON."),
                _lt("Nothing to fix in Odoo: Shopify sent a malformed body. Cancel the job."),
            )
        elif not runnable:
            job._mark_failed(
                errors.CONFIGURATION,
                _lt("No handler for topic %(topic)s.", topic=topic),
                _lt(
                    "This version of shopify_sync does not process this topic. Remove the subscription "
                    "in Shopify, or upgrade the addon and press Retry."
                ),
            )
        return job, True

    @api.model
    def _describe_safely(self, topic, payload):
        """(gid, reference) for the job list; a body of unexpected shape just has none (the handler
        reports what is wrong with it)."""
        try:
            gid, ref = references.describe(topic, payload)
        except (AttributeError, TypeError, ValueError, KeyError):
            return None, None
        return _storable(gid), _storable(ref)

    @api.model
    def _intake_pulled(self, backend, order, workflow, enqueue=True):
        """Store an order read from Shopify (backfill, catch-up) as a job of ``workflow`` for the
        same handler as ``orders/updated`` webhooks. Keyed by order and version, so pulling the
        same version again adds nothing. Returns (job, created)."""
        headers = {
            "topic": "orders/updated",
            "webhook_id": None,
            "event_id": f"pull:{order['id']}@{order['updated_at']}",
            "api_version": backend.api_version,
            "triggered_at": None,
        }
        body = order_graphql.dumps(order).encode()
        return self._intake_webhook(backend, headers, body, order, workflow=workflow, enqueue=enqueue)

    @api.model
    def _insert_delivery(self, values, runnable, owns_transaction=False, connection=None):
        """Store one delivery in one statement. Returns (existing id, new id): the id of a
        redelivery's job this transaction sees, or of the new job; (None, None) when a simultaneous
        delivery won. With ``runnable`` the new job's queue job is created by the same statement.

        - A redelivery is found by a plain read first: the INSERT's conflict check would wait for a
          worker that holds the first delivery's row (a running job) to commit, and Shopify gives
          up after 5 s. Found, nothing is inserted.
        - INSERT ... ON CONFLICT DO NOTHING: the database, not the read, decides which of two new
          deliveries wins, without an error. In REPEATABLE READ a conflicting row committed after
          our snapshot raises a serialization failure instead: the same verdict. A savepoint keeps
          the caller's transaction usable; with ``owns_transaction`` (the webhook request: nothing
          else in it) the transaction is rolled back instead, which spares every webhook the
          savepoint's cost, and the winner is visible to the caller's next read.
        - The queue job is queue_job's own column values (``_queue_job_template``); the columns
          that name the job's id get it in SQL. queue_job's trigger notifies the job runner at
          commit: the job is visible at once, and there is no second write of ``queue_job_id``.
        - With ``connection`` (the webhook request's IntakeConnection) the statement runs there as
          a prepared statement, committed before this returns. That connection is READ COMMITTED:
          a simultaneous delivery's insert is waited for and skipped, answering (None, None).
        """
        now = fields.Datetime.now()
        values = dict(
            values, create_uid=self.env.uid, write_uid=self.env.uid, create_date=now, write_date=now, date_received=now
        )
        params = [values["backend_id"], values["webhook_id"], values["topic"], values["event_id"], *values.values()]
        template = self._queue_job_template(values["workflow"], values["company_id"]) if runnable else None
        if template:
            per_delivery = {
                "uuid": str(uuid.uuid4()),  # as queue_job's Job.uuid
                "name": self._job_description(values),
                "date_created": now,
            }
            if self.env["queue.job"]._log_access:
                per_delivery.update(create_date=now, write_date=now)
            statement = _intake_statement(tuple(values), tuple(per_delivery), template)
            params += per_delivery.values()
        else:
            statement = _intake_statement(tuple(values))
        if connection is not None:
            return connection.execute(statement, params)
        cr = self.env.cr
        try:
            if owns_transaction:
                cr.execute(statement, params, log_exceptions=False)
                return cr.fetchone()
            with cr.savepoint(flush=False):
                cr.execute(statement, params, log_exceptions=False)
                return cr.fetchone()
        except psycopg2.errors.SerializationFailure:
            if owns_transaction:
                cr.rollback()
            return None, None

    @api.model
    @tools.ormcache("workflow", "company_id")
    def _queue_job_template(self, workflow, company_id):
        """The queue job columns of a sync job of ``workflow`` in ``company_id`` but those filled per
        delivery, built once per worker by queue_job's own Job exactly as ``with_delay`` builds them
        (function, channel, serialized records, identity key...); only the ORM create is left out,
        whose identity-key search cannot find anything for a job that does not exist yet.

        Returns (", column, ...", ", value, ..."), the values as SQL literals (rendered once: they
        are the same for every delivery, and adapting them is Python work on every webhook); the
        columns that name the job's id get it in SQL from the job's row (``delivery.id``). Built at
        two ids to prove no other column depends on it. Columns left NULL are not named (no
        queue_job column has a database default): a shorter statement to parse and plan. Cached in
        the registry: queue_job clears it when a job function changes."""
        first, second = (self._queue_job_values(mark, workflow, company_id) for mark in _INTAKE_ID_MARKS)
        columns, values, params = [], [], []
        for column, value in first.items():
            if column in _PER_DELIVERY_QUEUE_COLUMNS:
                continue
            text, other = _column_text(value), _column_text(second[column])
            if text == other and (text is not None or value == second[column]):
                if value is None:
                    continue
                columns.append(column)
                values.append("%s")
                params.append(value)
            elif text is not None and text.replace(*map(str, _INTAKE_ID_MARKS)) == other:
                columns.append(column)
                values.append(
                    f"replace(%s, %s, delivery.id::text){'::jsonb' if isinstance(value, PsycopgJson) else ''}"
                )
                params += [text, str(_INTAKE_ID_MARKS[0])]
            else:
                raise ValueError(f"queue.job column {column} varies with the job in a way intake cannot build")
        # As literals in a statement that takes parameters: a percent sign stays one.
        literals = self.env.cr.mogrify(", ".join(values), params).decode().replace("%", "%%")
        return "".join(f', "{column}"' for column in columns), f", {literals}"

    def _queue_job_values(self, job_id, workflow, company_id):
        """Column values of the queue job of sync job ``job_id``, made by queue_job's Job."""
        values = {"id": job_id, "workflow": workflow, "company_id": company_id, "topic": ""}
        job = self.browse(job_id)._delayable_for(values)
        queued = Job(getattr(job, f"_job_run_{workflow}"), **self._delay_options(values))
        QueueJob = self.env["queue.job"]
        store = queued._store_values(create=True)
        if QueueJob._log_access:
            store.update(
                create_uid=self.env.uid,
                write_uid=self.env.uid,
                create_date=queued.date_created,
                write_date=queued.date_created,
            )
        return {
            name: QueueJob._fields[name].convert_to_column_insert(value, QueueJob)
            for name, value in store.items()
            if QueueJob._fields[name].column_type
        }

    def _delayable_for(self, values):
        """The job as queue_job runs it: as the superuser (a webhook's public user and an accountant's
        Retry get the same rights), in the store's company, without mail tracking of the queue.job
        record (the sync job is the audit trail, and intake is the hot path)."""
        context = {"tracking_disable": True, "mail_create_nolog": True, "mail_create_nosubscribe": True}
        if values.get("company_id"):
            context["company_id"] = values["company_id"]  # read by queue_job's Job, not stored with it
        return self.with_user(SUPERUSER_ID).with_context(**context)

    @api.model
    def _delay_options(self, values):
        """The identity key makes a double-clicked Retry enqueue once."""
        return {
            "channel": registry.WORKFLOW_CHANNEL[values["workflow"]],
            "identity_key": f"shopify.sync.job:{values['id']}",
            "max_retries": TRANSIENT_MAX_RETRIES,
            "description": self._job_description(values),
        }

    @api.model
    def _job_description(self, values):
        return f"Shopify {values['topic']} {values.get('shopify_ref') or values.get('shopify_gid') or ''}".strip()

    @api.model
    def _find_delivery(self, backend, headers):
        domain = None
        if headers.get("webhook_id"):
            domain = [("backend_id", "=", backend.id), ("webhook_id", "=", headers["webhook_id"])]
            found = self.search(domain, limit=1)
            if found:
                return found
        if headers.get("event_id"):
            return self.search(
                [
                    ("backend_id", "=", backend.id),
                    ("topic", "=", headers["topic"]),
                    ("event_id", "=", headers["event_id"]),
                ],
                limit=1,
            )
        return self.browse()

    @api.model
    def _create_outbound(self, backend, workflow, topic, payload=None, ref=None, gid=None):
        return self.create(
            {
                "backend_id": backend.id,
                "workflow": workflow,
                "direction": "out",
                "topic": topic,
                "payload": json.dumps(payload, indent=1) if payload is not None else False,
                "shopify_ref": ref,
                "shopify_gid": gid,
                "date_started": fields.Datetime.now(),
            }
        )

    # -- queueing ----------------------------------------------------------------------------

    def _enqueue(self):
        """Hand each job to queue_job on its workflow's channel (Retry, outbound and follow-up jobs;
        webhook intake creates the queue job in its INSERT, see ``_insert_delivery``)."""
        for job in self:
            values = {
                "id": job.id,
                "workflow": job.workflow,
                "topic": job.topic,
                "shopify_ref": job.shopify_ref,
                "shopify_gid": job.shopify_gid,
                "company_id": job.company_id.id,
            }
            delayed = job._delayable_for(values).with_delay(**self._delay_options(values))
            queued = getattr(delayed, f"_job_run_{job.workflow}")()
            # with_delay returns the new Job, or the queue.job already pending under this identity.
            record = queued.db_record() if hasattr(queued, "db_record") else queued
            job.write({"state": "queued", "queue_job_id": record.id})

    # One queue.job.function per workflow (data/queue_job_data.xml): each has its own channel and
    # retry pattern that an administrator can tune without touching the others.
    def _job_run_order(self):
        return self._run()

    def _job_run_product(self):
        return self._run()

    def _job_run_customer(self):
        return self._run()

    def _job_run_inventory(self):
        return self._run()

    def _job_run_refund(self):
        return self._run()

    def _job_run_fulfillment(self):
        return self._run()

    def _job_run_payout(self):
        return self._run()

    def _job_run_historical(self):
        return self._run()

    def _job_run_scheduled(self):
        return self._run()

    def _job_run_connection(self):
        return self._run()

    # -- execution ---------------------------------------------------------------------------

    def _run(self):
        """Apply the job's handler once and record the verdict.

        Transient failures raise RetryableJobError: queue_job rolls back and retries with the
        function's retry pattern. Every other failure rolls back the handler's partial work (savepoint),
        is stored as failed with its category, and waits for a person: no blind retries.
        """
        self.ensure_one()
        job = self.sudo().with_company(self.backend_id.company_id)
        _CLASSIFIED.pop((job.env.cr.dbname, job.id), None)
        if job.state in ("done", "cancelled"):
            return f"already {job.state}"
        handler = registry.handler_for(job.topic)
        # The attempt is written with the verdict, in one UPDATE of the job's row: written before
        # the handler, the savepoint's flush would make it an UPDATE of its own. A transient failure
        # rolls both back alike (queue_job retries the whole transaction).
        attempt = {"attempts": job.attempts + 1, "date_started": fields.Datetime.now()}
        if not handler:
            job.write(attempt)
            job._mark_failed(errors.CONFIGURATION, _lt("No handler for topic %(topic)s.", topic=job.topic))
            return "failed: no handler"
        if job.warning_message:
            job.warning_message = False  # the warnings shown are this run's (handlers add to them)
        try:
            with job.env.cr.savepoint():
                record = handler.function(job)
        except (errors.TransientError, *TRANSIENT_PG_ERRORS) as err:
            if database_conflict(err):
                raise RetryableJobError(
                    f"Database conflict, retrying shortly: {err}",
                    seconds=conflict_retry_seconds(attempt["attempts"]),
                ) from err
            raise RetryableJobError(str(err), seconds=err.retry_after and int(err.retry_after) + 1) from err
        except Exception as err:  # noqa: BLE001 - every failure must end classified and visible
            job.env.invalidate_all()
            category, message, fix = self._classify(err)
            job.write(attempt)
            job._mark_failed(category, message, fix)
            return f"failed: {category}"
        job.write(attempt)
        if job.state == "failed":
            # The handler kept its work and failed the job itself (an order imported, its
            # invoice not): the verdict it recorded stands.
            return f"failed: {job.failure_category}"
        job._mark_done(record)
        return "done"

    @api.model
    def _classify(self, err):
        if isinstance(err, errors.SyncError):
            return err.category, err.message, err.fix
        if isinstance(err, AccessError):
            return errors.PERMISSION, str(err), _lt("Give the Odoo user running the jobs the rights named above.")
        if isinstance(err, RedirectWarning):
            # Odoo's "go and configure this" error (no warehouse, no journal...): not a UserError
            # subclass, and its str() is the tuple of its arguments.
            message, _action, button_text = err.args[:3]
            return (
                errors.CONFIGURATION,
                _lt("Odoo refused the operation: %(error)s", error=message),
                _lt("%(error)s (in Odoo: %(button)s), then Retry.", error=message, button=button_text),
            )
        if isinstance(err, ValidationError):
            return (
                errors.DATA,
                _lt("Odoo refused the data: %(error)s", error=err),
                _lt("Correct what Odoo names above, then Retry."),
            )
        if isinstance(err, UserError):
            return (
                errors.DATA,
                _lt("Odoo refused the operation: %(error)s", error=err),
                _lt("Do what Odoo asks above, then Retry."),
            )
        detail = "".join(traceback.format_exception_only(type(err), err)).strip()
        _logger.exception("Unexpected error in Shopify sync job")
        return (
            errors.DATA,
            _lt("Unexpected error: %(error)s", error=detail),
            _lt("Report this to the addon maintainers with the payload."),
        )

    def _add_warning(self, text):
        """Handlers note what they kept as given (e.g. an unparsable phone) without failing."""
        for job in self:
            job.warning_message = "\n".join(filter(None, [job.warning_message, text]))

    def _mark_done(self, record=None, summary=None):
        vals = {
            "state": "done",
            "date_done": fields.Datetime.now(),
            "failure_category": False,
            "error_message": False,
            "fix_hint": False,
            "failure_source": False,
        }
        if summary:
            vals["result_summary"] = summary
        if isinstance(record, models.BaseModel) and record:
            vals.update(res_model=record._name, res_id=record[:1].id)
        for job in self:
            _CLASSIFIED.pop((job.env.cr.dbname, job.id), None)
        self.write(vals)

    def _mark_failed(self, category, message, fix=None):
        if len(_CLASSIFIED) > 10000:  # failed jobs never run again here (drift, intake) must not pile up
            _CLASSIFIED.clear()
        for job in self:
            _CLASSIFIED[(job.env.cr.dbname, job.id)] = (category, message, fix)
        self.write(
            {
                "state": "failed",
                "failure_category": category,
                "error_message": message and str(message),
                "fix_hint": fix and str(fix) or False,
                "failure_source": {
                    name: text.to_json()
                    for name, text in (("error_message", message), ("fix_hint", fix))
                    if isinstance(text, errors.Text)
                }
                or False,
                "date_done": fields.Datetime.now(),
            }
        )

    def _on_queue_job_failed(self, exc_info=None, exc_name=None, exc_message=None):
        """queue_job gave up (transient retries exhausted, or a crash outside our handler).

        A crash after the handler (while committing, say) rolls back the verdict the job had just
        recorded, and its message ("Record does not exist...") says nothing of the real cause.
        The first classified failure stays the message, category and fix; the crash is added."""
        transient = "FailedJobError" in (exc_name or "") or "RetryableJobError" in (exc_name or "")
        crash = exc_message or exc_name or _lt("The queue job failed.")
        for job in self.sudo():
            first = _CLASSIFIED.pop((job.env.cr.dbname, job.id), None)
            if not first and job.state == "failed" and job.failure_category and job.error_message:
                source = job.failure_source or {}
                first = (
                    job.failure_category,
                    _stored_text(job.error_message, source.get("error_message")),
                    _stored_text(job.fix_hint, source.get("fix_hint")),
                )
            if first:
                category, message, fix = first
                job._mark_failed(
                    category,
                    _lt("%(message)s\n\nThen, outside the handler: %(crash)s", message=message, crash=crash),
                    fix,
                )
                continue
            job._mark_failed(
                errors.TRANSIENT if transient else errors.DATA,
                crash,
                _lt("Shopify or the network kept failing; press Retry when it is back.") if transient else None,
            )

    # -- people's actions --------------------------------------------------------------------

    def _check_can_operate(self):
        if not self.env.user.has_group("shopify_sync.group_shopify_user"):
            raise AccessError(self.env._("Only Shopify users and managers can retry or cancel sync jobs."))
        self.check_access("read")

    def action_retry(self):
        """Run failed (or cancelled) jobs again through the queue, with the same identity."""
        self._check_can_operate()
        jobs = self.sudo().filtered(lambda j: j.state in ("failed", "cancelled"))
        if not jobs:
            raise UserError(self.env._("Only failed or cancelled jobs can be retried."))
        jobs.write(
            {
                "failure_category": False,
                "error_message": False,
                "fix_hint": False,
                "failure_source": False,
                "cancel_reason": False,
                "date_done": False,
            }
        )
        for job in jobs:
            # A topic parked for lack of a handler goes to the handler's workflow once one exists.
            workflow = registry.workflow_for(job.topic)
            pulled = job.workflow in ("historical", "scheduled")  # stays on the imports channel
            if job.direction == "in" and not pulled and registry.handler_for(job.topic) and workflow != job.workflow:
                job.workflow = workflow
        jobs._enqueue()
        return True

    def action_cancel(self, reason=None):
        self._check_can_operate()
        jobs = self.sudo().filtered(lambda j: j.state in ("failed", "queued"))
        jobs._cancel(reason or self.env._("Ignored by %(user)s", user=self.env.user.name))
        return True

    def _cancel(self, reason):
        for job in self:
            if job.queue_job_id and job.queue_job_id.state in ("pending", "enqueued", "wait_dependencies"):
                job.queue_job_id.button_cancelled()
        self.write({"state": "cancelled", "cancel_reason": reason, "date_done": fields.Datetime.now()})

    def action_open_record(self):
        self.ensure_one()
        if not (self.res_model and self.res_id):
            return False
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }

    def action_open_queue_job(self):
        self.ensure_one()
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(self.env._("Only administrators open the queue job behind a sync job."))
        return {
            "type": "ir.actions.act_window",
            "res_model": "queue.job",
            "res_id": self.queue_job_id.id,
            "view_mode": "form",
        }

    # -- payload -----------------------------------------------------------------------------

    def _payload_json(self):
        """The payload as Python data; JSON numbers with a fraction (tax rates) become Decimal."""
        self.ensure_one()
        try:
            return json.loads(self.payload or "null", parse_float=Decimal)
        except ValueError:
            return None

    # -- privacy -----------------------------------------------------------------------------

    @api.model
    def _jobs_mentioning(self, backend, tokens, ids):
        """Jobs of ``backend`` whose payload, reference or messages contain one of ``tokens``
        (literally, any case) or one of the numeric ``ids`` as a whole number."""
        fields_searched = ("payload", "shopify_ref", "shopify_gid", "warning_message", "error_message")
        terms = [(name, "ilike", escape_psql(term)) for term in list(tokens) + list(ids) for name in fields_searched]
        if not terms:
            return self.browse()
        domain = [("backend_id", "=", backend.id)] + ["|"] * (len(terms) - 1) + terms
        id_pattern = re.compile(r"(?<![\d.])(%s)(?!\.?\d)" % "|".join(map(re.escape, ids))) if ids else None
        lowered = [token.lower() for token in tokens]

        def mentions(job):
            text = "\n".join(job[name] or "" for name in fields_searched)
            return any(token in text.lower() for token in lowered) or bool(id_pattern and id_pattern.search(text))

        return self.search(domain).filtered(mentions)

    def _data_request_attachments(self):
        return (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", self.filtered(lambda j: j.topic == "customers/data_request").ids),
                ]
            )
        )

    def _redact_payload(self, reason):
        """Drop the payloads (the job row, its verdict and its Odoo record stay)."""
        self.write({"payload": f"[redacted: {reason}]", "payload_redacted": True})

    def _redact_personal_data(self, reason, tokens=(), label="[redacted]"):
        """Erase the payload and scrub ``tokens`` from the job's texts and its queue job's."""
        pattern = re.compile("|".join(map(re.escape, tokens)), re.IGNORECASE) if tokens else None

        def scrub(text):
            return pattern.sub("[redacted]", text) if pattern and text else text

        for job in self:
            job.write(
                {
                    "payload": f"[redacted: {reason}]",
                    "payload_redacted": True,
                    "failure_source": False,  # its parameters may name the person
                    "shopify_ref": label if job.topic.startswith("customers/") else scrub(job.shopify_ref),
                    **{
                        name: scrub(job[name])
                        for name in ("warning_message", "error_message", "result_summary", "cancel_reason")
                    },
                }
            )
            if job.res_model == "ir.attachment" and not self.env["ir.attachment"].browse(job.res_id).exists():
                job.write({"res_model": False, "res_id": False})
            queue_job = job.queue_job_id.sudo()
            queue_job = queue_job.with_context(tracking_disable=True, _job_edit_sentinel=queue_job.EDIT_SENTINEL)
            if queue_job:
                queue_job.write(
                    {name: scrub(queue_job[name]) for name in ("name", "exc_message", "exc_info", "result")}
                    | ({"name": f"Shopify {job.topic} {label}"} if job.topic.startswith("customers/") else {})
                )
