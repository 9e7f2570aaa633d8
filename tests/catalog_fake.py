"""A Shopify store's catalog served through the stand-in's root fields, as the catalog import reads
it (paged, or whole for a bulk query). No Odoo import: the catalog benchmark uses it too."""


def gql_variant(number, sku="", barcode=None, price="10.00", options=None, tracked=True):
    """A ProductVariant node as lib.queries.CATALOG_PRODUCTS asks for it."""
    selected = [{"name": k, "value": v} for k, v in (options or {"Title": "Default Title"}).items()]
    return {
        "id": f"gid://shopify/ProductVariant/{number}",
        "title": " / ".join(o["value"] for o in selected),
        "sku": sku,
        "barcode": barcode,
        "price": price,
        "selectedOptions": selected,
        "inventoryItem": {"id": f"gid://shopify/InventoryItem/{number + 50000}", "tracked": tracked},
    }


def gql_product(number, title, variants, options=None, status="ACTIVE", more_variants=None):
    options = options or [("Title", ["Default Title"])]
    return {
        "id": f"gid://shopify/Product/{number}",
        "title": title,
        "status": status,
        "updatedAt": "2026-11-20T10:00:00Z",
        "options": [{"name": name, "optionValues": [{"name": v} for v in values]} for name, values in options],
        "variants": {
            "nodes": variants,
            "pageInfo": {"hasNextPage": bool(more_variants), "endCursor": "v1" if more_variants else None},
        },
        "_more_variants": more_variants or [],
    }


def serve_catalog(standin, products):
    """Answer products / product(id) from ``products`` (gql_product dicts): pages of ``first``
    for the paged import, everything when a bulk query asks without ``first``."""
    by_id = {p["id"]: p for p in products}

    def with_variants(node):
        everything = node["variants"]["nodes"] + node["_more_variants"]

        def variants(_info, first=None, after=None, **_a):
            if first is None:  # bulk: the whole connection
                return {
                    "edges": [{"node": v} for v in everything],
                    "nodes": everything,
                    "pageInfo": {"hasNextPage": False, "endCursor": None},
                }
            if after:
                return {"nodes": node["_more_variants"], "pageInfo": {"hasNextPage": False, "endCursor": None}}
            return node["variants"]

        return dict(node, variants=variants)

    def products_page(_info, first=None, after=None, **_args):
        start = int(after or 0)
        page = [with_variants(p) for p in products[start : start + first if first else None]]
        end = start + len(page)
        return {
            "nodes": page,
            "edges": [{"node": p} for p in page],
            "pageInfo": {"hasNextPage": end < len(products), "endCursor": str(end)},
        }

    def product(_info, id):  # noqa: A002 - the GraphQL argument's name
        node = by_id.get(id)
        return with_variants(node) if node else None

    standin.root["products"] = products_page
    standin.root["product"] = product
    standin.root["productsCount"] = {"count": len(products), "precision": "EXACT"}
