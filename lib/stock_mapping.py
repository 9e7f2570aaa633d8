"""Stock export arithmetic, kept pure (no Odoo) so it is testable alone: safety buffer, what to
send (only what changed, with the value Shopify is expected to hold), batching, and reading
``inventorySetQuantities`` user errors."""

import math
from decimal import Decimal

# Shopify accepts at most 250 quantities in one inventorySetQuantities call.
MAX_QUANTITIES_PER_CALL = 250
# Codes meaning "Shopify's quantity is not what you said it was": somebody changed it meanwhile.
STALE_CODES = {"CHANGE_FROM_QUANTITY_STALE", "COMPARE_QUANTITY_STALE"}


def buffered_quantity(quantity, buffer_type="units", buffer_value=0):
    """Whole units to publish: Odoo's quantity minus the safety buffer, never below zero.

    ``units`` subtracts a fixed number; ``percent`` holds back that share of the stock (rounded up,
    so the buffer never shrinks to nothing by rounding). Fractions of a unit are never published.
    """
    quantity = Decimal(str(quantity or 0))
    value = Decimal(str(buffer_value or 0))
    if value < 0:
        value = Decimal(0)
    if buffer_type == "percent":
        held = (quantity * value / 100) if quantity > 0 else Decimal(0)
        held = Decimal(math.ceil(held))
    else:
        held = value
    return max(0, math.floor(quantity - held))


def plan_quantities(targets, known):
    """Quantities to send: one per (item, location) whose target differs from what Shopify holds.

    ``targets``: {(item_gid, location_gid): int}; ``known``: {(item_gid, location_gid): int or None}
    (what Shopify held after our last export, or last read; None or absent = never known).
    Unknown pairs are sent with ``changeFromQuantity: null`` (no compare is possible yet).
    """
    planned = []
    for (item, location), quantity in sorted(targets.items()):
        before = known.get((item, location))
        if before is not None and before == quantity:
            continue
        planned.append(
            {
                "inventoryItemId": item,
                "locationId": location,
                "quantity": int(quantity),
                "changeFromQuantity": before,
            }
        )
    return planned


def batches(items, size=MAX_QUANTITIES_PER_CALL):
    """Consecutive slices of at most ``size``."""
    size = max(1, min(size, MAX_QUANTITIES_PER_CALL))
    return [items[start : start + size] for start in range(0, len(items), size)]


def coalesce(changes):
    """Many changes to the same key in a burst make one, carrying the latest value.

    ``changes``: iterable of (key, value) in the order they happened."""
    latest = {}
    for key, value in changes:
        latest[key] = value
    return latest


def split_user_errors(user_errors, quantities):
    """Sort a batch's userErrors into (stale indexes, other messages).

    Shopify points at the offending quantity with ``field``: ["input", "quantities", "3", ...].
    A stale error without an index makes the whole batch suspect."""
    stale, other = set(), []
    for error in user_errors or []:
        index = _quantity_index(error.get("field"))
        if error.get("code") in STALE_CODES:
            if index is None:
                stale.update(range(len(quantities)))
            else:
                stale.add(index)
            continue
        where = ""
        if index is not None and index < len(quantities):
            where = f" ({quantities[index]['inventoryItemId']} at {quantities[index]['locationId']})"
        other.append(f"{error.get('code') or 'ERROR'}: {error.get('message')}{where}")
    return sorted(stale), other


def _quantity_index(field):
    field = list(field or [])
    for position, name in enumerate(field[:-1]):
        if name == "quantities" and str(field[position + 1]).isdigit():
            return int(field[position + 1])
    return None
