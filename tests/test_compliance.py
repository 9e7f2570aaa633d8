"""Mandatory privacy topics, fed with Shopify's documented example payloads."""

import json

from ..lib.gid import to_gid
from .common import ShopifyCase
from .shopify_reference import webhook_example


class TestCompliance(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.redact = webhook_example("customers/redact")
        customer = cls.redact["customer"]
        cls.partner = cls.env["res.partner"].create(
            {
                "name": "John Smith",
                "email": customer["email"],
                "phone": customer["phone"],
                "street": "1 Main St",
                "city": "Ottawa",
            }
        )
        cls.address = cls.env["res.partner"].create(
            {
                "name": "John Smith (shipping)",
                "parent_id": cls.partner.id,
                "type": "delivery",
                "street": "2 Side St",
                "email": customer["email"],
            }
        )
        cls.env["shopify.binding"]._bind(cls.backend, to_gid("Customer", customer["id"]), cls.partner)

    def test_customers_redact_anonymises_contact_and_erases_payloads(self):
        order_id = self.redact["orders_to_redact"][0]
        # The shipping address goes with the customer because an imported order uses it.
        order = self.env["sale.order"].create({"partner_id": self.partner.id, "partner_shipping_id": self.address.id})
        self.env["shopify.binding"]._bind(self.backend, to_gid("Order", order_id), order)
        order_job, _ = self.intake(
            "orders/create", {"id": order_id, "name": "#1001", "email": self.redact["customer"]["email"]}
        )
        other_job, _ = self.intake("orders/create", {"id": 1, "name": "#9999", "email": "someone@else.com"})
        job, _ = self.intake("customers/redact", self.redact)
        self.assertEqual(job.workflow, "customer")
        self.assertEqual(self.perform(job), "done")

        for contact in (self.partner, self.address):
            self.assertEqual(contact.name, f"Redacted Shopify customer {self.redact['customer']['id']}")
            self.assertFalse(contact.email)
            self.assertFalse(contact.phone)
            self.assertFalse(contact.street)
        self.assertTrue(order_job.payload_redacted)
        self.assertNotIn(self.redact["customer"]["email"], order_job.payload)
        self.assertTrue(job.payload_redacted, "the request carries the e-mail it asks us to forget")
        self.assertFalse(other_job.payload_redacted)
        self.assertIn("someone@else.com", other_job.payload)
        self.assertIn("2 contact(s) anonymised, 1 job payload(s) erased", job.result_summary)
        self.assertEqual(order.partner_id, self.partner, "the order stays, on the anonymised contact")

    def test_customers_data_request_exports_what_we_hold(self):
        request = webhook_example("customers/data_request")
        order = self.env["sale.order"].create({"partner_id": self.partner.id, "client_order_ref": "#1001"})
        self.env["shopify.binding"]._bind(self.backend, to_gid("Order", request["orders_requested"][0]), order)
        job, _ = self.intake("customers/data_request", request)
        self.assertEqual(self.perform(job), "done")
        self.assertEqual(job.res_model, "ir.attachment")
        attachment = self.env["ir.attachment"].browse(job.res_id)
        export = json.loads(attachment.raw)
        self.assertEqual(export["data_request_id"], request["data_request"]["id"])
        self.assertEqual({c["email"] for c in export["contacts"]}, {request["customer"]["email"]})
        self.assertEqual([o["client_order_ref"] for o in export["sale_orders"]], ["#1001"])
        self.assertIn("send it to the customer", job.result_summary)

    def test_shop_redact_erases_payloads_and_credentials(self):
        kept, _ = self.intake("orders/create", {"id": 2, "name": "#1002", "email": "x@y.z"})
        self.standin.access_token = "revoked"  # Shopify refuses the token once the app is gone
        job, _ = self.intake("shop/redact", webhook_example("shop/redact"))
        self.assertEqual(job.workflow, "connection")
        self.assertEqual(self.perform(job), "done")
        self.assertTrue(kept.payload_redacted)
        self.assertNotIn("x@y.z", kept.payload)
        self.assertFalse(self.backend.access_token)
        self.assertFalse(self.backend.webhook_secret)
        # Contacts are the merchant's records, not app data: they stay.
        self.assertEqual(self.partner.name, "John Smith")
