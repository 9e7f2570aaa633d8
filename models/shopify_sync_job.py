import hashlib
import json
import logging
import re
import traceback
from datetime import datetime, timezone
from decimal import Decimal

import psycopg2

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, RedirectWarning, UserError, ValidationError
from odoo.tools import SQL, escape_psql

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

from ..lib import errors, order_graphql, references, registry
from ..lib.causes import normalise_cause

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
_FRACTION_RE = re.compile(r"(\.\d{6})\d+")
# Classified verdicts of this worker's jobs, by (database, job id): queue_job calls the failure
# hook after rolling back, which would otherwise lose them (see _on_queue_job_failed).
_CLASSIFIED = {}


def _storable(text):
    """Text PostgreSQL accepts: no NUL character, no lone surrogate (both legal in JSON)."""
    if not isinstance(text, str):
        return text
    return text.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")


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

    backend_id = fields.Many2one("shopify.backend", required=True, index=True, ondelete="restrict")
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    workflow = fields.Selection(registry.WORKFLOW_SELECTION, required=True, index=True)
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
    failure_category = fields.Selection(errors.CATEGORIES, index=True, readonly=True)
    error_message = fields.Text(readonly=True)
    fix_hint = fields.Text(string="How to fix", readonly=True)
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
        index=True,
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

    @api.depends("topic", "shopify_ref", "shopify_gid")
    def _compute_display_name(self):
        for job in self:
            job.display_name = f"{job.topic} {job.shopify_ref or job.shopify_gid or ''}".strip()

    @api.depends("error_message")
    def _compute_cause(self):
        for job in self:
            job.cause = normalise_cause(job.error_message)

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
    def _intake_webhook(self, backend, headers, raw_body, payload, workflow=None, enqueue=True):
        """Store a verified webhook and enqueue it (``enqueue=False``: a batch job runs it, see
        handlers/order_batch.py). Returns (job, created).

        A redelivery (same webhook id, or same topic + event id) returns the existing job (or an
        empty recordset when a simultaneous delivery won and is not yet visible to this
        transaction). The unique constraints settle races.
        """
        # A redelivery is found by a plain read first: the INSERT's conflict check would wait for
        # a worker that holds the first delivery's row (a running job) to commit, and Shopify
        # gives up after 5 s. The INSERT ... ON CONFLICT still settles two new deliveries racing.
        # The same round trip reserves the new job's id (its queue job is built before the INSERT)
        # and reads the store's company.
        self.env.cr.execute(
            "SELECT (SELECT id FROM shopify_sync_job WHERE backend_id = %s AND (webhook_id = %s OR "
            "(topic = %s AND event_id = %s)) LIMIT 1), nextval('shopify_sync_job_id_seq'), "
            "(SELECT company_id FROM shopify_backend WHERE id = %s)",
            [backend.id, headers["webhook_id"], headers["topic"], headers["event_id"], backend.id],
        )
        existing_id, new_id, company_id = self.env.cr.fetchone()
        if existing_id:
            return self.browse(existing_id), False
        topic = headers["topic"]
        gid, ref = self._describe_safely(topic, payload)
        values = {
            "id": new_id,
            "backend_id": backend.id,
            "company_id": company_id,
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
        runnable = payload is not None and registry.handler_for(topic)
        queue_job_values = self.browse(new_id)._new_queue_job_values(values) if runnable and enqueue else None
        job_id = self._insert_delivery(values, queue_job_values)
        if not job_id:
            return self._find_delivery(backend, headers), False
        job = self.browse(job_id)
        if payload is None:
            job._mark_failed(
                errors.DATA,
                "The webhook body is not valid JSON.",
                "Nothing to fix in Odoo: Shopify sent a malformed body. Cancel the job.",
            )
        elif not runnable:
            job._mark_failed(
                errors.CONFIGURATION,
                f"No handler for topic {topic}.",
                "This version of shopify_sync does not process this topic. Remove the subscription "
                "in Shopify, or upgrade the addon and press Retry.",
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
    def _insert_delivery(self, values, queue_job_values=None):
        """INSERT ... ON CONFLICT DO NOTHING: the database, not a prior SELECT, decides which of two
        simultaneous deliveries wins, without an error. In REPEATABLE READ a conflicting row
        committed after our snapshot raises a serialization failure instead; that is the same
        verdict ("already recorded"). Returns the new id, or None for a duplicate.

        With ``queue_job_values`` (see ``_new_queue_job_values``) the same statement creates the
        job's queue job, only when the delivery row was inserted: one round trip, no second write
        of ``queue_job_id``, and queue_job's trigger notifies the job runner at commit."""
        now = fields.Datetime.now()
        values = dict(
            values, create_uid=self.env.uid, write_uid=self.env.uid, create_date=now, write_date=now, date_received=now
        )
        if queue_job_values:
            values["queue_job_id"] = SQL("nextval('queue_job_id_seq')")
        columns = list(values)
        insert = SQL(
            "INSERT INTO shopify_sync_job (%s) VALUES (%s) ON CONFLICT DO NOTHING",
            SQL(", ").join(SQL.identifier(column) for column in columns),
            SQL(", ").join(value if isinstance(value, SQL) else SQL("%s", value) for value in values.values()),
        )
        if queue_job_values:
            queue_columns = list(queue_job_values)
            query = SQL(
                "WITH delivery AS (%s RETURNING id, queue_job_id) "
                "INSERT INTO queue_job (id, %s) SELECT delivery.queue_job_id, %s FROM delivery "
                "RETURNING (SELECT id FROM delivery)",
                insert,
                SQL(", ").join(SQL.identifier(column) for column in queue_columns),
                SQL(", ").join(SQL("%s", queue_job_values[column]) for column in queue_columns),
            )
        else:
            query = SQL("%s RETURNING id", insert)
        # cr.savepoint() without its own round trip: SAVEPOINT travels with the INSERT.
        try:
            self.env.cr.execute(SQL("SAVEPOINT shopify_sync_intake; %s", query), log_exceptions=False)
            row = self.env.cr.fetchone()
        except psycopg2.Error as err:
            self.env.cr.execute("ROLLBACK TO SAVEPOINT shopify_sync_intake; RELEASE SAVEPOINT shopify_sync_intake")
            if isinstance(err, psycopg2.errors.SerializationFailure):
                return None
            raise
        self.env.cr.execute("RELEASE SAVEPOINT shopify_sync_intake")
        return row[0] if row else None

    def _new_queue_job_values(self, values):
        """Column values of the queue job of a sync job not stored yet (``values``: its own).

        queue_job's Job builds them exactly as ``with_delay`` would (uuid, serialized records,
        function, channel, identity key); only the ORM create is left out, whose identity-key
        search cannot find anything for an id that was just reserved."""
        self.ensure_one()
        job = self._delayable_for(values)
        queued = Job(getattr(job, f"_job_run_{values['workflow']}"), **self._delay_options(values))
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
        description = f"Shopify {values['topic']} {values.get('shopify_ref') or values.get('shopify_gid') or ''}"
        return {
            "channel": registry.WORKFLOW_CHANNEL[values["workflow"]],
            "identity_key": f"shopify.sync.job:{values['id']}",
            "max_retries": TRANSIENT_MAX_RETRIES,
            "description": description.strip(),
        }

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
        job.write(
            {
                "attempts": job.attempts + 1,
                "date_started": fields.Datetime.now(),
                "warning_message": False,
            }
        )
        if not handler:
            job._mark_failed(errors.CONFIGURATION, f"No handler for topic {job.topic}.")
            return "failed: no handler"
        try:
            with job.env.cr.savepoint():
                record = handler.function(job)
        except (errors.TransientError, *TRANSIENT_PG_ERRORS) as err:
            if database_conflict(err):
                raise RetryableJobError(
                    f"Database conflict, retrying shortly: {err}", seconds=conflict_retry_seconds(job.attempts)
                ) from err
            raise RetryableJobError(str(err), seconds=err.retry_after and int(err.retry_after) + 1) from err
        except Exception as err:  # noqa: BLE001 - every failure must end classified and visible
            job.env.invalidate_all()
            category, message, fix = self._classify(err)
            job._mark_failed(category, message, fix)
            return f"failed: {category}"
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
            return errors.PERMISSION, str(err), "Give the Odoo user running the jobs the rights named above."
        if isinstance(err, RedirectWarning):
            # Odoo's "go and configure this" error (no warehouse, no journal...): not a UserError
            # subclass, and its str() is the tuple of its arguments.
            message, _action, button_text = err.args[:3]
            return (
                errors.CONFIGURATION,
                f"Odoo refused the operation: {message}",
                (f"{message} (in Odoo: {button_text}), then Retry."),
            )
        if isinstance(err, ValidationError):
            return errors.DATA, f"Odoo refused the data: {err}", "Correct what Odoo names above, then Retry."
        if isinstance(err, UserError):
            return errors.DATA, f"Odoo refused the operation: {err}", "Do what Odoo asks above, then Retry."
        detail = "".join(traceback.format_exception_only(type(err), err)).strip()
        _logger.exception("Unexpected error in Shopify sync job")
        return errors.DATA, f"Unexpected error: {detail}", "Report this to the addon maintainers with the payload."

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
                "error_message": message,
                "fix_hint": fix or False,
                "date_done": fields.Datetime.now(),
            }
        )

    def _on_queue_job_failed(self, exc_info=None, exc_name=None, exc_message=None):
        """queue_job gave up (transient retries exhausted, or a crash outside our handler).

        A crash after the handler (while committing, say) rolls back the verdict the job had just
        recorded, and its message ("Record does not exist...") says nothing of the real cause.
        The first classified failure stays the message, category and fix; the crash is added."""
        transient = "FailedJobError" in (exc_name or "") or "RetryableJobError" in (exc_name or "")
        crash = exc_message or exc_name or "The queue job failed."
        for job in self.sudo():
            first = _CLASSIFIED.pop((job.env.cr.dbname, job.id), None)
            if not first and job.state == "failed" and job.failure_category and job.error_message:
                first = (job.failure_category, job.error_message, job.fix_hint)
            if first:
                category, message, fix = first
                job._mark_failed(category, f"{message}\n\nThen, outside the handler: {crash}", fix)
                continue
            job._mark_failed(
                errors.TRANSIENT if transient else errors.DATA,
                crash,
                "Shopify or the network kept failing; press Retry when it is back." if transient else None,
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
