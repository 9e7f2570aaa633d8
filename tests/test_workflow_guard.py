"""A queued job of a workflow the store switched off since (a backfill, a payout import) fails as a
configuration error naming the Workflows tab checkbox (lib/registry.require_workflow)."""

from datetime import datetime

from odoo.tests import tagged

from ..handlers.order_pull import start_pull
from .common import ShopifyCase


@tagged("post_install", "-at_install")
class TestWorkflowGuard(ShopifyCase):
    def assert_refused(self, job, label):
        self.perform(job)
        self.assertEqual((job.state, job.failure_category), ("failed", "configuration"))
        self.assertIn(f"The {label} workflow is off on store {self.backend.name}", job.error_message)
        self.assertIn(f"Tick {label} on the store's Workflows tab", job.fix_hint)

    def test_order_backfill_and_payout_import_of_a_workflow_switched_off(self):
        self.backend.sync_orders = False
        self.assert_refused(start_pull(self.backend, "orders/backfill", datetime(2026, 11, 1)), "Orders")
        self.backend.sync_payouts = False
        self.assert_refused(self.backend._start_payout_import(datetime(2026, 11, 1).date()), "Payouts")
