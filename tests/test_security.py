"""Who sees what: secrets for managers only, jobs readable and retryable by accountants, and no
company sees another's stores, jobs or bindings."""

from odoo.exceptions import AccessError

from .common import ShopifyCase, company_user, temporary_handler


class TestSecurity(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.backend.company_id
        cls.company_b = cls.env["res.company"].create({"name": "Company B"})
        cls.accountant = company_user(cls.env, "shopify_accountant", cls.company_a, "user")
        cls.manager = company_user(cls.env, "shopify_manager", cls.company_a, "manager")
        cls.user_b = company_user(cls.env, "shopify_user_b", cls.company_b, "manager")
        cls.outsider = company_user(cls.env, "no_shopify", cls.company_a)
        cls.job = (
            cls.env["shopify.sync.job"]
            .sudo()
            ._intake_webhook(
                cls.backend,
                {
                    "topic": "test/secure",
                    "webhook_id": "w-1",
                    "event_id": "e-1",
                    "api_version": "2026-10",
                    "triggered_at": None,
                    "shop_domain": cls.backend.shop_domain,
                    "hmac": None,
                },
                b'{"id": 1}',
                {"id": 1},
            )[0]
        )
        cls.binding = cls.env["shopify.binding"]._bind(
            cls.backend, "gid://shopify/Customer/1", cls.env["res.partner"].create({"name": "C"})
        )

    def test_accountant_reads_backend_but_not_its_secrets(self):
        backend = self.backend.with_user(self.accountant)
        self.assertEqual(backend.read(["name", "shop_domain", "state"])[0]["name"], "Test store")
        for secret in ("access_token", "client_secret", "webhook_secret"):
            with self.subTest(field=secret), self.assertRaises(AccessError):
                backend.read([secret])
        with self.assertRaises(AccessError):
            backend.write({"name": "renamed"})
        manager_view = self.backend.with_user(self.manager).read(["access_token", "webhook_secret"])[0]
        self.assertEqual(manager_view["access_token"], "shpat_legacy_token")

    def test_accountant_reads_and_retries_jobs_but_cannot_edit_them(self):
        job = self.job.with_user(self.accountant)
        self.assertEqual(job.read(["payload", "error_message"])[0]["payload"], '{"id": 1}')
        with self.assertRaises(AccessError):
            job.write({"payload": "{}"})
        with temporary_handler("test/secure", "order", lambda j: None):
            job.action_retry()
        self.assertEqual(self.job.state, "queued")
        # The queued job runs as the superuser, not as the accountant who pressed Retry.
        self.assertEqual(self.job.queue_job_id.user_id, self.env.ref("base.user_root"))

    def test_user_without_shopify_group_cannot_retry(self):
        with self.assertRaises(AccessError):
            self.job.with_user(self.outsider).action_retry()

    def test_other_company_sees_nothing(self):
        Job = self.env["shopify.sync.job"].with_user(self.user_b)
        self.assertEqual(Job.search_count([("id", "=", self.job.id)]), 0)
        with self.assertRaises(AccessError):
            self.job.with_user(self.user_b).read(["payload"])
        with self.assertRaises(AccessError):
            self.job.with_user(self.user_b).action_retry()
        self.assertFalse(self.env["shopify.backend"].with_user(self.user_b).search([]))
        self.assertFalse(self.env["shopify.binding"].with_user(self.user_b).search([]))
        # ...while the same-company manager sees all three.
        self.assertEqual(
            self.env["shopify.sync.job"].with_user(self.manager).search_count([("id", "=", self.job.id)]), 1
        )
        self.assertIn(self.binding, self.env["shopify.binding"].with_user(self.manager).search([]))
