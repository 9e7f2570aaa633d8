"""Stock: Odoo owns it. ``inventory/export`` pushes Odoo's quantities to Shopify, batched and
compare-and-swap; ``inventory_levels/update`` only checks that Shopify agrees (never changes Odoo
stock); ``inventory/reconcile`` compares every bound item and location and pushes Odoo's figures."""

import hashlib
import json
import logging

from odoo import fields

from ..lib import errors, gid, queries
from ..lib.errors import _lt
from ..lib.registry import register
from ..lib.stock_mapping import batches, plan_quantities, split_user_errors
from . import reservation

_logger = logging.getLogger(__name__)

REASON = "correction"
TRACKED_PAGE = 250
RELOAD_PAGE = 6  # items per re-read: nodes(ids) x inventoryLevels(first: 50) stays under Shopify's 1,000 points


def _idempotency_key(backend, variables):
    """Same request, same key: a batch resent after a lost answer is applied once by Shopify."""
    digest = hashlib.sha256(json.dumps([backend.id, variables], sort_keys=True).encode()).hexdigest()
    return f"odoo-shopify-sync-{digest[:40]}"


class StockExporter:
    """Export the pending (dirty) products of one store."""

    def __init__(self, job):
        self.job = job
        self.backend = job.backend_id
        self.env = job.env
        self.Level = self.env["shopify.sync.stock.level"].sudo()
        self.client = None
        self.calls = 0
        self.untracked = []
        self.missing = []
        self.drift = []

    def client_(self):
        if self.client is None:
            self.client = self.backend._get_client()
        return self.client

    def execute(self, document, variables):
        self.calls += 1
        return self.client_().execute(document, variables)

    # -- levels ------------------------------------------------------------------------------

    def levels(self, pairs):
        """{(item gid, location row id): level row}, rows created for pairs first met."""
        items = sorted({item for item, _row in pairs})
        found = {}
        for start in range(0, len(items), 1000):
            rows = self.Level.search(
                [("backend_id", "=", self.backend.id), ("inventory_item_gid", "in", items[start : start + 1000])]
            )
            found.update({(row.inventory_item_gid, row.location_map_id.id): row for row in rows})
        missing = [pair for pair in pairs if pair not in found]
        if missing:
            created = self.Level.create(
                [
                    {
                        "backend_id": self.backend.id,
                        "product_id": pairs[pair],
                        "inventory_item_gid": pair[0],
                        "location_map_id": pair[1],
                    }
                    for pair in missing
                ]
            )
            found.update({(row.inventory_item_gid, row.location_map_id.id): row for row in created})
        return found

    def learn_tracking(self, levels):
        """Ask Shopify whether items are tracked: new items once, untracked ones again each time they
        are exported (the merchant may have turned tracking on since; they are few and cost a point
        each). Remember the answer."""
        to_ask = sorted({item for (item, _row), level in levels.items() if level.tracked in ("unknown", "no")})
        tracked = {}
        for chunk in batches(to_ask, TRACKED_PAGE):
            data = self.execute(queries.INVENTORY_ITEMS_TRACKED, {"ids": chunk})
            for node in data.get("nodes") or []:
                if node and node.get("id"):
                    tracked[node["id"]] = "yes" if node.get("tracked") else "no"
        for (item, _row), level in levels.items():
            if item in tracked:
                if level.tracked != tracked[item]:
                    level.tracked = tracked[item]
            elif item in to_ask and f"{level.product_id.display_name} ({item})" not in self.missing:
                # One deleted variant must not hold back the whole store's stock: report it.
                self.missing.append(f"{level.product_id.display_name} ({item})")

    def link_bundles(self, product_ids):
        """Bind the Shopify inventory item of pending bundles that have none yet (bundles made in
        Odoo after their product was imported), so their availability is exported."""
        bundles = self.env["shopify.sync.bundle"].sudo()._by_sale_product(self.backend, product_ids)
        linked = self.backend._inventory_items(list(bundles))
        unlinked = {
            bundle.shopify_variant_gid: bundle for product_id, bundle in bundles.items() if product_id not in linked
        }
        found = set()
        for chunk in batches(sorted(unlinked), TRACKED_PAGE):
            for node in self.execute(queries.BUNDLE_VARIANT_ITEMS, {"ids": chunk}).get("nodes") or []:
                item = (node or {}).get("inventoryItem")
                if item and item.get("id"):
                    self.env["shopify.binding"].sudo()._bind(self.backend, item["id"], unlinked[node["id"]].product_id)
                    found.add(node["id"])
        for variant_gid in sorted(set(unlinked) - found):
            self.missing.append(f"bundle {unlinked[variant_gid].name} ({variant_gid})")

    # -- export ------------------------------------------------------------------------------

    def run(self):
        backend = self.backend
        Dirty = self.env["shopify.sync.stock.dirty"].sudo()
        seen = Dirty._pending(backend)
        if not backend.stock_export_enabled:
            Dirty._clear(backend, seen)
            return self.job._mark_done(summary="Stock export is disabled on the store; nothing sent.")
        if not seen:
            return self.job._mark_done(summary="Nothing to export.")
        rows = backend._stock_locations()
        self.link_bundles(seen)
        items = backend._inventory_items(seen)
        products = self.env["product.product"].browse(sorted(items)).exists()
        published = backend._published_quantities(products, rows) if products else {}

        pairs = {(item, row.id): product.id for product in products for item in items[product.id] for row in rows}
        levels = self.levels(pairs)
        self.learn_tracking(levels)
        row_gid = {row.id: row.shopify_gid for row in rows}
        targets, known, by_key = {}, {}, {}
        for (item, row_id), level in levels.items():
            if (item, row_id) not in pairs:
                continue
            if level.tracked != "yes":
                continue
            key = (item, row_gid[row_id])
            targets[key] = published[(level.product_id.id, row_id)]
            known[key] = level.shopify_qty if level.shopify_qty_known else None
            by_key[key] = level
        for item in sorted({lv.inventory_item_gid for lv in levels.values() if lv.tracked == "no"}):
            product = next(lv.product_id for lv in levels.values() if lv.inventory_item_gid == item)
            self.untracked.append(f"{product.display_name} ({item})")

        planned = plan_quantities(targets, known)
        for key, level in by_key.items():
            level.odoo_qty = targets[key]
        sent = 0
        try:
            for batch in batches(planned):
                self.send(batch, by_key)
                sent += len(batch)
        except errors.TransientError as err:
            if not sent:
                raise
            # Keep what Shopify accepted; the rest stays pending for a new job after the pause.
            done_products = {by_key[(q["inventoryItemId"], q["locationId"])].product_id.id for q in planned[:sent]}
            rest = {(q["inventoryItemId"], q["locationId"]) for q in planned[sent:]}
            rest_products = {by_key[key].product_id.id for key in rest}
            Dirty._clear(backend, {p: s for p, s in seen.items() if p in done_products - rest_products})
            follow = backend._ensure_export_job()
            self.finish(
                sent, len(planned), seen, note=f"Paused ({err.message}); the rest continues in job {follow.id}."
            )
            return None
        Dirty._clear(backend, seen)
        self.finish(sent, len(planned), seen)
        return None

    def finish(self, sent, planned, seen, note=None):
        lines = [f"{sent} of {planned} quantities sent in {self.calls} Shopify calls for {len(seen)} products."]
        if self.untracked:
            self.job._add_warning(
                "Not tracked in Shopify, not exported (turn on 'Track quantity' on the variant in Shopify "
                "if Odoo should manage it): " + ", ".join(self.untracked)
            )
            lines.append(f"{len(self.untracked)} untracked items reported.")
        if self.missing:
            self.job._add_warning(
                "Unknown to Shopify, not exported (the variant was deleted in Shopify: re-import the product "
                "or remove its InventoryItem binding): " + ", ".join(self.missing)
            )
            lines.append(f"{len(self.missing)} items unknown to Shopify reported.")
        if self.drift:
            self.job._add_warning("Changed in Shopify since the last export: " + "; ".join(self.drift))
            lines.append(f"{len(self.drift)} quantities had been changed in Shopify.")
        if note:
            lines.append(note)
        self.job._mark_done(summary=" ".join(lines))

    def send(self, batch, by_key, second_try=False):
        """One inventorySetQuantities call; a stale compare is re-read, recorded, and resent once."""
        name = self.backend.stock_quantity_name
        variables = {
            "input": {
                "name": name,
                "reason": REASON,
                "quantities": batch,
                "referenceDocumentUri": f"gid://odoo-shopify-sync/SyncJob/{self.job.id}",
            }
        }
        variables["key"] = _idempotency_key(self.backend, variables["input"])
        answer = self.execute(queries.INVENTORY_SET_QUANTITIES, variables)["inventorySetQuantities"]
        stale, other = split_user_errors(answer.get("userErrors"), batch)
        if other:
            raise errors.DataError(
                _lt("Shopify refused the stock update: %(errors)s", errors="; ".join(other)),
                fix=_lt(
                    "Check the inventory items and locations named above in Shopify (deleted variant, "
                    "location not stocking the item), then Retry."
                ),
            )
        if not stale:
            now = fields.Datetime.now()
            for quantity in batch:
                by_key[(quantity["inventoryItemId"], quantity["locationId"])].write(
                    {"shopify_qty": quantity["quantity"], "shopify_qty_known": True, "date_exported": now}
                )
            return
        if second_try:
            raise errors.TransientError(_lt("Shopify's quantities keep changing during the export; retrying later."))
        # Shopify refuses the whole batch: re-read the stale ones and decide.
        current = read_levels(self, [batch[i]["inventoryItemId"] for i in stale], name)
        resend = []
        for index, quantity in enumerate(batch):
            key = (quantity["inventoryItemId"], quantity["locationId"])
            level = by_key[key]
            if index in stale:
                now_in_shopify = current.get(key)
                level.write({"shopify_qty": now_in_shopify or 0, "shopify_qty_known": now_in_shopify is not None})
                if now_in_shopify == quantity["quantity"]:
                    continue  # Shopify already holds our figure (an earlier attempt got through)
                self.drift.append(
                    f"{level.product_id.display_name} at {level.location_map_id.name}: Shopify "
                    f"{now_in_shopify}, expected {quantity['changeFromQuantity']}, Odoo {quantity['quantity']}"
                )
                if self.backend.stock_drift_policy == "flag":
                    record_drift(
                        self.env,
                        self.backend,
                        level,
                        now_in_shopify,
                        quantity["quantity"],
                        source=f"export job {self.job.id}",
                    )
                    continue
                quantity = dict(quantity, changeFromQuantity=now_in_shopify)
            resend.append(quantity)
        if resend:
            self.send(resend, by_key, second_try=True)


