"""Shopify products (webhook REST shape or GraphQL nodes) -> one plain structure, and the pure rules
of catalog matching: SKU normalisation, variant-shape comparison, bundle availability. No ORM."""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from .bulk_jsonl import group_by_parent
from .gid import payload_gid, to_gid
from .order_mapping import money

# A product without options has one option "Title" with value "Default Title" in Shopify.
DEFAULT_OPTION = ("title", "default title")
_SPACES = re.compile(r"\s+")


def normalise_sku(sku, mode="exact"):
    """The SKU as compared: verbatim ("exact"), or trimmed, lower-cased and with inner runs of
    whitespace made one space ("normalised"): "Product-A " and "product-a" are then one SKU."""
    if sku is None:
        return ""
    if mode == "normalised":
        return _SPACES.sub(" ", sku).strip().lower()  # lower(), like the SQL side
    return sku


@dataclass
class Variant:
    gid: str
    title: str = ""
    sku: str = ""
    barcode: str = ""
    price: Decimal = Decimal(0)
    options: dict = field(default_factory=dict)  # option name -> value, as Shopify spells them
    inventory_item_gid: str = None
    tracked: bool = None  # None: the payload does not say


@dataclass
class Product:
    gid: str
    title: str = ""
    status: str = "active"  # active, draft, archived (lower case)
    options: list = field(default_factory=list)  # [(name, [values])], real options only
    variants: list = field(default_factory=list)
    updated_at: str = None

    @property
    def has_options(self):
        return bool(self.options)


def _real_options(options):
    """Drop Shopify's placeholder option of single-variant products."""
    return [
        (name, values)
        for name, values in options
        if (name.strip().lower(), tuple(v.strip().lower() for v in values)) != (DEFAULT_OPTION[0], (DEFAULT_OPTION[1],))
    ]


def parse_webhook_product(payload):
    """products/create and products/update body (REST shape) -> Product."""
    options = [
        (o.get("name") or "", [str(v) for v in o.get("values") or []])
        for o in sorted(payload.get("options") or [], key=lambda o: o.get("position") or 0)
    ]
    names = [name for name, _values in options]
    variants = []
    for raw in payload.get("variants") or []:
        selected = {}
        for position in (1, 2, 3):
            value = raw.get(f"option{position}")
            if value is not None and position <= len(names):
                selected[names[position - 1]] = str(value)
        tracked = None
        if "inventory_management" in raw:  # older versions: "shopify" when Shopify tracks stock
            tracked = raw.get("inventory_management") == "shopify"
        variants.append(
            Variant(
                gid=payload_gid("ProductVariant", raw),
                title=raw.get("title") or "",
                sku=raw.get("sku") or "",
                barcode=raw.get("barcode") or "",
                price=money(raw.get("price")),
                options=selected,
                inventory_item_gid=to_gid("InventoryItem", raw.get("inventory_item_id")),
                tracked=tracked,
            )
        )
    return _product(
        payload_gid("Product", payload),
        payload.get("title"),
        payload.get("status") or "active",
        options,
        variants,
        payload.get("updated_at"),
    )


def parse_graphql_product(node, variant_nodes=None):
    """A ``products`` node (see lib.queries.CATALOG_PRODUCTS) -> Product. ``variant_nodes`` replaces
    the node's own first page of variants when the caller fetched them all."""
    options = [(o["name"], [v["name"] for v in o.get("optionValues") or []]) for o in node.get("options") or []]
    if variant_nodes is None:
        variant_nodes = (node.get("variants") or {}).get("nodes") or []
    variants = []
    for raw in variant_nodes:
        item = raw.get("inventoryItem") or {}
        variants.append(
            Variant(
                gid=raw["id"],
                title=raw.get("title") or "",
                sku=raw.get("sku") or "",
                barcode=raw.get("barcode") or "",
                price=money(raw.get("price")),
                options={o["name"]: o["value"] for o in raw.get("selectedOptions") or []},
                inventory_item_gid=item.get("id"),
                tracked=item.get("tracked"),
            )
        )
    return _product(
        node["id"], node.get("title"), node.get("status") or "ACTIVE", options, variants, node.get("updatedAt")
    )


def _product(gid, title, status, options, variants, updated_at):
    """The Product both payload shapes become: Shopify's placeholder option ("Title") dropped."""
    product = Product(
        gid=gid,
        title=title or "",
        status=status.lower(),
        options=_real_options(options),
        variants=variants,
        updated_at=updated_at,
    )
    _drop_placeholder_values(product)
    return product


def catalog_from_bulk_lines(lines):
    """A bulk catalog result (lib.queries.BULK_CATALOG_QUERY) as [{"product": node, "variants":
    [variant nodes]}], ready for ``parse_graphql_product(entry["product"], entry["variants"])``."""
    return [{"product": node, "variants": variants} for node, variants in group_by_parent(lines)]


def catalog_parts(entries, max_products=100, max_variants=1000):
    """Split bulk catalog entries into parts of at most ``max_products`` products and, unless one
    product alone has more, ``max_variants`` variants: each part is one short job."""
    parts, current, variants = [], [], 0
    for entry in entries:
        count = len(entry["variants"])
        if current and (len(current) >= max_products or variants + count > max_variants):
            parts.append(current)
            current, variants = [], 0
        current.append(entry)
        variants += count
    if current:
        parts.append(current)
    return parts


def _drop_placeholder_values(product):
    names = {name for name, _values in product.options}
    for variant in product.variants:
        variant.options = {k: v for k, v in variant.options.items() if k in names}


def shape_differences(shopify_options, odoo_attribute_names):
    """Why a Shopify product's options do not fit an Odoo template's attributes ([] when they do).

    Names compare case-insensitively. Values are not part of the shape: a value Odoo lacks is added
    (or the variant left unmatched) by the importer."""
    shopify = {name.strip().lower(): name for name, _values in shopify_options}
    odoo = {name.strip().lower(): name for name in odoo_attribute_names}
    problems = [
        f"option '{shopify[key]}' is not an attribute of the Odoo product" for key in sorted(set(shopify) - set(odoo))
    ]
    problems += [
        f"Odoo attribute '{odoo[key]}' is not an option in Shopify" for key in sorted(set(odoo) - set(shopify))
    ]
    return problems


def combination_differences(shopify_selected, odoo_combination):
    """Options where a matched Odoo variant's values differ from the Shopify variant's:
    ["Size: Shopify 'M', Odoo 'L'"]. Both are {option name: value}; case-insensitive."""
    odoo = {k.strip().lower(): v for k, v in odoo_combination.items()}
    problems = []
    for name, value in shopify_selected.items():
        other = odoo.get(name.strip().lower())
        if other is not None and other.strip().lower() != value.strip().lower():
            problems.append(f"{name}: Shopify '{value}', Odoo '{other}'")
    return problems


def bundle_availability(components, quantities):
    """Whole bundles that can be made: min over components of floor(available / per bundle).

    ``components``: [(product_id, quantity per bundle)]; ``quantities``: {product_id: available}.
    A missing or negative quantity counts as 0; a bundle without components has 0."""
    if not components:
        return 0
    result = None
    for product_id, per_bundle in components:
        per_bundle = Decimal(str(per_bundle))
        if per_bundle <= 0:
            continue
        available = max(Decimal(str(quantities.get(product_id) or 0)), Decimal(0))
        count = int(available // per_bundle)
        result = count if result is None else min(result, count)
    return result or 0
