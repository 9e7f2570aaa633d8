"""The intake's fast path keeps its guarantees: the cached store lookup follows every change of the
store's domain, secret or status, one statement stores a delivery (or finds its redelivery), and the
queue job made in that statement is the one with_delay makes."""

import json
import logging
import uuid
from unittest.mock import patch

from odoo.tests import TransactionCase, tagged

from odoo.addons.queue_job.job import Job

from ..controllers import database_list
from ..models.shopify_sync_job import INTAKE_DROPPED_INDEXES, INTAKE_PARTIAL_INDEXES, TRANSIENT_MAX_RETRIES
from .common import WEBHOOK_SECRET, ShopifyHttpCase, parsed_headers, webhook_headers
from .shopify_reference import webhook_example_raw

# Odoo's query listing the databases (odoo.service.db.list_dbs), run under --db-filter.
LISTING_DATABASES = "select datname from pg_database"


@tagged("post_install", "-at_install")
class TestIntakeFastPath(ShopifyHttpCase):
    def setUp(self):
        super().setUp()
        self.body = webhook_example_raw("app/uninstalled")

    def signed_headers(self, secret=WEBHOOK_SECRET, shop=None):
        return webhook_headers(self.body, "app/uninstalled", secret=secret, shop=shop or self.backend.shop_domain)

    def post(self, secret=WEBHOOK_SECRET, shop=None):
        headers = self.signed_headers(secret=secret, shop=shop)
        self.env.flush_all()  # the request reads the store through its own environment
        return self.post_webhook(self.body, headers)

    def test_cached_store_lookup_follows_secret_domain_and_archiving(self):
        self.assertEqual(self.post().status_code, 200)  # the lookup is now cached in this worker
        self.backend.webhook_secret = "whsec_rotated"
        self.assertEqual(self.post().status_code, 401, "the old secret must stop working at once")
        self.assertEqual(self.post(secret="whsec_rotated").status_code, 200)
        old_domain = self.backend.shop_domain
        self.backend.shop_domain = f"moved-{uuid.uuid4().hex[:6]}.myshopify.com"
        self.assertEqual(self.post(secret="whsec_rotated", shop=old_domain).status_code, 401)
        self.assertEqual(self.post(secret="whsec_rotated").status_code, 200)
        self.backend.active = False
        self.assertEqual(self.post(secret="whsec_rotated").status_code, 401)

    def test_webhooks_reuse_the_database_list_other_routes_list_each_time(self):
        """With --db-filter Odoo lists the databases for every request without a session, on a new
        PostgreSQL connection: webhook requests reuse the list for a few seconds."""
        listed = []
        answer = None  # None: Odoo's own list
        odoo_db_list = database_list._odoo_db_list

        def listing(force=False, host=None):
            listed.append(host)
            return odoo_db_list(force=force, host=host) if answer is None else answer

        clock = [1000.0]
        database_list.forget()
        self.addCleanup(database_list.forget)
        with (
            patch.object(database_list, "_odoo_db_list", listing),
            patch.object(database_list, "monotonic", lambda: clock[0]),
        ):
            for _n in range(3):
                self.assertEqual(self.post().status_code, 200)
            self.assertEqual(len(listed), 1, "one listing for three webhooks")
            for _n in range(2):
                self.assertEqual(self.url_open("/web/health").status_code, 200)
            self.assertEqual(len(listed), 3, "other routes list the databases as Odoo does")
            clock[0] += database_list.LIST_SECONDS + 1
            self.assertEqual(self.post().status_code, 200)
            self.assertEqual(len(listed), 4, "the list is read again once it is old")
            # A moment without a database (dropped, server restarting) is not remembered.
            clock[0] += database_list.LIST_SECONDS + 1
            answer = []
            self.assertEqual(self.post().status_code, 404)
            answer = None
            self.assertEqual(self.post().status_code, 200)
            self.assertEqual(len(listed), 6)

    def test_database_lists_kept_are_bounded_whatever_the_host_header(self):
        """The Host header is the sender's: a flood of made-up hosts keeps at most MAX_KEPT lists."""
        database_list.forget()
        self.addCleanup(database_list.forget)
        odoo_db_list = database_list._odoo_db_list
        hosts = [f"h{n}.example.com" for n in range(database_list.MAX_KEPT * 3)]
        with patch.object(database_list, "_odoo_db_list", lambda force=False, host=None: [self.env.cr.dbname]):
            for host in hosts:
                response = self.post_webhook(self.body, {**self.signed_headers(), "Host": host})
                self.assertEqual(response.status_code, 200)
        self.assertLessEqual(len(database_list._listed), database_list.MAX_KEPT)
        self.assertIs(database_list._odoo_db_list, odoo_db_list)
        self.assertFalse(hasattr(odoo_db_list, "odoo_db_list"), "Odoo's own list, never a wrapper of it")

    def test_queue_job_made_in_the_insert_matches_with_delay(self):
        response = self.post()
        self.assertEqual(response.status_code, 200, response.text)
        job = self.env["shopify.sync.job"].browse(response.json()["job"])
        queue_job = job.queue_job_id
        self.assertEqual(self.env["queue.job"].search([("identity_key", "=", f"shopify.sync.job:{job.id}")]), queue_job)
        self.assertEqual(queue_job.state, "pending")
        self.assertEqual(queue_job.channel, "root.shopify.app")
        self.assertEqual(queue_job.method_name, "_job_run_connection")
        self.assertEqual(queue_job.job_function_id.method, "_job_run_connection")
        self.assertEqual(queue_job.max_retries, TRANSIENT_MAX_RETRIES)
        self.assertEqual(queue_job.company_id, self.backend.company_id)
        self.assertEqual(queue_job.user_id.id, 1)
        self.assertEqual(queue_job.records, job)
        self.assertTrue(queue_job.name.startswith("Shopify app/uninstalled"))
        # A Retry of the same sync job through with_delay keeps the same identity: one queue job.
        job._enqueue()
        self.assertEqual(job.queue_job_id, queue_job)
        # The worker loads and runs it like any queue job (Shopify refuses the token once the app
        # is gone: app/uninstalled acts only then).
        self.standin.access_token = "revoked"
        self.assertEqual(Job.load(self.env, queue_job.uuid).perform(), "done")
        job.invalidate_recordset()
        self.assertEqual(job.state, "done")

    def count_queries(self, func):
        """(result, SQL statements run by ``func``) on the test's cursor."""
        self.env.flush_all()
        before = self.cr.sql_log_count
        result = func()
        return result, self.cr.sql_log_count - before

    def request_queries(self, send):
        """(response, the SQL statements the request ran), from Odoo's query log."""
        # A plain capture, not assertLogs: a request may run no SQL at all (/web/health when the
        # server serves one database without --db-filter, as under pytest-odoo).
        queries = []

        class Capture(logging.Handler):
            def emit(self, record):
                message = record.getMessage()
                if "query: " in message:
                    queries.append(message.split("query: ", 1)[1])

        logger, handler = logging.getLogger("odoo.sql_db"), Capture(logging.DEBUG)
        level = logger.level
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        try:
            response = send()
        finally:
            logger.removeHandler(handler)
            logger.setLevel(level)
        return response, queries

    def intake_direct(self, headers, body=None, owns_transaction=False):
        body = self.body if body is None else body
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        return self.env["shopify.sync.job"]._intake_webhook(
            self.backend,
            headers,
            body,
            payload,
            company_id=self.backend.company_id.id,
            owns_transaction=owns_transaction,
        )

    def test_one_statement_stores_a_delivery_and_one_finds_its_redelivery(self):
        self.intake_direct(parsed_headers(self.body, "app/uninstalled"))  # caches warm, as in a running worker
        headers = parsed_headers(self.body, "app/uninstalled")
        # As the webhook request stores it: its transaction holds nothing else.
        (job, created), queries = self.count_queries(lambda: self.intake_direct(headers, owns_transaction=True))
        self.assertTrue(created)
        self.assertEqual(queries, 1, "the job row and its queue job in one statement")
        self.assertEqual(job.queue_job_id.identity_key, f"shopify.sync.job:{job.id}")
        self.assertEqual(job.queue_job_id.state, "pending")
        (again, created), queries = self.count_queries(lambda: self.intake_direct(headers, owns_transaction=True))
        self.assertEqual((again, created, queries), (job, False, 1))
        # In a transaction holding other work, the same statement inside a savepoint.
        (again, created), queries = self.count_queries(lambda: self.intake_direct(headers))
        self.assertEqual((again, created, queries), (job, False, 3))
        # The same event under another webhook id (a second subscription) is the same delivery.
        other_subscription = dict(headers, webhook_id=str(uuid.uuid4()))
        (again, created), _queries = self.count_queries(lambda: self.intake_direct(other_subscription))
        self.assertEqual((again, created), (job, False))
        jobs = self.env["shopify.sync.job"].search([("backend_id", "=", self.backend.id)])
        self.assertEqual(len(jobs), 2)
        # One queue job per stored delivery (other tests' committed jobs are not this store's).
        keys = [f"shopify.sync.job:{job_id}" for job_id in jobs.ids]
        self.assertEqual(self.env["queue.job"].search_count([("identity_key", "in", keys)]), 2)

    def test_webhook_costs_one_statement_more_than_odoo_no_op_route(self):
        """Through Odoo's HTTP stack, caches warm: what a webhook costs beyond /web/health. Under
        --db-filter, Odoo lists the databases for /web/health (a connection of its own); a webhook
        reuses the list (controllers/database_list.py)."""
        self.post()
        shop = self.backend.shop_domain  # read here: the test's own reads are not the request's
        _response, health_and_listing = self.request_queries(lambda: self.url_open("/web/health"))
        health = [query for query in health_and_listing if not query.startswith(LISTING_DATABASES)]
        headers = webhook_headers(self.body, "app/uninstalled", shop=shop)
        response, webhook = self.request_queries(lambda: self.post_webhook(self.body, headers))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertFalse(response.json()["duplicate"])
        self.assertEqual(len(webhook), len(health) + 1, webhook)
        self.assertTrue(webhook[-1].startswith("WITH existing AS"), webhook[-1])
        again, redelivery = self.request_queries(lambda: self.post_webhook(self.body, headers))
        self.assertEqual(again.json(), {"job": response.json()["job"], "duplicate": True})
        self.assertEqual(len(redelivery), len(health) + 1, redelivery)
        # A refused webhook runs nothing of ours (the store lookup is cached) and stores nothing.
        jobs, queue_jobs = self.env["shopify.sync.job"].search_count([]), self.env["queue.job"].search_count([])
        wrong = webhook_headers(self.body, "app/uninstalled", shop=shop, secret="whsec_wrong")
        refused, queries = self.request_queries(lambda: self.post_webhook(self.body, wrong))
        self.assertEqual(refused.status_code, 401)
        self.assertEqual(len(queries), len(health), queries)
        self.assertEqual(self.env["shopify.sync.job"].search_count([]), jobs)
        self.assertEqual(self.env["queue.job"].search_count([]), queue_jobs)

    def test_bad_json_and_unknown_topic_are_stored_failed_without_queue_job(self):
        bad = b'{"id": 1, '
        job, created = self.intake_direct(parsed_headers(bad, "orders/create"), body=bad)
        self.assertTrue(created)
        self.assertEqual((job.state, job.failure_category, job.queue_job_id.id), ("failed", "data", False))
        self.assertEqual(job.payload, bad.decode())
        unknown = b'{"id": 2}'
        job, created = self.intake_direct(parsed_headers(unknown, "shop/renamed"), body=unknown)
        self.assertTrue(created)
        self.assertEqual((job.state, job.failure_category, job.queue_job_id.id), ("failed", "configuration", False))

    def test_queue_job_row_equals_the_one_with_delay_writes(self):
        """Column by column, the queue job intake writes in SQL is the row queue_job's with_delay
        writes for the same sync job (except its own id, uuid and creation time)."""
        headers = parsed_headers(self.body, "app/uninstalled")
        job, _created = self.intake_direct(headers)
        made_by_intake = job.queue_job_id
        # Out of the way of the identity key (queue_job reuses a pending job with the same key).
        self.env.cr.execute("UPDATE queue_job SET state = 'done' WHERE id = %s", [made_by_intake.id])
        self.env.invalidate_all()
        job._enqueue()
        made_by_with_delay = job.queue_job_id
        self.assertNotEqual(made_by_with_delay, made_by_intake)

        def row(queue_job):
            self.env.flush_all()
            self.env.cr.execute("SELECT to_jsonb(q) FROM queue_job q WHERE id = %s", [queue_job.id])
            values = self.env.cr.fetchone()[0]
            return {k: v for k, v in values.items() if k not in ("id", "uuid", "date_created", "state")}

        self.assertEqual(row(made_by_intake), row(made_by_with_delay))
        self.assertEqual(made_by_intake.records, job)
        self.assertEqual(made_by_intake.args, [])
        self.assertEqual(made_by_intake.kwargs, {})


