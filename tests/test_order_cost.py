"""What one order costs through the per-order path (issue 16): the lookups that are ours are made
once per order, whatever the number of lines, and nothing is written twice. The guarantees they
serve (idempotency by Shopify ID, staff never matched as customers, bound variants) still hold."""

import re
import uuid
from contextlib import contextmanager
from unittest.mock import patch

from odoo.sql_db import Cursor
from odoo.tests import tagged

from .common import ShopifyCase, automatic_reordering_rule
from .order_payloads import order_payload

CA = [("CA State Tax", 7.25)]


@contextmanager
def captured_sql():
    """The SQL statements the test's cursor runs meanwhile."""
    statements = []
    original = Cursor.execute

    def execute(cr, query, params=None, log_exceptions=True):
        statements.append(" ".join(str(getattr(query, "code", query)).split()))
        return original(cr, query, params, log_exceptions)

    with patch.object(Cursor, "execute", execute):
        yield statements


def on_table(statements, verb, table):
    pattern = {
        "SELECT": rf'^SELECT .* FROM "?{table}"?[ )]',
        "INSERT": rf'^INSERT INTO "?{table}"?[ (]',
        "UPDATE": rf'^UPDATE "?{table}"?[ ]',
    }[verb]
    return [s for s in statements if re.search(pattern, s)]