def read_levels(exporter_or_client, item_gids, name):
    """{(item gid, location gid): quantity} of ``name`` for a few items, at every location."""
    result = {}
    for chunk in batches(sorted(set(item_gids)), RELOAD_PAGE):
        data = exporter_or_client.execute(queries.INVENTORY_ITEMS_LEVELS, {"ids": chunk, "names": [name]})
        for node in data.get("nodes") or []:
            if not node:
                continue
            for level in (node.get("inventoryLevels") or {}).get("nodes") or []:
                quantity = next((q["quantity"] for q in level["quantities"] if q["name"] == name), None)
                result[(node["id"], level["location"]["id"])] = quantity
    return result


def record_drift(env, backend, level, shopify_qty, odoo_qty, source):
    """A failed (data) sync job that waits for a person: what differs, where, and the two ways out."""
    Job = env["shopify.sync.job"].sudo()
    job = Job._create_outbound(
        backend,
        "inventory",
        "inventory/drift",
        payload={
            "inventory_item_id": level.inventory_item_gid,
            "location_id": level.location_map_id.shopify_gid,
            "shopify": shopify_qty,
            "odoo": odoo_qty,
            "source": source,
        },
        ref=level.product_id.display_name,
        gid=level.inventory_item_gid,
    )
    job._mark_failed(
        errors.DATA,
        _lt(
            (
                "Stock of %(product)s at %(location)s differs: Shopify %(shopify_qty)s, Odoo "
                "%(odoo_qty)s (after safety buffer). Odoo stock was not changed."
            ),
            product=level.product_id.display_name,
            location=level.location_map_id.name,
            shopify_qty=shopify_qty,
            odoo_qty=odoo_qty,
        ),
        _lt(
            "If Shopify is right, correct Odoo's stock with an inventory adjustment (it is then exported). "
            "If Odoo is right, press Retry to push Odoo's figure to Shopify."
        ),
    )
    return job


