"""Every case of tests/corpus/events/ (one subTest per file; adding a file adds a case): an order
through orders/create, then the webhooks Shopify sends about it (refunds, fulfilments, transactions,
cancellation) through the real webhook path and their queue jobs, each done or failed as the case
says (a failure classified, with its fix; never an unexpected error). Then Odoo must hold Shopify's
figures: money received and given back, credit notes to the cent, goods delivered, to deliver and in
stock. The products, taxes and gateways a case needs are set up from its bodies, as an
administrator would.

A case without an order is one of the store's other topics (products, inventory levels, privacy,
app/uninstalled, disputes): its events alone, from the same store each time (``play_store``), then
what Odoo holds about them: products and bindings, stock levels, erased data, the backend, disputes."""

import json
import os
from decimal import Decimal

from odoo.tests import tagged

from odoo.addons.queue_job.exception import RetryableJobError

from ..handlers import orders as orders_handler
from ..handlers.orders import odoo_amount
from ..handlers.transactions import order_documents, settled_amount
from ..lib.gid import to_gid
from . import test_order_corpus
from .catalog_fake import serve_catalog
from .common import ShopifyCase
from .stock_fake import FakeShopifyInventory

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "events")
STOCK = 10  # units of each storable product before each case (tests/corpus/build_events.py)


def case_files():
    return sorted(name for name in os.listdir(CORPUS) if name.endswith(".json"))


