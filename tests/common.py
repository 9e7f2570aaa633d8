"""Shared test setup: a backend pointed at a Shopify stand-in on loopback, and a way to sign
webhook bodies exactly as Shopify does."""

import json
import logging
import threading
import uuid
from contextlib import contextmanager
from unittest.mock import patch

import psycopg2

from odoo import SUPERUSER_ID, api
from odoo.orm.environments import Transaction
from odoo.orm.registry import Registry
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY
from odoo.tests.common import HttpCase, TransactionCase, new_test_user
from odoo.tools import mute_logger

from odoo.addons.queue_job import jobrunner
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

from ..lib import registry
from .shopify_standin import ShopifyStandIn, sign_webhook

_logger = logging.getLogger(__name__)

WEBHOOK_SECRET = "whsec_test_0123456789"
SHOP_DOMAIN = "sync-test.myshopify.com"


def webhook_headers(body, topic, secret=WEBHOOK_SECRET, shop=SHOP_DOMAIN, webhook_id=None, event_id=None):
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": sign_webhook(secret, body),
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-API-Version": "2026-10",
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
        "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
        "X-Shopify-Triggered-At": "2026-11-23T10:15:01.123456789Z",
    }


def parsed_headers(body, topic, **kwargs):
    """The dict the controller hands to ``_intake_webhook`` (see lib.webhook.read_headers)."""
    from ..lib.webhook import read_headers

    return read_headers(webhook_headers(body, topic, **kwargs))


@contextmanager
def temporary_handler(topic, workflow, function):
    """Register a handler for one test, then put back whatever was there before."""
    previous = registry._HANDLERS.get(topic)
    registry.register(topic, workflow)(function)
    try:
        yield
    finally:
        if previous:
            registry._HANDLERS[topic] = previous
        else:
            registry._HANDLERS.pop(topic, None)


SHOPIFY_ROLES = {
    None: "base.group_user",
    "user": "base.group_user,shopify_sync.group_shopify_user",
    "manager": "base.group_user,shopify_sync.group_shopify_manager",
}


@contextmanager
def automatic_reordering_rule(env, product, backend):
    """An automatic reordering rule of ``product`` in the store's warehouse, far above its stock;
    yields (rule, list of the rule ids Odoo triggers meanwhile)."""
    warehouse = backend.warehouse_id or env["stock.warehouse"].search(
        [("company_id", "=", backend.company_id.id)], limit=1
    )
    Orderpoint = env["stock.warehouse.orderpoint"]
    rule = Orderpoint.create(
        {
            "product_id": product.id,
            "warehouse_id": warehouse.id,
            "location_id": warehouse.lot_stock_id.id,
            "product_min_qty": 500,
            "product_max_qty": 600,
            "trigger": "auto",
        }
    )
    triggered = []
    procure = type(Orderpoint)._procure_orderpoint_confirm

    def spy(orderpoints, *args, **kwargs):
        triggered.extend(orderpoints.ids)
        return procure(orderpoints, *args, **kwargs)

    with patch.object(type(Orderpoint), "_procure_orderpoint_confirm", spy):
        yield rule, triggered


def company_user(env, login, company, role=None, **values):
    """An internal user of ``company`` only (``values``: more of its fields). ``role``: ``user``
    (shopify_sync's users: accountants read and retry jobs), ``manager``, or None (neither)."""
    return new_test_user(
        env, login=login, groups=SHOPIFY_ROLES[role], company_id=company.id, company_ids=[company.id], **values
    )


def run_at_once(calls, timeout=60):
    """Call each of ``calls`` in a thread of its own and wait for them all. Each is called with
    ``together``, a function it calls where it must wait until every call has got there (a
    barrier): what follows runs at the same instant in all. Returns, in the order of ``calls``, what
    each returned or the exception it raised (a TimeoutError for one still running after
    ``timeout`` seconds)."""
    barrier = threading.Barrier(len(calls), timeout=30)
    results = [TimeoutError(f"still running after {timeout} s")] * len(calls)

    def run(index, call):
        try:
            results[index] = call(barrier.wait)
        except Exception as exc:  # noqa: BLE001 - handed to the caller, whose assertions report it
            results[index] = exc

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results