@register("inventory/export", "inventory", webhook=False)
def export_stock(job):
    return StockExporter(job).run()


@register("inventory/drift", "inventory", webhook=False)
def push_drift(job):
    """Retry of a flagged drift: Odoo's figure wins, through the normal export."""
    payload = job._payload_json() or {}
    product = job.env["shopify.binding"]._record_for(job.backend_id, payload.get("inventory_item_id"))
    if not product:
        raise errors.DataError(
            _lt(
                "%(inventory_item)s is no longer bound to an Odoo product.",
                inventory_item=payload.get("inventory_item_id"),
            ),
            fix=_lt("Re-import the product, or cancel this job."),
        )
    job.env["shopify.sync.stock.dirty"].sudo()._mark(job.backend_id, product.ids)
    export = job.backend_id._ensure_export_job()
    job._mark_done(product, summary=f"Odoo's figure will be pushed by export job {export.id}.")
    return product


# Cross-channel ordering: Shopify takes a sale off 'available' at checkout, Odoo when the order job (on
# the orders channel) reserves it. A level compared in between is not drift.
ORDER_TOPICS = ("orders/create", "orders/updated", "orders/paid", "orders/cancelled")
SKIPPED_ORDER_DAYS = 60  # skipped orders (test, unpaid) older than this are taken as closed
LEVEL_WAIT_RETRIES = 10  # about 11 minutes on the inventory channel's retry pattern