@tagged("post_install", "-at_install")
class TestIntakeIndexes(TransactionCase):
    """Every webhook inserts a job row and pays for each of its table's indexes: the ones nothing
    needs are gone, also from a database an earlier version made (Odoo keeps an index whose field
    lost index=True)."""

    def indexes(self):
        self.env.cr.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'shopify_sync_job'")
        return dict(self.env.cr.fetchall())

    def test_upgrade_drops_the_indexes_intake_no_longer_pays_for(self):
        current = self.indexes()
        for column in INTAKE_DROPPED_INDEXES:
            self.assertNotIn(f"shopify_sync_job__{column}_index", current)
        for column in INTAKE_PARTIAL_INDEXES:
            self.assertIn(f"WHERE ({column} IS NOT NULL)", current[f"shopify_sync_job__{column}_index"])
        # What these searches need is still indexed.
        self.assertIn("(backend_id, webhook_id)", current["shopify_sync_job_webhook_unique"])
        self.assertIn("gin_trgm_ops", current["shopify_sync_job__shopify_ref_index"])
        # The full indexes of an earlier version, then the module's upgrade steps.
        for column in INTAKE_DROPPED_INDEXES + INTAKE_PARTIAL_INDEXES:
            self.env.cr.execute(f"DROP INDEX IF EXISTS shopify_sync_job__{column}_index")
            self.env.cr.execute(f"CREATE INDEX shopify_sync_job__{column}_index ON shopify_sync_job ({column})")
        self.assertNotIn("WHERE", self.indexes()["shopify_sync_job__cause_index"])
        self.env["shopify.sync.job"].init()
        self.env.registry.check_indexes(self.env.cr, ["shopify.sync.job"])
        self.assertEqual(self.indexes(), current)