def job_outcome(result):
    """What a worker's run of a queue job (``result``: what run_at_once returned for it) came to:
    ``done``; ``retry``, the job raised RetryableJobError (a transient failure or a database conflict
    met in its handler: the queue runs it again); ``conflict``, a concurrency error of PostgreSQL
    outside the handler (at commit), which queue_job's runner retries too; anything else is a
    failure, named by its repr."""
    if not isinstance(result, Exception):
        return "done"
    if isinstance(result, RetryableJobError):
        return "retry"
    if isinstance(result, psycopg2.OperationalError) and result.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY:
        return "conflict"
    return repr(result)


class ShopifyMixin:
    """A legacy-token backend on a running Shopify stand-in, and helpers."""

    @classmethod
    def setup_backend(cls):
        cls.standin = ShopifyStandIn(api_version="2026-10", access_token="shpat_legacy_token")
        cls.standin.start()
        cls.addClassCleanup(cls.standin.stop)
        cls.backend = cls.env["shopify.backend"].create(
            {
                "name": "Test store",
                "shop_domain": SHOP_DOMAIN,
                "auth_mode": "legacy_token",
                "access_token": "shpat_legacy_token",
                "webhook_secret": WEBHOOK_SECRET,
                "api_base_url": cls.standin.base_url,
                "webhook_base_url": "https://odoo.example.com",
            }
        )

    @classmethod
    def setup_us_sales_tax(cls, company=None):
        """The store's company sells in USD from the US and rounds tax per line (as Shopify does);
        Shopify's 'CA State Tax' 7.25 % is mapped to an Odoo tax, which is returned."""
        company = company or cls.backend.company_id
        company.write(
            {
                "country_id": cls.env.ref("base.us").id,
                "currency_id": cls.env.ref("base.USD").id,
                "tax_calculation_rounding_method": "round_per_line",
            }
        )
        # A tax group of the company's own: a company without a chart of accounts has none, and
        # whether Odoo finds a default one depends on what ran before.
        group = cls.env["account.tax.group"].search([("company_id", "=", company.id)], limit=1)
        group = group or cls.env["account.tax.group"].create({"name": "Sales tax", "company_id": company.id})
        tax = cls.env["account.tax"].create(
            {
                "name": "CA 7.25%",
                "amount": 7.25,
                "type_tax_use": "sale",
                "company_id": company.id,
                "tax_group_id": group.id,
            }
        )
        cls.env["shopify.tax.map"].create(
            {"backend_id": cls.backend.id, "name": "CA State Tax", "rate_percent": 7.25, "tax_id": tax.id}
        )
        return tax

    @classmethod
    def setup_books_company(cls, name):
        """A new US company with a chart of accounts (for invoices and payments), the store moved to
        it, the tests' environment switched to it. Returns the company."""
        company = cls.env["res.company"].create({"name": name, "country_id": cls.env.ref("base.us").id})
        cls.env.user.company_ids |= company
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[company.id]))
        cls.env["account.chart.template"].try_loading("generic_coa", company=company, install_demo=False)
        cls.backend.write({"company_id": company.id, "create_invoice": True})
        return company

    def setUp(self):
        super().setUp()
        self.standin.reset()

    def jobs(self, **domain):
        """The store's sync jobs matching ``field=value`` pairs, oldest first."""
        Job = self.env["shopify.sync.job"]
        return Job.search([("backend_id", "=", self.backend.id)] + [(k, "=", v) for k, v in domain.items()], order="id")

    def intake(self, topic, payload, **header_kwargs):
        """Store a webhook the way the controller does, and return (job, created)."""
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = parsed_headers(body, topic, **header_kwargs)
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        return self.env["shopify.sync.job"].sudo()._intake_webhook(self.backend, headers, body, parsed)

    def warehouse_at_location(self, location_id, code):
        """A new warehouse of the store's company ("Downtown shop", ``code``), mapped to Shopify's
        location ``location_id``."""
        warehouse = self.env["stock.warehouse"].create(
            {"name": "Downtown shop", "code": code, "company_id": self.backend.company_id.id}
        )
        self.env["shopify.sync.location"].create(
            {
                "backend_id": self.backend.id,
                "name": "Downtown",
                "shopify_gid": f"gid://shopify/Location/{location_id}",
                "warehouse_id": warehouse.id,
            }
        )
        return warehouse

    def assert_sold_to_b2b_company(self, sale, company_id, buyer_email):
        """``sale`` (of order_payloads.b2b_order_payload) is sold to Shopify's company ``company_id``,
        a company of the store's, with the buyer as its contact and shipped to the company's dock.
        Returns the company."""
        company = self.env["shopify.binding"]._record_for(self.backend, f"gid://shopify/Company/{company_id}")
        self.assertEqual(
            (company.name, company.is_company, company.company_id), ("Ortiz Supply LLC", True, self.backend.company_id)
        )
        self.assertEqual(sale.partner_id.email, buyer_email)
        self.assertEqual(sale.partner_id.commercial_partner_id, company)
        self.assertEqual(sale.partner_shipping_id.parent_id, company)
        self.assertEqual(
            (sale.partner_shipping_id.name, sale.partner_shipping_id.street), ("Receiving Dock", "7 Warehouse Rd")
        )
        return company

    def run_webhook(self, topic, payload):
        """Store a webhook as the controller does and run its job as a worker does; returns the job."""
        job, _created = self.intake(topic, payload)
        self.perform(job)
        return job

    def perform(self, sync_job):
        """Run the queue.job behind a sync job as a worker does (same user, same method)."""
        self.assertTrue(sync_job.queue_job_id, "the sync job was not enqueued")
        result = Job.load(self.env, sync_job.queue_job_id.uuid).perform()
        sync_job.invalidate_recordset()
        return result