def _order_units(payload, variants, sku):
    """Units of the product an order payload still has to ship (Shopify's fulfillable quantity)."""
    if payload.get("cancelled_at"):
        return 0
    units = 0
    for item in payload.get("line_items") or []:
        variant = gid.to_gid("ProductVariant", item["variant_id"]) if item.get("variant_id") else None
        if variant in variants or (sku and not variant and item.get("sku") == sku):
            quantity = item.get("fulfillable_quantity")
            units += int(quantity if quantity is not None else item.get("current_quantity", item.get("quantity") or 0))
    return units


def unapplied_order_units(env, backend, product):
    """(queued, skipped): units of ``product`` Shopify holds for orders Odoo has not reserved: order jobs
    still queued (their order's latest queued version, minus what Odoo already has pending for that
    order), and open orders Odoo skipped on purpose (test orders, unpaid orders under 'import only
    paid'), which Shopify counts and Odoo never will."""
    Binding = env["shopify.binding"].sudo()
    variants = set(
        Binding.search(
            [
                ("backend_id", "=", backend.id),
                ("res_model", "=", "product.product"),
                ("res_id", "=", product.id),
                ("resource_type", "=", "ProductVariant"),
            ]
        ).mapped("shopify_gid")
    )
    bundle_parents = (
        env["shopify.sync.bundle"]
        .sudo()
        .search([("backend_id", "=", backend.id), ("line_ids.product_id", "=", product.id)])
    )
    Job = env["shopify.sync.job"].sudo()
    since = fields.Datetime.subtract(fields.Datetime.now(), days=SKIPPED_ORDER_DAYS)
    jobs = Job.search(
        [
            ("backend_id", "=", backend.id),
            ("direction", "=", "in"),
            ("topic", "in", ORDER_TOPICS),
            "|",
            ("state", "=", "queued"),
            "&",
            "&",
            ("state", "=", "done"),
            ("res_id", "=", False),
            ("create_date", ">=", since),
        ],
        order="id",
    )
    newest = {}  # order gid -> (state, payload): a queued version wins over a skipped one, then the newest
    for job in jobs:
        if not job.shopify_gid:
            continue
        payload = job._payload_json() or {}
        previous = newest.get(job.shopify_gid)
        if previous and previous[0] == "queued" and job.state != "queued":
            continue
        if (
            previous
            and previous[0] == job.state
            and (payload.get("updated_at") or "") < (previous[1].get("updated_at") or "")
        ):
            continue
        newest[job.shopify_gid] = (job.state, payload)
    queued = skipped = 0
    for order_gid, (state, payload) in newest.items():
        units = _order_units(payload, variants, product.default_code)
        for bundle in bundle_parents:
            per = next(line.quantity for line in bundle.line_ids if line.product_id == product)
            units += int(_order_units(payload, {bundle.shopify_variant_gid}, None) * per)
        if not units:
            continue
        sale = Binding._record_for(backend, order_gid)
        if state == "queued":
            held = 0
            if sale:
                held = sum(
                    sale.order_line.move_ids.filtered(
                        lambda m: (
                            m.product_id == product
                            and m.state not in ("done", "cancel")
                            and m.picking_code == "outgoing"
                        )
                    ).mapped("product_uom_qty")
                )
            queued += max(0, units - int(held))
        elif not sale:
            skipped += units
    # Orders imported whose deliveries the reservation job has not reserved yet (models/stock_move.py).
    awaiting = reservation.awaiting_units(env, backend, product)
    return queued + awaiting, skipped


