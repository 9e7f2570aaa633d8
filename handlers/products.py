"""products/create, products/update, products/delete and the on-demand catalog import.

Every Shopify variant ends bound to one Odoo ``product.product`` twice: ``ProductVariant/N`` (orders)
and its ``InventoryItem/M`` (stock levels). A variant finds its product by binding, then SKU, then
barcode (``ProductMatcher``, shared with order lines); what is not found is created or left for the
drift report, per the store's setting. Shopify's options are Odoo attributes; a product whose
options do not fit its Odoo template fails as a data error naming the options. Only the fields the
store says Shopify owns are written on products that already existed.
"""

from ..lib import queries
from ..lib.errors import DataError, _lt
from ..lib.gid import to_gid
from ..lib.product_mapping import (
    catalog_from_bulk_lines,
    catalog_parts,
    combination_differences,
    normalise_sku,
    parse_graphql_product,
    parse_webhook_product,
    shape_differences,
)
from ..lib.registry import register
from ..models.shopify_sync_job import parse_shopify_datetime
from . import bulk

PAGE_SIZE = 20  # products per page of the catalog import: see lib.queries.CATALOG_PRODUCTS for the cost
# Above this many products, "auto" imports through a bulk operation: paging 20 at a time would take
# more than 50 requests (~220 points each by Shopify's rules) and keep one job open for the whole catalog.
CATALOG_BULK_THRESHOLD = 1000
# A bulk result is applied in parts, one job each, so one slow or failing part does not hold the rest.
CATALOG_PART_PRODUCTS = 100
CATALOG_PART_VARIANTS = 1000