class ShopifyCase(ShopifyMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_backend()


class ShopifyHttpCase(ShopifyMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_backend()

    def post_webhook(self, body, headers):
        return self.url_open("/shopify/webhook", data=body, headers=headers)


class CommittedCase(TransactionCase):
    """Tests of two workers at once: each works in its own committed transaction (throw-away test
    database, a company of its own per test), as queue_job's workers do."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._pause_job_runner()
        cls._drop_queue_jobs_left_behind()

    @classmethod
    def _drop_queue_jobs_left_behind(cls):
        """Queue jobs the class commits and does not run (a reservation job its orders asked for,
        say) are deleted after it, before the job runner starts again: run in the test process
        while the next classes run, they would fill the registry's caches from committed data
        those classes' own transactions contradict (a language they activated, say)."""
        with cls.registry.cursor() as cr:
            cr.execute("SELECT COALESCE(MAX(id), 0) FROM queue_job")
            (floor,) = cr.fetchone()

        def drop():
            with cls.registry.cursor() as cr:
                cr.execute("DELETE FROM queue_job WHERE id > %s AND state != 'done'", [floor])

        cls.addClassCleanup(drop)

    @classmethod
    def _pause_job_runner(cls):
        """pytest-odoo with --odoo-http (as in CI) starts queue_job's job runner in the test process:
        it would run the jobs these tests commit while the tests run them themselves (conflicts,
        deadlocks). It is stopped for the class and started again after it. Odoo's own test runner
        (tools/run_tests.sh) starts none."""
        thread = jobrunner.runner_thread
        if thread is None or not thread.is_alive():
            return
        thread.stop()
        thread.join(30)

        def start_again():
            jobrunner.runner_thread = jobrunner.QueueJobRunnerThread()
            jobrunner.runner_thread.start()

        cls.addClassCleanup(start_again)

    def env_for(self, cr):
        cr.transaction = Transaction(self.registry)  # Registry(dbname) would wait for the runner's lock
        return api.Environment(cr, SUPERUSER_ID, {})

    @staticmethod
    def store_with_tax(env, company, tax, tax_name, rate, **values):
        """A legacy-token store of ``company`` (``values``: its name, shop domain and any other
        field) whose Shopify tax ``tax_name`` of ``rate`` % is mapped to ``tax``."""
        backend = env["shopify.backend"].create(
            {
                "company_id": company.id,
                "auth_mode": "legacy_token",
                "access_token": "x",
                "webhook_secret": "s",
                **values,
            }
        )
        env["shopify.tax.map"].create(
            {"backend_id": backend.id, "name": tax_name, "rate_percent": rate, "tax_id": tax.id}
        )
        return backend

    def one_product_store(self, env, word, tag, **values):
        """A new US company's store (``values``: more of its fields) selling one product, SKU
        ``WORD-tag``, whose Shopify tax "``word`` Tax" of 5 % is mapped to the company's."""
        company, tax = self.us_company_with_tax(env, f"{word} Co {tag}", f"{word} 5%", 5)
        env["product.product"].create(
            {"name": f"{word} product", "default_code": f"{word.upper()}-{tag}", "type": "consu", "taxes_id": False}
        )
        shop_domain = f"{word.lower()}-{tag}.myshopify.com"
        return self.store_with_tax(
            env, company, tax, f"{word} Tax", 5, name=f"{word} store", shop_domain=shop_domain, **values
        )

    @staticmethod
    def enqueue(env, backend, events):
        """Each ``(topic, payload)`` of ``events`` delivered to ``backend`` as a signed webhook and
        stored as the controller stores it; returns the uuids of their queue jobs."""
        uuids = []
        for topic, payload in events:
            body = json.dumps(payload).encode()
            headers = parsed_headers(body, topic, secret=backend.webhook_secret, shop=backend.shop_domain)
            job, _created = env["shopify.sync.job"]._intake_webhook(backend, headers, body, payload)
            uuids.append(job.queue_job_id.uuid)
        return uuids

    def run_jobs_at_once(self, job_uuids, timeout=90, quiet=()):
        """Each queue job in its own thread and committed transaction, all performed at the same
        instant, as queue_job's workers run them. Returns the outcome of each, in the order of
        ``job_uuids`` (see job_outcome). ``quiet``: loggers to mute besides odoo.sql_db's."""

        def worker(job_uuid):
            def work(together):
                with self.registry.cursor() as cr:
                    job = Job.load(self.env_for(cr), job_uuid)
                    together()
                    job.perform()

            return work

        # Some work commits in a new Environment (posting an invoice raises the customer's rank
        # after commit): Registry(dbname), whose lock Odoo's test runner holds while tests run (a
        # worker never does). A lock of the workers' own lets them commit as in production.
        with mute_logger("odoo.sql_db", *quiet), patch.object(Registry, "_lock", threading.RLock()):
            results = run_at_once([worker(job_uuid) for job_uuid in job_uuids], timeout)
        for job_uuid, result in zip(job_uuids, results, strict=True):
            if job_outcome(result) in ("retry", "conflict"):
                _logger.info("queue job %s sent back to the queue: %s", job_uuid, result)
        return [job_outcome(result) for result in results]

    def committed_store(self, name, shop_domain):
        """A legacy-token store signing with WEBHOOK_SECRET, committed; it and its jobs are removed
        after the test. Returns its id."""
        with self.registry.cursor() as cr:
            backend = self.env_for(cr)["shopify.backend"].create(
                {
                    "name": name,
                    "shop_domain": shop_domain,
                    "auth_mode": "legacy_token",
                    "access_token": "x",
                    "webhook_secret": WEBHOOK_SECRET,
                }
            )
            backend_id = backend.id
        self.addCleanup(self._drop_committed_store, backend_id)
        return backend_id

    def _drop_committed_store(self, backend_id):
        with self.registry.cursor() as cr:
            cr.execute(
                "DELETE FROM queue_job WHERE identity_key IN "
                "(SELECT 'shopify.sync.job:' || id FROM shopify_sync_job WHERE backend_id = %s)",
                [backend_id],
            )
            cr.execute("DELETE FROM shopify_sync_job WHERE backend_id = %s", [backend_id])
            cr.execute("DELETE FROM mail_message WHERE model = 'shopify.backend' AND res_id = %s", [backend_id])
            cr.execute("DELETE FROM shopify_backend WHERE id = %s", [backend_id])

    @staticmethod
    def us_company_with_tax(env, name, tax_name, rate):
        """A new US company rounding tax per line (as Shopify does) and its sale tax of ``rate`` %."""
        company = env["res.company"].create(
            {"name": name, "country_id": env.ref("base.us").id, "tax_calculation_rounding_method": "round_per_line"}
        )
        group = env["account.tax.group"].create({"name": tax_name, "company_id": company.id})
        tax = env["account.tax"].create(
            {
                "name": tax_name,
                "amount": rate,
                "type_tax_use": "sale",
                "company_id": company.id,
                "tax_group_id": group.id,
                "country_id": company.country_id.id,
            }
        )
        return company, tax