@register("inventory_levels/update", "inventory")
def inventory_level_update(job):
    """Shopify's quantity changed. Odoo owns stock: agree, or record the drift (never touch Odoo stock)."""
    payload = job._payload_json() or {}
    backend = job.backend_id
    env = job.env
    item = gid.to_gid("InventoryItem", payload.get("inventory_item_id"))
    level_gid = payload.get("admin_graphql_api_id") or ""
    if "inventory_item_id=" in level_gid:  # exact id: numeric ids above 2**53 were rounded in JSON
        item = gid.to_gid("InventoryItem", level_gid.split("inventory_item_id=")[1].split("&")[0])
    product = env["shopify.binding"]._record_for(backend, item)
    if not product:
        job._mark_done(summary=f"{item} is not bound to an Odoo product; nothing to compare.")
        return None
    location_gid = gid.to_gid("Location", payload.get("location_id"))
    env["shopify.sync.location"]._stock_location_for(backend, location_gid)  # unmapped: configuration error
    row = env["shopify.sync.location"].search([("backend_id", "=", backend.id), ("shopify_gid", "=", location_gid)])
    name = backend.stock_quantity_name
    if name == "available":
        shopify_qty = payload.get("available")
    else:
        shopify_qty = read_levels(backend._get_client(), [item], name).get((item, location_gid))
    if shopify_qty is None:
        job._mark_done(product, summary="Shopify sent no quantity; nothing to compare.")
        return product
    shopify_qty = int(shopify_qty)
    odoo_qty = backend._published_quantities(product, row)[(product.id, row.id)]
    level = (
        env["shopify.sync.stock.level"]
        .sudo()
        .search([("backend_id", "=", backend.id), ("inventory_item_gid", "=", item), ("location_map_id", "=", row.id)])
    )
    if not level:
        level = level.create(
            {"backend_id": backend.id, "product_id": product.id, "inventory_item_gid": item, "location_map_id": row.id}
        )
    level.write({"shopify_qty": shopify_qty, "shopify_qty_known": True, "odoo_qty": odoo_qty})
    if shopify_qty == odoo_qty:
        job._mark_done(product, summary=f"Shopify agrees with Odoo: {odoo_qty} at {row.name}.")
        return product
    queued, skipped = unapplied_order_units(env, backend, product) if name == "available" else (0, 0)
    if (queued or skipped) and shopify_qty == odoo_qty - queued - skipped:
        job._mark_done(
            product,
            summary=(
                f"Shopify {shopify_qty}, Odoo {odoo_qty} at {row.name}: the difference is held by orders "
                f"({queued} units in order jobs not applied yet, {skipped} in orders Odoo does not import)."
            ),
        )
        return product
    retries = job.queue_job_id.retry if job.queue_job_id else LEVEL_WAIT_RETRIES
    if queued and retries < LEVEL_WAIT_RETRIES:
        raise errors.TransientError(
            _lt(
                (
                    "%(product)s: %(queued)s units are in order jobs not applied yet; comparing "
                    "again once they are (attempt %(attempt)s of %(attempts)s)."
                ),
                product=product.display_name,
                queued=queued,
                attempt=retries + 1,
                attempts=LEVEL_WAIT_RETRIES,
            )
        )
    pending = (
        env["shopify.sync.stock.dirty"]
        .sudo()
        .search_count([("backend_id", "=", backend.id), ("product_id", "=", product.id)])
    )
    if pending:
        job._mark_done(
            product,
            summary=f"Shopify {shopify_qty}, Odoo {odoo_qty} at {row.name}: an export "
            "of Odoo's figure is already pending.",
        )
        return product
    message = _lt(
        "Stock of %(product)s at %(location)s was changed in Shopify: Shopify %(shopify_qty)s, "
        "Odoo %(odoo_qty)s (after safety buffer). Odoo stock was not changed.",
        product=product.display_name,
        location=row.name,
        shopify_qty=shopify_qty,
        odoo_qty=odoo_qty,
    )
    if backend.stock_drift_policy == "overwrite":
        env["shopify.sync.stock.dirty"].sudo()._mark(backend, product.ids)
        export = backend._ensure_export_job()
        job._add_warning(message)
        job._mark_done(product, summary=f"Drift overwritten: Odoo's {odoo_qty} is pushed by export job {export.id}.")
        return product
    raise errors.DataError(
        message,
        fix=_lt(
            "If Shopify is right, correct Odoo's stock with an inventory adjustment (it is then exported). "
            "If Odoo is right, set the store's drift policy to overwrite "
            "or use Inventory > Reconcile to push Odoo's figures."
        ),
    )


