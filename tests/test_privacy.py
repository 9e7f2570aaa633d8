"""Privacy topics erase exactly the right person and leave no trace of them; destructive topics act
only when Shopify confirms; a store only sees its own company's records."""

import json
from types import SimpleNamespace
from unittest.mock import patch

from ..handlers import compliance
from ..handlers.fulfillments import _product_resolver
from ..handlers.refunds import RefundImporter
from ..lib.errors import DataError
from ..lib.gid import to_gid
from ..lib.refund_mapping import RefundLine
from .common import ShopifyCase
from .shopify_reference import webhook_example


class PrivacyCase(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Sister company"})
        cls.Partner = cls.env["res.partner"]

    def redact_request(self, customer_id, email, phone, orders=()):
        return {
            "shop_id": 954889,
            "shop_domain": "sync-test.myshopify.com",
            "orders_to_redact": list(orders),
            "customer": {"id": customer_id, "email": email, "phone": phone},
        }

    def bound_order(self, number, partner, shipping=None):
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "partner_shipping_id": (shipping or partner).id,
                "partner_invoice_id": partner.id,
                "client_order_ref": f"#{number}",
            }
        )
        self.env["shopify.binding"]._bind(self.backend, to_gid("Order", number), order)
        return order

    def flush_tracking(self):
        """Odoo writes tracking values when the transaction commits; tests run that step by hand."""
        self.env.flush_all()
        self.env.cr.precommit.run()


class TestRedactWhom(PrivacyCase):
    def test_redact_by_email_erases_only_that_stores_customer_and_its_shopify_addresses(self):
        customer = self.Partner.create(
            {
                "name": "Ann Lee",
                "email": "Ann_Lee@Example.com",
                "customer_rank": 1,
                "phone": "+16135550123",
                "street": "1 Main St",
            }
        )
        address = self.Partner.create(
            {"name": "Ann Lee", "parent_id": customer.id, "type": "delivery", "street": "2 Side St", "city": "Ottawa"}
        )
        accountant = self.Partner.create(
            {"name": "Ann's accountant", "parent_id": customer.id, "type": "contact", "email": "books@firm.example"}
        )
        order = self.bound_order(5501, customer, shipping=address)
        lookalike = self.Partner.create({"name": "Annx Lee", "email": "annXlee@example.com", "customer_rank": 1})
        percent = self.Partner.create({"name": "Percent", "email": "ann%@example.com", "customer_rank": 1})
        sister = self.Partner.create(
            {
                "name": "Ann at the sister company",
                "email": "ann_lee@example.com",
                "customer_rank": 1,
                "company_id": self.other_company.id,
            }
        )
        vendor = self.Partner.create({"name": "Ann Lee Supplies", "email": "ann_lee@example.com", "supplier_rank": 1})
        user = self.env["res.users"].create(
            {"name": "Ann Lee (staff)", "login": "ann.staff", "email": "ann_lee@example.com"}
        )
        untouched = lookalike | percent | sister | vendor | user.partner_id | accountant
        names_before = {p.id: p.name for p in untouched}

        job = self.run_webhook(
            "customers/redact", self.redact_request(991, "ann_lee@example.com", "+16135550123", [5501])
        )

        self.assertEqual(job.state, "done", job.error_message)
        for contact in customer | address:
            self.assertEqual(contact.name, "Redacted Shopify customer 991")
            self.assertFalse(contact.email or contact.phone or contact.street or contact.city)
        self.assertEqual({p.id: p.name for p in untouched}, names_before)
        self.assertEqual(user.partner_id.email, "ann_lee@example.com")
        self.assertEqual(accountant.email, "books@firm.example")
        # The order (an accounting document's source) stays, pointing to the anonymised contact.
        self.assertEqual(order.exists().partner_id, customer)
        self.assertIn("2 contact(s) anonymised", job.result_summary)

    def test_bound_user_contact_is_left_alone_with_a_warning(self):
        user = self.env["res.users"].create(
            {"name": "Staff Shopper", "login": "staff.shopper", "email": "staff@example.com"}
        )
        self.env["shopify.binding"]._bind(self.backend, to_gid("Customer", 993), user.partner_id)
        job = self.run_webhook("customers/redact", self.redact_request(993, "staff@example.com", "+16135550111"))
        self.assertEqual(job.state, "done", job.error_message)
        self.assertEqual(user.partner_id.name, "Staff Shopper")
        self.assertIn("Odoo user's", job.warning_message)