@tagged("post_install", "-at_install")
class TestEventCorpus(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.setup_books_company("Shopify Events Inc")
        cls.setup_us_sales_tax(cls.company)
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.backend.write({"warehouse_id": cls.warehouse.id, "import_fulfillments": True})
        cls.env["shopify.sync.location"].create(
            {
                "backend_id": cls.backend.id,
                "name": "Main",
                "shopify_gid": "gid://shopify/Location/11",
                "warehouse_id": cls.warehouse.id,
            }
        )
        cls.bank = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", cls.company.id)], limit=1
        )

    def setUp(self):
        super().setUp()
        self.nodes = {}  # what Shopify's Admin API answers about a case's objects (its "shopify_nodes")
        self.only_listed_nodes = False  # a store case: Shopify has no other object (null)
        # Barcode look-ups of the order import: Shopify knows none.
        self.standin.root["nodes"] = lambda _info, ids: [
            self.nodes.get(gid)
            or (
                None
                if self.only_listed_nodes
                else {"__typename": "ProductVariant", "id": gid, "sku": "", "barcode": None}
            )
            for gid in ids
        ]

    def test_corpus_lists_its_sources(self):
        sources = open(os.path.join(CORPUS, "SOURCES"), encoding="utf-8").read()
        for name in case_files():
            self.assertIn(f"\n{name}  ", sources, f"{name} has no line in SOURCES")

    def test_every_case_leaves_shopifys_figures_in_odoo(self):
        files = case_files()
        self.assertGreaterEqual(len(files), 20)
        for name in files:
            with open(os.path.join(CORPUS, name), encoding="utf-8") as handle:
                case = json.load(handle)
            with self.subTest(case=name):
                self.play(case)

    # -- one case ------------------------------------------------------------------------------

    def play(self, case):
        if "order" not in case:
            self.play_store(case)
            return
        order = case["order"]
        orders_handler._BARCODE_CACHE.clear()
        self.nodes = {node["id"]: node for node in case.get("shopify_nodes") or []}
        self.configure(case)
        job = self.run_webhook("orders/create", order)
        self.assertEqual(job.state, "done", job.error_message)
        sale = self.env["shopify.binding"]._record_for(self.backend, to_gid("Order", order["admin_graphql_api_id"]))
        jobs = self.play_events(case, job, sale)
        self.check_books(case, sale)
        self.check_goods(case, sale)
        if "dispute" in case["expect"]:
            dispute = self.env["shopify.sync.dispute"].search([("sale_order_id", "=", sale.id)])
            self.assertEqual(dispute.mapped("status"), [case["expect"]["dispute"]])
        warnings = " ".join(filter(None, jobs.mapped("warning_message")))
        if "warning" in case["expect"]:
            self.assertIn(case["expect"]["warning"], warnings)
        if "not_warned" in case["expect"]:
            self.assertNotIn(case["expect"]["not_warned"], warnings)

    def play_events(self, case, jobs, sale=None):
        """Each step of the case: a webhook through intake and its queue job, done or failed as it
        says, or Odoo's part (deliver, retry, stock). Returns the jobs."""
        for step in case["events"]:
            if step.get("odoo") == "stock":
                Quant = self.env["stock.quant"]
                Quant._update_available_quantity(
                    self.product(step["sku"]), self.warehouse.lot_stock_id, step["quantity"]
                )
                continue
            if step.get("odoo") == "export":
                # The store's stock export runs (Shopify then holds Odoo's figures).
                export = self.backend._ensure_export_job()
                self.perform(export)
                self.assertEqual(export.state, "done", export.error_message)
                continue
            if step.get("odoo") == "deliver":
                self.deliver(sale, step.get("quantities"))
                continue
            if step.get("odoo") == "retry":
                # The queue runs again the jobs that were waiting (Shopify's events are unordered).
                for waiting in jobs.filtered(lambda j: j.state == "queued"):
                    self.perform(waiting)
                    self.assertEqual(waiting.state, "done", waiting.error_message)
                continue
            job, _created = self.intake(step["topic"], step["body"])
            try:
                self.perform(job)
            except RetryableJobError:
                job.invalidate_recordset()  # waiting for another event: queued again by queue_job
            jobs |= job
            expect = step["expect"]
            self.assertNotEqual(job.failure_category, "unexpected", job.error_message)
            self.assertEqual(job.state, expect["state"], f"{step['topic']}: {job.error_message or job.result_summary}")
            if expect["state"] == "failed":
                self.assertEqual(job.failure_category, expect["category"], job.error_message)
                self.assertTrue(job.fix_hint, "a failure names its fix")
                self.assertIn(expect["error"], job.error_message)
        return jobs

    def play_store(self, case):
        """A case of the store's other topics, in a savepoint rolled back after it: each starts from
        the same store (connected, its settings, no products of other cases)."""
        token, root = self.standin.access_token, dict(self.standin.root)
        self.nodes = {node["id"]: node for node in case.get("shopify_nodes") or []}
        self.only_listed_nodes = True  # what a case does not list, Shopify does not have (null)
        savepoint = self.env.cr.savepoint()
        try:
            self.backend.write(case.get("backend") or {})
            if case.get("shopify_inventory"):
                FakeShopifyInventory().install(self.standin)
            if case.get("shopify_products"):
                serve_catalog(self.standin, case["shopify_products"])
            if case.get("app_removed"):
                self.standin.access_token = "revoked"  # Shopify refuses the token once the app is gone
            corpus = test_order_corpus.TestOrderCorpus
            for step in case["events"]:
                if step.get("topic") == "orders/create":
                    corpus.map_taxes(self, step["body"])
                    corpus.map_products(self, step["body"])
            jobs = self.play_events(case, self.env["shopify.sync.job"])
            self.check_store(case, jobs)
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all()
            self.standin.access_token = token
            self.standin.root.clear()
            self.standin.root.update(root)
            self.only_listed_nodes = False

    def check_catalog(self, expect):
        """Products and bindings: Shopify's variants bound, archived, tracked as the case says."""
        bindings, backend = self.env["shopify.binding"], self.backend
        Product = self.env["product.product"].with_context(active_test=False)
        for gid, sku in (expect.get("bound") or {}).items():
            record = bindings._record_for(backend, gid)
            self.assertTrue(record, f"{gid} bound")
            self.assertEqual(record.default_code or "", sku, gid)
        for gid in expect.get("unbound") or []:
            self.assertFalse(bindings._record_for(backend, gid), f"{gid} not bound")
        for title, count in (expect.get("variants") or {}).items():
            template = self.env["product.template"].with_context(active_test=False).search([("name", "=", title)])
            self.assertEqual(len(template), 1, title)
            self.assertEqual(len(template.product_variant_ids), count, title)
            # One Odoo product per Shopify variant, each bound once.
            bound = bindings.search(
                [
                    ("res_model", "=", "product.product"),
                    ("res_id", "in", template.product_variant_ids.ids),
                    ("shopify_gid", "=like", "gid://shopify/ProductVariant/%"),
                ]
            )
            if not expect.get("unbound"):
                self.assertEqual(len(bound), count, f"{title}: variants bound")
        for sku, storable in (expect.get("storable") or {}).items():
            self.assertEqual(Product.search([("default_code", "=", sku)]).is_storable, storable, sku)
        for sku in expect.get("active") or []:
            self.assertTrue(Product.search([("default_code", "=", sku)]).active, f"{sku} still sold")
        for sku, tracked in (expect.get("tracked") or {}).items():
            product = Product.search([("default_code", "=", sku)])
            self.assertEqual(product.shopify_sync_inventory_tracked, tracked, sku)
        for sku in expect.get("archived") or []:
            self.assertFalse(Product.search([("default_code", "=", sku)]).active, f"{sku} archived")

    def check_store(self, case, jobs):
        expect, backend = case["expect"], self.backend
        self.check_catalog(expect)
        for sku, quantity in (expect.get("on_hand") or {}).items():
            product = self.product(sku)
            self.assertEqual(product.with_context(warehouse_id=self.warehouse.id).qty_available, quantity, sku)
        for item, quantity in (expect.get("stock_levels") or {}).items():
            level = (
                self.env["shopify.sync.stock.level"]
                .sudo()
                .search([("backend_id", "=", backend.id), ("inventory_item_gid", "=", item)])
            )
            if quantity is None:
                self.assertFalse(level.filtered("shopify_qty_known"), f"{item}: Shopify sent no quantity")
            else:
                self.assertEqual(level.mapped("shopify_qty"), [quantity], item)
        for name in expect.get("exported_orders") or []:
            request = jobs.filtered(lambda j: j.topic == "customers/data_request")
            attachment = self.env["ir.attachment"].browse(request.res_id)
            self.assertIn(name, [o["client_order_ref"] for o in json.loads(attachment.raw)["sale_orders"]])
        for token in expect.get("erased") or []:
            # Nowhere in the store's job log any more.
            jobs_holding = self.env["shopify.sync.job"].search(
                [("backend_id", "=", backend.id), ("payload", "ilike", token)]
            )
            self.assertFalse(jobs_holding.mapped("topic"), token)
        for token in expect.get("anonymised") or []:
            partners = self.env["res.partner"].with_context(active_test=False)
            self.assertFalse(partners.search(["|", ("email", "ilike", token), ("name", "ilike", token)]), token)
        if "disconnected" in expect:
            self.assertEqual(backend.state == "disconnected", expect["disconnected"], backend.state)
        if expect.get("credentials_removed"):
            self.assertFalse(backend.sudo().access_token or backend.sudo().webhook_secret)
        for gid, wanted in (expect.get("disputes") or {}).items():
            dispute = self.env["shopify.sync.dispute"].search(
                [("backend_id", "=", backend.id), ("shopify_gid", "=", gid)]
            )
            self.assertEqual(len(dispute), 1, gid)
            self.assertEqual(
                (dispute.status, dispute.kind, dispute.currency_id.name),
                (wanted["status"], wanted["kind"], wanted["currency"]),
            )
            self.assertEqual(odoo_amount(dispute.amount, dispute.currency_id), Decimal(wanted["amount"]))
        if "warning" in expect:
            warnings = " ".join(filter(None, jobs.mapped("warning_message")))
            self.assertIn(expect["warning"], warnings)

    def check_books(self, case, sale):
        expect, currency = case["expect"], sale.currency_id
        invoices, credit_notes, payments = order_documents(self.env, sale)
        invoiced = expect.get("invoiced") or (
            case["order"]["total_price"] if case["order"]["financial_status"] == "paid" else "0.00"
        )
        self.assertEqual(
            sum((odoo_amount(m.amount_total, currency) for m in invoices), Decimal(0)), Decimal(invoiced), "invoiced"
        )
        received = sum(
            (odoo_amount(settled_amount(p), currency) for p in payments if p.payment_type == "inbound"), Decimal(0)
        )
        paid_back = sum(
            (odoo_amount(settled_amount(p), currency) for p in payments if p.payment_type == "outbound"), Decimal(0)
        )
        self.assertEqual(received, Decimal(expect["received"]), "received")
        if "paid_back" in expect:
            self.assertEqual(paid_back, Decimal(expect["paid_back"]), "paid back")
        if "credited" in expect:
            self.assertEqual(
                sorted(odoo_amount(m.amount_total, currency) for m in credit_notes),
                sorted(Decimal(value) for value in expect["credited"]),
                "credit notes",
            )
            for move in credit_notes:
                self.assertTrue(all(line.price_unit or line.display_type for line in move.invoice_line_ids))
        if expect.get("settled"):
            # Nothing left open on the customer's account: every invoice, credit note and payment matched.
            open_lines = (invoices | credit_notes | payments.move_id).line_ids.filtered(
                lambda ln: ln.account_id.account_type == "asset_receivable" and not ln.reconciled
            )
            self.assertFalse(open_lines, [(ln.move_id.name, ln.amount_residual) for ln in open_lines])
        if "gift_card_payments" in expect:
            gift_card = self.backend._gift_card_account()
            on_gift_card = payments.filtered(lambda p: p.outstanding_account_id == gift_card)
            self.assertEqual(
                sum((odoo_amount(p.amount, currency) for p in on_gift_card), Decimal(0)),
                Decimal(expect["gift_card_payments"]),
            )

    def check_goods(self, case, sale):
        expect = case["expect"]
        self.assertEqual(sale.state, expect.get("sale_state", "sale"))
        for sku, quantity in (expect.get("on_hand") or {}).items():
            product = self.product(sku)
            self.assertEqual(product.with_context(warehouse_id=self.warehouse.id).qty_available, quantity, sku)
        for sku, quantity in (expect.get("delivered") or {}).items():
            product = self.product(sku)
            lines = sale.order_line.filtered(lambda ln, p=product: ln.product_id == p)
            self.assertEqual(sum(lines.mapped("qty_delivered")), quantity, f"{sku} delivered")
        for sku, quantity in (expect.get("to_deliver") or {}).items():
            product = self.product(sku)
            moves = sale.picking_ids.move_ids.filtered(
                lambda m, p=product: (
                    m.product_id == p and m.picking_code == "outgoing" and m.state not in ("done", "cancel")
                )
            )
            self.assertEqual(sum(moves.mapped("product_uom_qty")), quantity, f"{sku} to deliver")
        if expect.get("tracking"):
            # Every parcel's number is kept on the delivery (a fulfilment may have several).
            done = sale.picking_ids.filtered(lambda p: p.state == "done" and p.shopify_sync_tracking_number)
            self.assertEqual(len(done), 1)
            numbers = done.shopify_sync_tracking_number
            for number in expect["tracking"]:
                self.assertIn(number, numbers)

    # -- Odoo's part ---------------------------------------------------------------------------

    def deliver(self, sale, quantities=None):
        """The warehouse ships the pending delivery, in full or ``quantities`` {SKU: units} (the rest
        left on a backorder)."""
        picking = sale.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        self.assertEqual(len(picking), 1)
        for move in picking.move_ids:
            quantity = (quantities or {}).get(move.product_id.default_code, move.product_uom_qty)
            move.quantity = quantity
            move.picked = bool(quantity)
        picking.with_context(skip_backorder=True).button_validate()
        self.assertEqual(picking.state, "done")

    def product(self, sku):
        return self.env["product.product"].search([("default_code", "=", sku)], limit=1)

    def configure(self, case):
        """Taxes and products as the order corpus maps them; STOCK units of each storable product in
        the warehouse; every gateway of the case's transactions on the bank journal."""
        order = case["order"]
        corpus = test_order_corpus.TestOrderCorpus
        # Lines an order gains later (an edit, an exchange item) are products of the store too.
        versions = [order] + [
            step["body"] for step in case["events"] if step.get("topic") in ("orders/updated", "orders/edited")
        ]
        for version in versions:
            corpus.map_taxes(self, version)
            corpus.map_products(self, version)
        location = self.warehouse.lot_stock_id
        Quant = self.env["stock.quant"]
        for item in {item["sku"]: item for version in versions for item in version["line_items"]}.values():
            product = self.product(item["sku"]) if item.get("sku") else None
            if product and product.is_storable:
                missing = STOCK - product.with_context(location=location.id).qty_available
                if missing:
                    Quant._update_available_quantity(product, location, missing)
        gateways = {"shopify_payments"}
        for step in case["events"]:
            body = step.get("body") or {}
            for tx in [body, *(body.get("transactions") or [])]:
                if tx.get("gateway"):
                    gateways.add(tx["gateway"])
        mapped = set(self.backend.gateway_map_ids.mapped("gateway"))
        for gateway in gateways - mapped:
            self.env["shopify.gateway.map"].create(
                {"backend_id": self.backend.id, "gateway": gateway, "journal_id": self.bank.id}
            )