class Reconciler:
    """Compare Shopify and Odoo for every bound item and mapped location."""

    def __init__(self, backend):
        self.backend = backend
        self.env = backend.env
        self.calls = 0

    def execute(self, document, variables):
        self.calls += 1
        return self.client.execute(document, variables)

    def compare(self):
        """(lines, counts): lines are dicts for every pair that differs."""
        backend = self.backend
        self.client = backend._get_client()
        rows = backend._stock_locations()
        items = backend._inventory_items()
        products = self.env["product.product"].browse(sorted(items)).exists()
        published = backend._published_quantities(products, rows) if products else {}
        item_product = {item: product_id for product_id, gids in items.items() for item in gids}
        name = backend.stock_quantity_name
        shopify, tracked = {}, {}
        for row in rows:
            after = None
            while True:
                data = self.execute(
                    queries.LOCATION_INVENTORY_LEVELS, {"id": row.shopify_gid, "after": after, "names": [name]}
                )
                connection = (data.get("location") or {}).get("inventoryLevels")
                if not connection:
                    break
                for node in connection["nodes"]:
                    item = node["item"]["id"]
                    tracked[item] = node["item"]["tracked"]
                    shopify[(item, row.id)] = next(
                        (q["quantity"] for q in node["quantities"] if q["name"] == name), None
                    )
                if not connection["pageInfo"]["hasNextPage"]:
                    break
                after = connection["pageInfo"]["endCursor"]
        lines = []
        counts = {"checked": 0, "drift": 0, "missing": 0, "untracked": 0}
        for item, product_id in item_product.items():
            if product_id not in products.ids:
                continue
            if tracked.get(item) is False:
                counts["untracked"] += 1
                continue
            for row in rows:
                counts["checked"] += 1
                odoo_qty = published[(product_id, row.id)]
                shopify_qty = shopify.get((item, row.id))
                if shopify_qty is None:
                    counts["missing"] += 1
                elif shopify_qty == odoo_qty:
                    continue
                else:
                    counts["drift"] += 1
                lines.append(
                    {
                        "product_id": product_id,
                        "location_map_id": row.id,
                        "inventory_item_gid": item,
                        "shopify_qty": shopify_qty,
                        "odoo_qty": odoo_qty,
                    }
                )
        return lines, counts

    def level(self, line):
        """The level row of a compared line, with what Shopify and Odoo hold (the compare base)."""
        Level = self.env["shopify.sync.stock.level"].sudo()
        level = Level.search(
            [
                ("backend_id", "=", self.backend.id),
                ("inventory_item_gid", "=", line["inventory_item_gid"]),
                ("location_map_id", "=", line["location_map_id"]),
            ]
        )
        values = {
            "shopify_qty": line["shopify_qty"] or 0,
            "shopify_qty_known": line["shopify_qty"] is not None,
            "odoo_qty": line["odoo_qty"],
        }
        if level:
            level.write(values)
            return level
        return Level.create(
            dict(
                values,
                backend_id=self.backend.id,
                product_id=line["product_id"],
                inventory_item_gid=line["inventory_item_gid"],
                location_map_id=line["location_map_id"],
            )
        )

    def push(self, lines):
        """Make Odoo's figures win: remember what Shopify holds (the compare base) and export."""
        for line in lines:
            self.level(line)
        product_ids = sorted({line["product_id"] for line in lines})
        if not product_ids:
            return None
        self.env["shopify.sync.stock.dirty"].sudo()._mark(self.backend, product_ids)
        return self.backend._ensure_export_job()