class ProductMatcher:
    """The Odoo product of a Shopify variant, by the store's rules (``product_match`` order,
    ``sku_match_mode``). Used by order lines and by the catalog, so both match the same way."""

    def __init__(self, backend):
        self.backend = backend
        self.env = backend.env
        self.company = backend.company_id
        self.bindings = self.env["shopify.binding"]
        self.Product = self.env["product.product"]
        self.bound = {}  # variant GID -> its bound product, empty when unbound (prefetch)

    def prefetch(self, variant_gids):
        """Read the products bound to these variants in one query (one per variant in ``match`` otherwise)."""
        gids = sorted({gid for gid in variant_gids if gid} - set(self.bound))
        if not gids:
            return
        # Bindings to products that still exist (archived included); a binding to a deleted product
        # is not among them: the variant is matched again and its binding repointed (_bind_shared).
        existing = self.Product.sudo().with_context(active_test=False)._search([])
        found = self.bindings.search_fetch(
            [
                ("backend_id", "=", self.backend.id),
                ("shopify_gid", "in", gids),
                ("res_model", "=", self.Product._name),
                ("res_id", "in", existing),
            ],
            ["shopify_gid", "res_id"],
        )
        self.bound.update({gid: self.Product for gid in gids})
        self.bound.update({binding.shopify_gid: self.Product.browse(binding.res_id) for binding in found})

    @property
    def methods(self):
        return self.backend.product_match.split("_")[1:]

    def match(self, variant_gid, sku=None, barcode=None, methods=None):
        """Bound product, else the first method that finds one; empty recordset when none does.
        A reference shared by several Odoo products is a DataError naming them."""
        if variant_gid in self.bound:
            product = self.bound[variant_gid]
        else:
            product = self.bindings._record_for(self.backend, variant_gid) if variant_gid else None
        for method in methods if methods is not None else self.methods:
            if product:
                break
            if method == "sku" and sku:
                product = self.by_sku(sku)
            elif method == "barcode" and barcode:
                product = self.by_barcode(barcode)
        return product or self.Product

    def by_sku(self, sku):
        mode = self.backend.sku_match_mode
        if mode != "normalised":
            return self._unique([("default_code", "=", sku)], f"SKU {sku}")
        key = normalise_sku(sku, mode)
        if not key:
            return self.Product
        self.Product.flush_model(["default_code", "active"])
        # Same normalisation as lib.product_mapping.normalise_sku, in SQL.
        self.env.cr.execute(
            r"""SELECT id FROM product_product
                 WHERE active AND lower(btrim(regexp_replace(default_code, '\s+', ' ', 'g'))) = %s""",
            [key],
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        return self._unique([("id", "in", ids)], f"SKU {sku}") if ids else self.Product

    def by_barcode(self, barcode):
        return self._unique([("barcode", "=", barcode)], f"barcode {barcode}")

    def _unique(self, domain, label):
        products = self.Product.search(domain + [("company_id", "in", [False, self.company.id])], limit=2)
        if len(products) > 1:
            raise DataError(
                _lt(
                    "%(label)s matches several Odoo products: %(products)s.",
                    label=label,
                    products=", ".join(products.mapped("display_name")),
                ),
                fix=_lt("Make the reference unique in Odoo, or bind the variant, then Retry."),
            )
        return products


class CatalogImporter:
    """Applies Shopify products (``lib.product_mapping.Product``) to Odoo for one store."""

    def __init__(self, backend, job=None, create=None):
        self.backend = backend
        self.env = backend.env
        self.job = job
        self.create = backend.unmatched_variants == "create" if create is None else create
        self.owned = backend._shopify_owned_fields()
        self.matcher = ProductMatcher(backend)
        self.bindings = self.env["shopify.binding"]
        self.stats = {"products": 0, "bound": 0, "created": 0, "unmatched": 0, "skipped": 0}
        self.unmatched = []

    def warn(self, text):
        if self.job:
            self.job._add_warning(text)

    # -- one product -----------------------------------------------------------------------

    def apply(self, product):
        backend = self.backend
        updated_at = parse_shopify_datetime(product.updated_at)
        if self.bindings._is_outdated(backend, product.gid, updated_at):
            self.stats["skipped"] += 1
            return self.bindings._record_for(backend, product.gid)
        self.stats["products"] += 1
        # A bundle variant is mapped by its shopify.sync.bundle, never bound to a product.
        bundles = self.env["shopify.sync.bundle"]._for_variants(backend, [v.gid for v in product.variants])
        matched, missing = {}, []
        for variant in product.variants:
            if variant.gid in bundles:
                # Its inventory item publishes the bundle's availability (stock export).
                if variant.inventory_item_gid:
                    self.bindings._bind(
                        backend, variant.inventory_item_gid, bundles[variant.gid].product_id, updated_at=updated_at
                    )
                continue
            found = self.matcher.match(variant.gid, variant.sku, variant.barcode)
            if found:
                matched[variant.gid] = found
            else:
                missing.append(variant)
        template = self._template(product, matched)
        if template and product.has_options:
            self._check_shape(product, template, matched)
        existing = set(matched)
        if missing:
            if self.create:
                template = self._create_missing(product, template, missing, matched)
            else:
                for variant in missing:
                    self.unmatched.append(f"{product.title} / {variant.title} (SKU {variant.sku or '(empty)'})")
                self.stats["unmatched"] += len(missing)
        for variant in product.variants:
            record = matched.get(variant.gid)
            if not record:
                continue
            if variant.gid in existing:
                self._write_owned(product, variant, record)
            self._bind_variant(variant, record, updated_at)
        if template:
            self._write_template(product, template, [matched[v.gid] for v in product.variants if v.gid in existing])
            self.bindings._bind(backend, product.gid, template, updated_at=updated_at)
        return template or None

    def _template(self, product, goods):
        """The Odoo template of a Shopify product: its binding, else the one its variants matched."""
        template = self.bindings._record_for(self.backend, product.gid)
        templates = self.env["product.template"].browse({p.product_tmpl_id.id for p in goods.values()})
        if template and not templates - template:
            return template
        if len(templates) > 1 and product.has_options:
            raise DataError(
                _lt(
                    (
                        "The variants of Shopify product '%(title)s' (%(gid)s) match products of several "
                        "Odoo templates: %(templates)s."
                    ),
                    title=product.title,
                    gid=product.gid,
                    templates=", ".join(templates.mapped("display_name")),
                ),
                fix=_lt("Bind the variants to products of one template (or fix the SKUs), then Retry."),
            )
        return templates[:1] if len(templates) == 1 else (template or templates[:1])

    def _check_shape(self, product, template, goods):
        names = template.attribute_line_ids.attribute_id.mapped("name")
        problems = shape_differences(product.options, names)
        if not problems:
            for variant in product.variants:
                record = goods.get(variant.gid)
                if record:
                    combination = {
                        ptav.attribute_id.name: ptav.name for ptav in record.product_template_attribute_value_ids
                    }
                    wrong = combination_differences(variant.options, combination)
                    if wrong:
                        problems.append(
                            f"variant '{variant.title}' is bound to {record.display_name}: " + "; ".join(wrong)
                        )
        if problems:
            shopify = ", ".join(name for name, _values in product.options) or "none"
            raise DataError(
                _lt(
                    (
                        "Shopify product '%(title)s' (%(gid)s) does not fit Odoo product '%(template)s': "
                        "%(problems)s. Shopify options: %(options)s; Odoo attributes: %(attributes)s."
                    ),
                    title=product.title,
                    gid=product.gid,
                    template=template.display_name,
                    problems="; ".join(problems),
                    options=shopify,
                    attributes=", ".join(names) or "none",
                ),
                fix=_lt(
                    "Make the options in Shopify and the attributes in Odoo agree (or bind the variants to "
                    "the right products), then Retry."
                ),
            )

    # -- creation ----------------------------------------------------------------------------

    def _create_missing(self, product, template, missing, matched):
        if not template:
            template = self.env["product.template"].create(
                {
                    "name": product.title or missing[0].title,
                    "type": "consu",
                    "is_storable": any(v.tracked is not False for v in missing),
                    "list_price": float(min(v.price for v in product.variants)),
                    "company_id": self.backend.company_id.id,
                    "attribute_line_ids": [
                        (0, 0, {"attribute_id": attribute.id, "value_ids": [(6, 0, values.ids)]})
                        for attribute, values in self._attribute_values(product.options)
                    ],
                }
            )
        for variant in missing:
            record = self._variant_of(template, variant)
            if not record or record in matched.values():
                self.unmatched.append(f"{product.title} / {variant.title}: Odoo cannot make this combination")
                self.stats["unmatched"] += 1
                continue
            values = {"default_code": variant.sku or False, "barcode": variant.barcode or False}
            record.write(values)
            matched[variant.gid] = record
            self.stats["created"] += 1
        return template

    def _attribute_values(self, options):
        """[(product.attribute, product.attribute.value recordset)] for Shopify options, created when
        missing. New attributes create variants on demand ('dynamic'), like Shopify, which only has
        the combinations that were made."""
        Attribute = self.env["product.attribute"]
        result = []
        for name, values in options:
            attribute = Attribute.search([("name", "=ilike", name)], limit=1) or Attribute.create(
                {"name": name, "create_variant": "dynamic"}
            )
            result.append((attribute, self._values(attribute, values)))
        return result

    def _values(self, attribute, names):
        Value = self.env["product.attribute.value"]
        found = Value
        for name in names:
            found |= attribute.value_ids.filtered(lambda v, name=name: v.name.strip().lower() == name.strip().lower())[
                :1
            ] or Value.create({"attribute_id": attribute.id, "name": name})
        return found

    def _variant_of(self, template, variant):
        """The Odoo variant of ``template`` with the Shopify variant's option values, adding a
        value Odoo's attribute line lacks; made on demand for dynamic attributes."""
        ptavs = self.env["product.template.attribute.value"]
        for line in template.attribute_line_ids:
            value_name = next(
                (v for k, v in variant.options.items() if k.strip().lower() == line.attribute_id.name.strip().lower()),
                None,
            )
            if value_name is None:
                return None
            value = self._values(line.attribute_id, [value_name])
            if value not in line.value_ids:
                line.value_ids = [(4, value.id)]
            ptavs |= line.product_template_value_ids.filtered(
                lambda p, value=value: p.product_attribute_value_id == value
            )
        existing = template._get_variant_for_combination(ptavs)
        if existing:
            return existing
        if not template.attribute_line_ids:
            return template.product_variant_ids[:1]
        return template._create_product_variant(ptavs) or None

    # -- writes ------------------------------------------------------------------------------

    def _write_owned(self, product, variant, record):
        values = {}
        if "sku" in self.owned and (record.default_code or "") != variant.sku:
            values["default_code"] = variant.sku or False
        if "barcode" in self.owned and (record.barcode or "") != variant.barcode:
            values["barcode"] = variant.barcode or False
        if values:
            record.write(values)

    def _write_template(self, product, template, existing_products):
        """Title, price and status of a template that existed, when Shopify owns them (and the
        template is this Shopify product, not a multi-variant template one variant was bound to)."""
        values = {}
        if not existing_products or (not product.has_options and len(template.product_variant_ids) > 1):
            return
        if "title" in self.owned and product.title and template.name != product.title:
            values["name"] = product.title
        if "price" in self.owned:
            prices = sorted({v.price for v in product.variants})
            if prices and float(prices[0]) != template.list_price:
                values["list_price"] = float(prices[0])
            if len(prices) > 1:
                self.warn(
                    f"'{product.title}': variant prices differ in Shopify ({', '.join(map(str, prices))}); "
                    f"Odoo keeps one sales price per product, set to the lowest. Orders keep Shopify's price."
                )
        if "status" in self.owned:
            active = product.status != "archived"
            if template.active != active:
                values["active"] = active
        if values:
            template.write(values)

    def _bind_variant(self, variant, record, updated_at):
        self.bindings._bind(self.backend, variant.gid, record, updated_at=updated_at)
        if variant.inventory_item_gid:
            self.bindings._bind(self.backend, variant.inventory_item_gid, record, updated_at=updated_at)
        if variant.tracked is not None and record.shopify_sync_inventory_tracked != variant.tracked:
            record.shopify_sync_inventory_tracked = variant.tracked
        self.stats["bound"] += 1

    def summary(self):
        s = self.stats
        text = (
            f"{s['products']} product(s): {s['bound']} variant(s) bound, {s['created']} created, "
            f"{s['unmatched']} left unmatched"
        )
        if s["skipped"]:
            text += f", {s['skipped']} older than the version applied"
        return text + "."


# -- Shopify reads -----------------------------------------------------------------------------


def iter_catalog(backend, client=None):
    """Every product of the store as ``lib.product_mapping.Product``, page by page."""
    client = client or backend._get_client()
    after = None
    while True:
        page = client.execute(queries.CATALOG_PRODUCTS, {"first": PAGE_SIZE, "after": after})["products"]
        for node in page["nodes"]:
            yield parse_graphql_product(node, _all_variants(client, node))
        if not page["pageInfo"]["hasNextPage"]:
            return
        after = page["pageInfo"]["endCursor"]


def fetch_product(backend, gid, client=None):
    client = client or backend._get_client()
    node = client.execute(queries.CATALOG_PRODUCT, {"id": gid})["product"]
    return parse_graphql_product(node, _all_variants(client, node)) if node else None


def _all_variants(client, node):
    variants = node.get("variants") or {}
    nodes = list(variants.get("nodes") or [])
    info = variants.get("pageInfo") or {}
    while info.get("hasNextPage"):
        page = client.execute(queries.CATALOG_PRODUCT_VARIANTS, {"id": node["id"], "after": info["endCursor"]})[
            "product"
        ]["variants"]
        nodes += page["nodes"]
        info = page["pageInfo"]
    return nodes


# -- handlers ----------------------------------------------------------------------------------


def webhook_product(job):
    """The product of a products/create|update body. Shopify details only its first 100 variants
    there and lists every one in ``variant_gids``: a larger product is read whole from the Admin API
    (binding only the first 100 would leave the rest unsold in Odoo without a word). None when the
    product is gone from Shopify since (its products/delete follows)."""
    payload = job._payload_json()
    product = parse_webhook_product(payload)
    listed = {
        entry.get("admin_graphql_api_id")
        for entry in payload.get("variant_gids") or []
        if isinstance(entry, dict) and entry.get("admin_graphql_api_id")
    }
    if not listed - {v.gid for v in product.variants}:
        return product
    return fetch_product(job.backend_id, product.gid)


@register("products/create", "product")
@register("products/update", "product")
def import_product(job):
    importer = CatalogImporter(job.backend_id, job)
    product = webhook_product(job)
    if product is None:
        job._mark_done(summary="The product is no longer in Shopify: nothing imported (products/delete follows).")
        return None
    template = importer.apply(product)
    if importer.unmatched:
        job._add_warning("Left unmatched (see the catalog drift report): " + "; ".join(importer.unmatched))
    job._mark_done(summary=importer.summary())
    return template


@register("products/delete", "product")
def delete_product(job):
    """The product is gone from Shopify: its bindings (product, variants, inventory items) are
    removed so nothing is sent for it any more. The Odoo product stays (it has sales and stock
    history); it is archived only when the store says Shopify owns product status."""
    backend, bindings = job.backend_id, job.env["shopify.binding"]
    gid = to_gid("Product", job._payload_json().get("id"))
    template = bindings._record_for(backend, gid)
    if not template:
        job._mark_done(summary=f"{gid} was not bound to an Odoo product: nothing to do.")
        return None
    variants = template.with_context(active_test=False).product_variant_ids
    rows = bindings.search(
        [
            ("backend_id", "=", backend.id),
            "|",
            ("shopify_gid", "=", gid),
            "&",
            ("res_model", "=", "product.product"),
            ("res_id", "in", variants.ids),
        ]
    )
    kept = _bindings_still_in_shopify(backend, rows, gid)
    rows -= kept
    count = len(rows)
    rows.unlink()
    # Another Shopify product still sells these Odoo products: they stay active.
    archived = "status" in backend._shopify_owned_fields() and template.active and not kept
    if archived:
        template.active = False
    summary = f"{count} binding(s) of {template.display_name} removed"
    if kept:
        summary += f"; {len(kept)} kept: Shopify still has those variants under another product"
    job._mark_done(summary=summary + ("; product archived." if archived else "; the Odoo product is kept."))
    return template


def _bindings_still_in_shopify(backend, rows, deleted_gid):
    """Among the variant and inventory-item bindings of a deleted product's Odoo products, those of
    variants Shopify still has under another product (a duplicate matched to the same Odoo products
    by SKU): products/delete carries only the product id, so Shopify is asked."""
    variant_gids = [r.shopify_gid for r in rows if r.shopify_gid.startswith("gid://shopify/ProductVariant/")]
    if not variant_gids:
        return rows.browse()
    client = backend._get_client()
    alive = set()
    for start in range(0, len(variant_gids), 250):  # Shopify's limit of ids per nodes() query
        nodes = client.execute(queries.VARIANT_PRODUCTS, {"ids": variant_gids[start : start + 250]})["nodes"]
        for node in nodes:
            if node and (node.get("product") or {}).get("id") not in (None, deleted_gid):
                alive.add(node["id"])
                if node.get("inventoryItem"):
                    alive.add(node["inventoryItem"]["id"])
    return rows.filtered(lambda r: r.shopify_gid in alive)


@register("catalog/import", "historical", webhook=False)
def import_catalog(job):
    """Every product of the store, paged or, for large catalogs, through a bulk operation.

    Payload: ``create`` (unmatched variants), ``mode`` (paginated / bulk / auto: bulk above
    CATALOG_BULK_THRESHOLD products). A bulk import is three kinds of job: the one that starts the
    operation, one that waits for its file and splits it, then one job per part of the catalog.
    """
    options = job._payload_json() or {}
    backend = job.backend_id
    if "products" in options:
        products = [parse_graphql_product(entry["product"], entry["variants"]) for entry in options["products"]]
        return _apply_catalog(job, products, options.get("create"))
    client = backend._get_client()
    if options.get("bulk_operation_id"):
        return _split_bulk_catalog(job, client, options)
    products = _read_catalog(job, client, options, "Catalog")
    return None if products is None else _apply_catalog(job, products, options.get("create"))


def _read_catalog(job, client, options, label):
    """The store's products to use now (paged), or None when a bulk operation was started instead
    (a follow-up job with ``bulk_operation_id`` reads its result)."""
    mode = options.get("mode") or "paginated"
    if mode == "auto":
        count = client.execute(queries.PRODUCTS_COUNT, {})["productsCount"]
        mode = "bulk" if count and count["count"] > CATALOG_BULK_THRESHOLD else "paginated"
    if mode != "bulk":
        return iter_catalog(job.backend_id, client)
    operation = bulk.start(client, queries.BULK_CATALOG_QUERY, label.lower())
    _catalog_follow_up(job, dict(options, bulk_operation_id=operation), f"{label} (bulk result)")
    job._mark_done(summary=f"Bulk operation {operation} started; the next job reads its result.")
    return None


def _bulk_catalog(job, client, options):
    lines = bulk.result_lines(
        job, client, options["bulk_operation_id"], access_fix=_lt("Grant the app read_products, then start it again.")
    )
    return catalog_from_bulk_lines(lines)


def _split_bulk_catalog(job, client, options):
    entries = _bulk_catalog(job, client, options)
    parts = catalog_parts(entries, CATALOG_PART_PRODUCTS, CATALOG_PART_VARIANTS)
    for number, part in enumerate(parts, start=1):
        _catalog_follow_up(
            job, {"create": options.get("create"), "products": part}, f"Catalog part {number}/{len(parts)}"
        )
    job._mark_done(
        summary=f"Bulk result: {len(entries)} product(s) "
        f"({sum(len(e['variants']) for e in entries)} variants) queued in {len(parts)} part(s)."
    )
    return None


def _catalog_follow_up(job, payload, ref):
    follow = job.env["shopify.sync.job"]._create_outbound(
        job.backend_id, job.workflow, job.topic, payload=payload, ref=ref
    )
    follow._enqueue()
    return follow


def _apply_catalog(job, products, create):
    """Apply ``products``. One product that cannot be applied (shape conflict, ambiguous SKU) is
    rolled back alone and listed in the job's warnings; the rest are imported."""
    importer = CatalogImporter(job.backend_id, job, create=create)
    failures = []
    for product in products:
        try:
            with job.env.cr.savepoint():
                importer.apply(product)
        except DataError as err:
            job.env.invalidate_all()  # the savepoint rolled back: forget what the cache still holds
            failures.append(f"{product.title} ({product.gid}): {err.message}")
    if importer.unmatched:
        job._add_warning("Left unmatched (see the catalog drift report): " + "; ".join(importer.unmatched[:200]))
    if failures:
        job._add_warning("Not imported:\n" + "\n".join(failures[:200]))
    summary = importer.summary()
    if failures:
        summary += f" {len(failures)} product(s) not imported (see warnings)."
    job._mark_done(summary=summary)
    return None


@register("catalog/drift", "scheduled", webhook=False)
def check_catalog_drift(job):
    """Compare the whole Shopify catalog with Odoo (paged, or a bulk operation for large stores)."""
    options = job._payload_json() or {}
    client = job.backend_id._get_client()
    if options.get("bulk_operation_id"):
        products = [parse_graphql_product(e["product"], e["variants"]) for e in _bulk_catalog(job, client, options)]
    else:
        products = _read_catalog(job, client, options, "Catalog drift")
        if products is None:
            return None
    rows = job.env["shopify.sync.catalog.drift"]._refresh(job.backend_id, products)
    job._mark_done(summary=f"Catalog drift: {len(rows)} finding(s).")
    return None