@tagged("post_install", "-at_install")
class TestPerOrderCost(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tax = cls.setup_us_sales_tax()
        cls.tag = uuid.uuid4().hex[:6]
        cls.products = cls.env["product.product"].create(
            [
                {"name": f"Cost {k}", "default_code": f"COST-{cls.tag}-{k}", "type": "consu", "taxes_id": tax.ids}
                for k in range(3)
            ]
        )

    def lines(self):
        return [
            {"sku": product.default_code, "variant_id": 8_700_000_000 + product.id, "price": "10.00", "taxes": CA}
            for product in self.products
        ]

    def import_order(self, number, **kwargs):
        job, _created = self.intake("orders/create", order_payload(number, lines=self.lines(), **kwargs))
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        return self.env["sale.order"].browse(job.res_id)

    def test_bindings_are_read_once_per_kind_and_written_once(self):
        # Bound as an earlier order binds them (_bind_shared commits in a transaction of its own, which
        # cannot see this test's store: bound here in the test's transaction instead).
        for line, product in zip(self.lines(), self.products, strict=True):
            self.env["shopify.binding"]._bind(
                self.backend, f"gid://shopify/ProductVariant/{line['variant_id']}", product
            )
        with captured_sql() as statements:
            sale = self.import_order(881001)
            self.env.flush_all()
        # The order's and the customer's bindings in one query, the three variants' in another.
        self.assertEqual(len(on_table(statements, "SELECT", "shopify_binding")), 2)
        # Two new bindings (order, customer), each complete in its INSERT; bound variants untouched.
        self.assertEqual(len(on_table(statements, "INSERT", "shopify_binding")), 2)
        self.assertFalse(on_table(statements, "UPDATE", "shopify_binding"))
        bindings = self.env["shopify.binding"].search([("backend_id", "=", self.backend.id)])
        self.assertEqual(set(bindings.company_id), {self.backend.company_id})
        self.assertEqual(sale.order_line.product_id, self.products)

    def test_a_variant_bound_to_a_deleted_product_is_matched_again_and_repointed(self):
        gone = self.env["product.product"].create({"name": "Gone", "type": "consu"})
        gid = f"gid://shopify/ProductVariant/{8_700_000_000 + self.products[0].id}"
        self.env["shopify.binding"]._bind(self.backend, gid, gone)
        gone.unlink()
        sale = self.import_order(881011)
        self.assertEqual(sale.order_line.product_id, self.products)
        self.assertEqual(self.env["shopify.binding"]._record_for(self.backend, gid), self.products[0])

    def test_contacts_made_from_orders_carry_no_creation_note_but_the_order_keeps_its_chatter(self):
        sale = self.import_order(881021)
        contacts = sale.partner_id | sale.partner_shipping_id
        self.assertEqual(len(contacts), 2, "the customer and the parcel's recipient")
        notes = self.env["mail.message"].search([("model", "=", "res.partner"), ("res_id", "in", contacts.ids)])
        self.assertFalse(notes, notes.mapped("body"))
        self.assertTrue(sale.message_ids)

    def test_the_order_says_where_it_came_from_and_its_delivery_gets_no_creation_note(self):
        """The order's creation note names the Shopify order and store instead of Odoo's "Sales
        Order created"; the delivery keeps Odoo's note naming its order but not "Transfer created"
        (an INSERT and a read per order)."""
        sale = self.import_order(881031)
        self.assertEqual(
            [m.body for m in sale.message_ids],
            [f"<p>Sales Order imported from Shopify order {sale.client_order_ref} (store {self.backend.name}).</p>"],
        )
        picking = sale.picking_ids
        self.assertEqual(len(picking), 1)
        self.assertEqual(len(picking.message_ids), 1, picking.message_ids.mapped("body"))
        self.assertIn(sale.name, picking.message_ids.body)
        self.assertIn("created from", picking.message_ids.body)

    def test_tax_mappings_and_bundles_are_read_once_per_worker_and_followed_when_changed(self):
        self.import_order(881051)
        with captured_sql() as statements:
            self.import_order(881052)
            self.env.flush_all()
        self.assertFalse(on_table(statements, "SELECT", "shopify_tax_map"))
        self.assertFalse(on_table(statements, "SELECT", "shopify_sync_bundle"))

        # Another Odoo tax for the same Shopify tax, from now on: the next order uses it.
        other = self.env["account.tax"].create(
            {
                "name": f"CA other {self.tag}",
                "amount": 7.25,
                "type_tax_use": "sale",
                "company_id": self.backend.company_id.id,
            }
        )
        self.env["shopify.tax.map"].search([("backend_id", "=", self.backend.id)]).tax_id = other
        self.assertEqual(self.import_order(881053).order_line.tax_ids, other)

        # The first product's variant becomes a bundle of the other two: the next order sells the bundle.
        box = self.env["product.product"].create({"name": f"Box {self.tag}", "type": "service", "taxes_id": other.ids})
        self.env["shopify.sync.bundle"].create(
            {
                "name": "Box",
                "backend_id": self.backend.id,
                "shopify_variant_gid": f"gid://shopify/ProductVariant/{8_700_000_000 + self.products[0].id}",
                "product_id": box.id,
                "line_ids": [(0, 0, {"product_id": self.products[1].id, "quantity": 1})],
            }
        )
        sale = self.import_order(881054)
        self.assertIn(box, sale.order_line.product_id)

    def test_reordering_rules_are_searched_once_per_order_and_an_automatic_one_still_runs(self):
        """Odoo searches automatic reordering rules once per stock move; the order asks once for all
        its products, and only a product that has one is searched as Odoo does."""
        with captured_sql() as statements:
            self.import_order(881041)
            self.env.flush_all()
        searched = [
            s for s in on_table(statements, "SELECT", "stock_warehouse_orderpoint") if "'auto'" in s or "trigger" in s
        ]
        self.assertEqual(len(searched), 1, "\n".join(on_table(statements, "SELECT", "stock_warehouse_orderpoint")))

        with automatic_reordering_rule(self.env, self.products[1], self.backend) as (rule, triggered):
            self.import_order(881042)
        self.assertEqual(triggered, [rule.id])

    def test_staff_contacts_are_never_matched_archived_users_and_companies_included(self):
        archived = self.env["res.users"].create(
            {
                "name": "Former clerk",
                "login": f"former-{self.tag}@example.com",
                "email": f"former-{self.tag}@example.com",
            }
        )
        archived.active = False
        company = self.backend.company_id.partner_id
        company.email = f"shop-{self.tag}@example.com"
        for number, staff in enumerate((archived.partner_id, company), start=881031):
            customer = {"id": number, "email": staff.email, "first_name": "A", "last_name": "Buyer"}
            partner = self.import_order(number, customer=customer).partner_id
            self.assertNotEqual(partner, staff)
            self.assertEqual(partner.email, staff.email)
        # A contact of the store's company with that e-mail is matched as before.
        known = self.env["res.partner"].create({"name": "Known", "email": f"known-{self.tag}@example.com"})
        customer = {"id": 881039, "email": known.email.upper(), "first_name": "A", "last_name": "Buyer"}
        self.assertEqual(self.import_order(881039, customer=customer).partner_id, known)

    def test_a_run_writes_the_job_row_once_with_its_attempt_and_verdict(self):
        job, _created = self.intake("orders/create", order_payload(881041, lines=self.lines()))
        self.env.flush_all()
        with captured_sql() as statements:
            self.perform(job)
            self.env.flush_all()
        self.assertEqual(job.state, "done", job.error_message)
        self.assertEqual(len(on_table(statements, "UPDATE", "shopify_sync_job")), 1, "attempt and verdict together")
        self.assertEqual(job.attempts, 1)
        self.assertTrue(job.date_started)
        # Warnings of an earlier run are not shown as this run's.
        warned, _created = self.intake("orders/create", order_payload(881043, lines=self.lines()))
        warned.write({"warning_message": "from an earlier run"})
        self.perform(warned)
        self.assertEqual((warned.state, warned.attempts), ("done", 1))
        self.assertFalse(warned.warning_message)
        # A failed run records its attempt too, and a second run counts it.
        bad = order_payload(881042, lines=[dict(self.lines()[0], sku="NO-SUCH-SKU", variant_id=8_799_999_999)])
        failed, _created = self.intake("orders/create", bad)
        self.perform(failed)
        self.assertEqual((failed.state, failed.attempts), ("failed", 1), failed.error_message)
        first_start = failed.date_started
        failed._enqueue()
        self.perform(failed)
        self.assertEqual((failed.state, failed.attempts), ("failed", 2))
        self.assertGreaterEqual(failed.date_started, first_start)

    def test_countries_and_states_are_looked_up_once_per_worker_and_follow_changes(self):
        self.import_order(881051)  # the first order of this code reads it
        with captured_sql() as statements:
            sale = self.import_order(881052)
        self.assertFalse(on_table(statements, "SELECT", "res_country"))
        self.assertFalse(on_table(statements, "SELECT", "res_country_state"))
        self.assertEqual((sale.partner_id.country_id.code, sale.partner_id.state_id.code), ("US", "CA"))
        # A state added in Odoo is found by the next order; one recoded is no longer found by its old code.
        country = self.env["res.country"].create({"name": "Shopiland", "code": "QZ"})
        address = {"address1": "1 Main", "city": "Town", "zip": "1", "country_code": "QZ", "province_code": "NO"}
        self.assertFalse(self.import_order(881053, billing=address).partner_id.state_id, "no states: kept as text")
        self.env["res.country.state"].create({"name": "North", "code": "NO", "country_id": country.id})
        sale = self.import_order(881055, billing=address)
        self.assertEqual(sale.partner_id.state_id.name, "North")
        country.state_ids.code = "NR"
        job, _created = self.intake("orders/create", order_payload(881054, lines=self.lines(), billing=address))
        self.perform(job)
        self.assertEqual(job.state, "failed")
        self.assertIn("State 'NO'", job.error_message)