def summary_of(counts, calls):
    return (
        f"{counts['checked']} item-locations checked in {calls} Shopify calls: {counts['drift']} differ, "
        f"{counts['missing']} not stocked at the location in Shopify, {counts['untracked']} items not tracked."
    )


@register("inventory/reconcile", "inventory", webhook=False)
def reconcile_stock(job):
    backend = job.backend_id
    reconciler = Reconciler(backend)
    lines, counts = reconciler.compare()
    summary = summary_of(counts, reconciler.calls)
    if backend.stock_drift_policy == "flag":
        # The store's drift policy holds for the nightly run too: differences wait for a person,
        # except those that orders explain (not applied yet, or not imported on purpose).
        flagged, explained = [], 0
        for line in [ln for ln in lines if ln["shopify_qty"] is not None]:
            product = job.env["product.product"].browse(line["product_id"])
            queued, skipped = unapplied_order_units(job.env, backend, product)
            if (
                backend.stock_quantity_name == "available"
                and line["shopify_qty"] == line["odoo_qty"] - queued - skipped
            ):
                explained += 1
                continue
            flagged.append(
                record_drift(
                    job.env,
                    backend,
                    reconciler.level(line),
                    line["shopify_qty"],
                    line["odoo_qty"],
                    source=f"reconciliation job {job.id}",
                )
            )
        lines = [ln for ln in lines if ln["shopify_qty"] is None]  # not stocked there in Shopify yet: export
        summary += f" {len(flagged)} differences flagged for review (drift policy), {explained} explained by orders."
    if lines:
        export = reconciler.push(lines)
        summary += f" Odoo's figures are pushed by export job {export.id}."
        job._add_warning(
            "; ".join(
                f"{job.env['product.product'].browse(ln['product_id']).display_name}: Shopify {ln['shopify_qty']}, "
                f"Odoo {ln['odoo_qty']}"
                for ln in lines[:50]
            )
            + (" ..." if len(lines) > 50 else "")
        )
    job._mark_done(summary=summary)
    return None
