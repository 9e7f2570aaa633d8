"""Shared test setup: a backend pointed at a Shopify stand-in on loopback, and a way to sign
webhook bodies exactly as Shopify does."""

import json
import uuid
from contextlib import contextmanager

from odoo import SUPERUSER_ID, api
from odoo.orm.environments import Transaction
from odoo.tests.common import HttpCase, TransactionCase

from odoo.addons.queue_job import jobrunner
from odoo.addons.queue_job.job import Job

from ..lib import registry
from .shopify_standin import ShopifyStandIn, sign_webhook

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
