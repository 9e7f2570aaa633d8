"""A Shopify store's inventory kept in a dict and served through the stand-in's root fields
(``install(standin)``). No Odoo import: the stock benchmark uses it too."""

LOC_A = "gid://shopify/Location/1001"
LOC_B = "gid://shopify/Location/1002"


class FakeShopifyInventory:
    """Quantities per (inventory item, location) and quantity name, like Shopify keeps them."""

    def __init__(self):
        self.quantities = {}  # (item, location) -> {"available": n, "on_hand": n}
        self.untracked = set()
        self.deleted = set()  # items Shopify no longer has: nodes() answers null for them
        self.variants = {}  # ProductVariant gid -> its InventoryItem gid
        self.locations = [
            {"id": LOC_A, "name": "Main warehouse", "isActive": True, "fulfillsOnlineOrders": True},
            {"id": LOC_B, "name": "Pop-up store", "isActive": True, "fulfillsOnlineOrders": True},
        ]

    def install(self, standin):
        standin.root.update(
            {
                "locations": self.locations_page,
                "inventorySetQuantities": self.set_quantities,
                "nodes": self.nodes,
                "location": self.location,
            }
        )

    def qty(self, item, location, name="available"):
        return self.quantities.get((item, location), {}).get(name)

    def locations_page(self, _info, first=50, after=None, **_args):
        start = int(after or 0)
        page = self.locations[start : start + first]
        end = start + len(page)
        return {"nodes": page, "pageInfo": {"hasNextPage": end < len(self.locations), "endCursor": str(end)}}

    def set_quantities(self, _info, input):
        errors_ = []
        for index, quantity in enumerate(input["quantities"]):
            key = (quantity["inventoryItemId"], quantity["locationId"])
            current = self.quantities.get(key, {}).get(input["name"], 0)
            expected = quantity["changeFromQuantity"]
            if expected is not None and expected != current:
                errors_.append(
                    {
                        "field": ["input", "quantities", str(index), "changeFromQuantity"],
                        "message": "The specified compare quantity does not match the current quantity.",
                        "code": "CHANGE_FROM_QUANTITY_STALE",
                    }
                )
        if errors_:  # Shopify applies all or nothing
            return {"inventoryAdjustmentGroup": None, "userErrors": errors_}
        for quantity in input["quantities"]:
            self.quantities.setdefault((quantity["inventoryItemId"], quantity["locationId"]), {})[input["name"]] = (
                quantity["quantity"]
            )
        return {"inventoryAdjustmentGroup": {"id": "gid://shopify/InventoryAdjustmentGroup/1"}, "userErrors": []}

    def _levels(self, item, names):
        return [
            {"location": {"id": location}, "quantities": [{"name": n, "quantity": values.get(n, 0)} for n in names]}
            for (it, location), values in sorted(self.quantities.items())
            if it == item
        ]

    def nodes(self, _info, ids):
        return [
            self._variant(gid)
            if "/ProductVariant/" in gid
            else {
                "__typename": "InventoryItem",
                "id": gid,
                "tracked": gid not in self.untracked,
                "inventoryLevels": lambda _i, names=("available",), item=gid, **_a: {
                    "nodes": self._levels(item, names)
                },
            }
            if gid not in self.deleted
            else None
            for gid in ids
        ]

    def _variant(self, gid):
        item = self.variants.get(gid)
        if not item:
            return None
        return {
            "__typename": "ProductVariant",
            "id": gid,
            "inventoryItem": {"id": item, "tracked": item not in self.untracked},
        }

    def location(self, _info, id=None):
        def levels(_i, first=50, after=None, **_a):
            rows = [(item, values) for (item, location), values in sorted(self.quantities.items()) if location == id]
            start = int(after or 0)
            page = rows[start : start + first]
            end = start + len(page)
            return {
                "nodes": [
                    {
                        "item": {"id": item, "tracked": item not in self.untracked},
                        "quantities": lambda _q, names, values=values: [
                            {"name": n, "quantity": values.get(n, 0)} for n in names
                        ],
                    }
                    for item, values in page
                ],
                "pageInfo": {"hasNextPage": end < len(rows), "endCursor": str(end)},
            }

        return {"id": id, "inventoryLevels": levels}