class TestRedactTraces(PrivacyCase):
    def test_chatter_keeps_no_old_value_of_the_erased_customer(self):
        walk_in = self.Partner.create({"name": "Walk-in"})
        bea = self.Partner.create(
            {"name": "Bea Stone", "email": "bea@example.com", "phone": "+16135550142", "customer_rank": 1}
        )
        self.flush_tracking()
        bea.write({"phone": "+16135550143"})  # an earlier edit: the chatter keeps the old phone
        order = self.bound_order(5502, walk_in)
        order.write({"partner_id": bea.id})  # the order's chatter shows "Walk-in -> Bea Stone"
        self.flush_tracking()
        Tracking = self.env["mail.tracking.value"]
        traces = ["Bea Stone", "bea@example.com", "+16135550142", "+16135550143"]

        def tracked_mentions():
            found = Tracking
            for trace in traces:
                for column in ("old_value_char", "new_value_char"):
                    found |= Tracking.search([(column, "=", trace)])
            return found

        self.assertTrue(tracked_mentions(), "precondition: the chatter tracked Bea's details")
        self.env["shopify.binding"]._bind(self.backend, to_gid("Customer", 994), bea)

        job = self.run_webhook("customers/redact", self.redact_request(994, "bea@example.com", "+16135550143"))
        self.flush_tracking()

        self.assertEqual(job.state, "done", job.error_message)
        self.assertEqual(bea.name, "Redacted Shopify customer 994")
        self.assertFalse(tracked_mentions())
        messages = self.env["mail.message"].search([("model", "=", "res.partner"), ("res_id", "=", bea.id)])
        self.assertFalse(messages.tracking_value_ids)

    def test_every_job_mentioning_the_customer_is_scrubbed_and_exports_deleted(self):
        email, phone = "cy.o@example.org", "+16135550199"
        customer = self.Partner.create({"name": "Cy Okafor", "email": email, "phone": phone, "customer_rank": 1})
        data_request = self.run_webhook(
            "customers/data_request",
            {
                "shop_id": 954889,
                "shop_domain": "sync-test.myshopify.com",
                "orders_requested": [5601],
                "customer": {"id": 992, "email": email, "phone": phone},
                "data_request": {"id": 9999},
            },
        )
        self.assertEqual(data_request.state, "done", data_request.error_message)
        export = self.env["ir.attachment"].browse(data_request.res_id)
        self.assertIn(email, export.raw.decode())
        order_job, _ = self.intake("orders/create", {"id": 5601, "name": "#5601", "email": email})
        order_job._add_warning(f"Phone '{phone}' kept as given: not a valid number for CA.")
        fulfilment_job, _ = self.intake(
            "fulfillments/create",
            {
                "id": 777001,
                "order_id": 5601,
                "email": email,
                "status": "success",
                "destination": {"first_name": "Cy", "last_name": "Okafor", "address1": "9 Elm St", "phone": phone},
            },
        )
        refund_job, _ = self.intake("refunds/create", {"id": 888001, "order_id": 5601, "note": "damaged"})
        unrelated, _ = self.intake(
            "fulfillments/create", {"id": 777002, "order_id": 56010, "email": "someone@else.example"}
        )
        related = data_request | order_job | fulfilment_job | refund_job

        job = self.run_webhook("customers/redact", self.redact_request(992, email, phone, [5601]))

        self.assertEqual(job.state, "done", job.error_message)
        self.assertFalse(export.exists(), "the data-request export is deleted")
        for sync_job in related | job:
            texts = [
                sync_job.payload,
                sync_job.shopify_ref,
                sync_job.warning_message,
                sync_job.error_message,
                sync_job.result_summary,
                sync_job.display_name,
                sync_job.queue_job_id.name,
            ]
            for text in filter(None, texts):
                for trace in (email, phone, "Cy Okafor", "9 Elm St"):
                    self.assertNotIn(trace.lower(), text.lower(), f"{sync_job.topic} keeps {trace}")
            self.assertTrue(sync_job.payload_redacted)
        # Redacted jobs still waiting would run on an erased payload: they are cancelled.
        self.assertEqual(set((order_job | fulfilment_job | refund_job).mapped("state")), {"cancelled"})
        self.assertFalse(unrelated.payload_redacted)
        self.assertIn("someone@else.example", unrelated.payload)
        self.assertFalse(customer.email)


