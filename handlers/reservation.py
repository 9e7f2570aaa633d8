"""stock/reserve: reserve the deliveries Shopify order jobs confirmed without reserving.

One job per store at a time reserves every marked move, oldest confirmation first (Odoo's own
order: priority, date, id), then clears the marks, whether the stock was there or not: a move
left waiting for stock is reserved as any other, when goods arrive or by Odoo's scheduler.
See models/stock_move.py for why order jobs do not reserve themselves.
"""

from ..lib.registry import register
from ..models.stock_move import RESERVABLE_STATES, RESERVE_TOPIC


def awaiting_units(env, backend, product):
    """Units of ``product`` in deliveries of the store's imported orders not reserved yet: Shopify
    took them off 'available' at checkout, Odoo does when the reservation job runs."""
    moves = (
        env["stock.move"]
        .sudo()
        .search(
            [
                ("shopify_sync_reserve_backend_id", "=", backend.id),
                ("product_id", "=", product.id),
                ("state", "in", RESERVABLE_STATES),
            ]
        )
    )
    return int(sum(move.product_qty - move.quantity for move in moves))


@register(RESERVE_TOPIC, "inventory", webhook=False)
def reserve_deferred_deliveries(job):
    backend = job.backend_id
    marked = job.env["stock.move"].search(
        [("shopify_sync_reserve_backend_id", "=", backend.id)], order="priority desc, date, id"
    )
    todo = marked.filtered(lambda m: m.state in RESERVABLE_STATES)
    todo._action_assign()
    marked.shopify_sync_reserve_backend_id = False
    ready = todo.filtered(lambda m: m.state == "assigned")
    pickings = todo.picking_id
    job._mark_done(
        summary=f"{len(todo)} delivery moves of {len(pickings)} transfers reserved: {len(ready)} fully, "
        f"{len(todo) - len(ready)} waiting for stock."
        if todo
        else "Nothing left to reserve."
    )
    return pickings[:1] if len(pickings) == 1 else None