class TestDestructiveTopics(PrivacyCase):
    def test_app_uninstalled_acts_only_when_shopify_refuses_the_token_and_records_replays(self):
        body = json.dumps(webhook_example("app/uninstalled")).encode()
        replayed_early, _ = self.intake("app/uninstalled", body)
        self.perform(replayed_early)
        self.assertEqual((replayed_early.state, replayed_early.failure_category), ("failed", "data"))
        self.assertIn("still accepts", replayed_early.error_message)
        self.assertNotEqual(self.backend.state, "disconnected")
        self.assertEqual(self.backend.access_token, "shpat_legacy_token")

        self.standin.access_token = "revoked-by-uninstall"  # what Shopify does on uninstall
        genuine, _ = self.intake("app/uninstalled", body)
        self.perform(genuine)
        self.assertEqual(genuine.state, "done", genuine.error_message)
        self.assertEqual(self.backend.state, "disconnected")
        self.assertEqual(genuine.body_digest, replayed_early.body_digest)

        replay, _ = self.intake("app/uninstalled", body)  # same body, new webhook id
        self.perform(replay)
        self.assertEqual(replay.state, "done")
        self.assertIn(f"Replay of job #{genuine.id}", replay.result_summary)

    def test_shop_redact_confirmed_then_erases_in_batches_and_records_replays(self):
        orders = [self.intake("orders/create", {"id": 6000 + n, "email": f"p{n}@example.com"})[0] for n in range(5)]
        body = json.dumps(webhook_example("shop/redact")).encode()
        refused, _ = self.intake("shop/redact", body)
        self.perform(refused)
        self.assertEqual((refused.state, refused.failure_category), ("failed", "data"))
        self.assertFalse(any(o.payload_redacted for o in orders))
        self.assertEqual(self.backend.webhook_secret, "whsec_test_0123456789")

        self.standin.access_token = "revoked-by-uninstall"
        genuine, _ = self.intake("shop/redact", body)
        with patch.object(compliance, "SHOP_REDACT_BATCH", 2):
            self.perform(genuine)
            batches = genuine
            follow = self.jobs(topic="shop/redact", direction="out", state="queued")
            while follow:
                self.assertLessEqual(len(follow), 1)
                batches |= follow
                self.perform(follow)
                follow = self.jobs(topic="shop/redact", direction="out", state="queued")
        self.assertEqual(set(batches.mapped("state")), {"done"})
        self.assertGreaterEqual(len(batches), 3, "5 jobs and the refused one in batches of 2")
        self.assertTrue(all(o.payload_redacted for o in orders))
        self.assertFalse(self.backend.webhook_secret or self.backend.access_token)
        self.assertIn("next batch", genuine.result_summary)

        # The secret is gone, so a replay cannot be signed any more; one already stored is recorded.
        replay, _ = self.intake("shop/redact", body)
        self.perform(replay)
        self.assertEqual(replay.state, "done")
        self.assertIn(f"Replay of job #{genuine.id}", replay.result_summary)


class TestStoreCompanyLookups(PrivacyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.sister_product = Product.create(
            {"name": "Sister lamp", "default_code": "LAMP-SISTER", "company_id": cls.other_company.id}
        )
        cls.shared_product = Product.create({"name": "Shared mug", "default_code": "MUG-SHARED"})

    def test_fulfilment_sku_lookup_stays_in_the_store_company(self):
        job = self.env["shopify.sync.job"].sudo().with_company(self.backend.company_id)
        resolve = _product_resolver(job.env, self.backend, job.env["product.product"])
        self.assertFalse(resolve(None, "LAMP-SISTER"))
        self.assertEqual(resolve(None, "MUG-SHARED"), self.shared_product)

    def test_refund_sku_lookup_stays_in_the_store_company(self):
        env = self.env["shopify.sync.job"].sudo().with_company(self.backend.company_id).env
        sale = env["sale.order"].create({"partner_id": self.Partner.create({"name": "Buyer"}).id})
        importer = RefundImporter.__new__(RefundImporter)  # the SKU step alone, on a real sale order
        line = RefundLine(
            line_item_gid=None,
            variant_gid=None,
            sku="LAMP-SISTER",
            title="Lamp",
            quantity=1,
            subtotal=0,
            tax=0,
            restock_type="no_restock",
        )
        importer.__dict__.update(
            env=env,
            backend=self.backend,
            sale=sale,
            bindings=env["shopify.binding"],
            label="Refund 1",
            refund=SimpleNamespace(lines=[line]),
        )
        with self.assertRaises(DataError):
            importer._products()
        line.sku = "MUG-SHARED"
        self.assertEqual(importer._products()[0], self.shared_product)
