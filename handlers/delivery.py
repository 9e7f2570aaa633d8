"""What a Shopify order still has to deliver, kept equal to Shopify after any event.

Per Shopify line (see README "Order lifecycle"):

    sold      = ordered - removed by edits          -> the sale line quantity (invoicing, credit notes)
    current   = sold - refunded (any restock type)  -> Shopify's current_quantity
    kept      = delivered in Odoo - returned by refunds (below 0 while a return's shipment is queued)
    pending   = max(0, current - kept)               -> the open delivery moves of the sale line

Refunds are remembered on the sale order (``shopify_sync_state``) per Shopify line item and refund, from both the
refunds/create event and the ``refunds`` list of every order payload: whichever arrives first
counts a refund once, so an ``orders/updated`` before or after its ``refunds/create`` gives the same
pending delivery. Quantities written by the importer never launch sale_stock's procurement
(``skip_procurement``): that would put back on the delivery what a refund cancelled. The moves are
set here instead, and only by the difference.
"""

import copy
from decimal import Decimal

from ..lib.errors import DataError, TransientError, _lt
from ..lib.gid import payload_gid, to_gid
from ..models.shopify_sync_job import parse_shopify_datetime

ZERO = Decimal(0)
SHIPPED_RESTOCK = ("return", "legacy_restock")
# On sale.shopify_sync_state: {fulfilment GID: {"at": when Shopify cancelled it, "lines": {sale line
# id: units taken back}}} of the fulfilments Shopify cancelled after Odoo delivered them
# (handlers/fulfillments.py).
CANCELLED_FULFILMENTS = "cancelled_fulfilments"


def _state(sale):
    """A copy: the cached value must not be changed in place, or Odoo sees nothing to write."""
    state = copy.deepcopy(sale.shopify_sync_state or {})
    state.setdefault("lines", {})
    state.setdefault("refunds", {})
    return state


def product_key(product):
    """Key of a sale line imported before lines were remembered: its product."""
    return f"product:{product.id}"


def remember_lines(sale, line_keys):
    """``line_keys``: {sale line: (Shopify line item GID, units per Shopify unit)}: the Shopify line
    each sale line stands for (a bundle component stands for its bundle's line)."""
    state = _state(sale)
    state["lines"] = {
        str(line.id): [key or product_key(line.product_id), str(factor)] for line, (key, factor) in line_keys.items()
    }
    sale.shopify_sync_state = state


def remembered_keys(sale):
    """{sale line id: key} of the lines remembered on ``sale``."""
    return {int(line_id): key for line_id, (key, _factor) in _state(sale)["lines"].items()}


def line_key(sale, line_item_gid, product):
    """The key refunds of a Shopify line are kept under on ``sale`` (None: a line it does not have yet)."""
    keys = {key for key, _factor in _state(sale)["lines"].values()}
    if line_item_gid in keys:
        return line_item_gid
    if not keys or product_key(product) in keys or not line_item_gid:
        return product_key(product)
    return None


def remember_refunds(sale, refunds):
    """``refunds``: [(line key, refund GID, units, restock type)]. A refund line already known (from
    the refund event or from an order payload) is not counted twice. One refund may list a line
    twice, e.g. one unit sent back (return) and one never shipped (cancel): kept per refund as
    [units, restock type, units that had shipped]."""
    state = _state(sale)
    new = {}
    for key, refund_gid, quantity, restock_type in refunds:
        known = state["refunds"].setdefault(key, {})
        if refund_gid in known:
            continue
        units, _restock, shipped = new.get((key, refund_gid), (ZERO, None, ZERO))
        shipped += quantity if restock_type in SHIPPED_RESTOCK else ZERO
        new[(key, refund_gid)] = (units + quantity, restock_type, shipped)
    for (key, refund_gid), (units, restock_type, shipped) in new.items():
        state["refunds"][key][refund_gid] = [str(units), restock_type, str(shipped)]
    if new:
        sale.shopify_sync_state = state
    return bool(new)


def _shipped_units(entry):
    """Units of a remembered refund line that had shipped (kept before a refund could mix restock
    types: all or none of it, by its restock type)."""
    if len(entry) > 2:
        return Decimal(entry[2])
    return Decimal(entry[0]) if entry[1] in SHIPPED_RESTOCK else ZERO


def claim_order(sale):
    """Update the sale order's row (to the same values), so that two jobs of one order that decide
    on what the other writes (a fulfilment, and its cancellation arriving at the same time) do not
    both commit on snapshots that miss each other: Odoo's transactions are repeatable read, so the
    second to update the row fails with a serialization error and is retried as a database
    conflict, then sees what the first committed. Locking the row would not do: a lock taken after
    the snapshot leaves the snapshot as it was."""
    sale.env.cr.execute("UPDATE sale_order SET write_date = write_date WHERE id = %s", [sale.id])


def remember_cancelled_fulfilment(sale, fulfilment_gid, units_back, cancelled_at):
    """``units_back``: {sale line: units} a cancelled fulfilment's return brought back. Those units are
    no longer delivered (line_figures), whatever Odoo's own return moves say."""
    state = _state(sale)
    state.setdefault(CANCELLED_FULFILMENTS, {})[fulfilment_gid] = {
        "at": cancelled_at or None,
        "lines": {str(line.id): str(units) for line, units in units_back.items() if units},
    }
    sale.shopify_sync_state = state


def fulfilment_cancelled(sale, fulfilment_gid):
    """Whether the cancellation of this fulfilment was applied to ``sale`` already."""
    return fulfilment_gid in _state(sale).get(CANCELLED_FULFILMENTS, {})


def taken_back(sale, until=None):
    """{sale line id: units} returned by cancelled fulfilments (``until``: those Shopify cancelled
    then or before, an aware datetime)."""
    result = {}
    for cancellation in _state(sale).get(CANCELLED_FULFILMENTS, {}).values():
        when = parse_shopify_datetime(cancellation.get("at"))
        if until and when and when > until:
            continue
        for line_id, units in cancellation["lines"].items():
            result[int(line_id)] = result.get(int(line_id), ZERO) + Decimal(units)
    return result


def _line_keys(sale):
    keys = _state(sale)["lines"]
    result = {}
    for line in sale.order_line.filtered(lambda ln: not ln.display_type):
        key, factor = keys.get(str(line.id), (product_key(line.product_id), "1"))
        result[line] = (key, Decimal(factor))
    return result


def sale_lines_by_key(sale):
    """{Shopify line item GID: [(sale line, units per Shopify unit)]} of the lines remembered on ``sale``."""
    result = {}
    if not _state(sale)["lines"]:
        return result
    for line, (key, factor) in _line_keys(sale).items():
        if not key.startswith("product:"):
            result.setdefault(key, []).append((line, factor))
    return result


def _outgoing(line):
    return line.move_ids.filtered(
        lambda m: m.product_id == line.product_id and m.picking_code == "outgoing" and not m.origin_returned_move_id
    )


def listed_refunds(order_payload, until=None):
    """{Shopify line item GID: {refund GID: [units, restock type]}} of the refunds an ``orders/*``
    body lists (``until``: those made then or before), as remember_refunds keeps them (lines
    remembered by their GID only)."""
    result = {}
    for refund in order_payload.get("refunds") or []:
        made = parse_shopify_datetime(refund.get("created_at") or refund.get("processed_at"))
        if until and made and made > until:
            continue
        refund_gid = payload_gid("Refund", refund)
        for item in refund.get("refund_line_items") or []:
            line_item = item.get("line_item") or {}
            line_gid = to_gid("LineItem", line_item.get("admin_graphql_api_id") or item.get("line_item_id"))
            known = result.setdefault(line_gid, {}).setdefault(refund_gid, ["0", item.get("restock_type")])
            known[0] = str(Decimal(known[0]) + Decimal(str(item.get("quantity") or 0)))
    return result


def refunds_listed_in(sale, order_payload, until=None):
    """The refunds per line key as ``order_payload`` lists them (``until``: those made then or
    before), as kept on ``sale`` (lines remembered by product, imported before lines were kept, keep
    Odoo's)."""
    result = {key: value for key, value in _state(sale)["refunds"].items() if key.startswith("product:")}
    result.update(listed_refunds(order_payload, until))
    return result


def line_figures(sale, refunds=None, returned_by_cancellations=None):
    """{sale line: dict(sold, current, kept, pending, target)} in product units, for goods lines.
    ``delivered``: shipped by the line's deliveries, less what cancelled fulfilments took back.
    ``refunds`` (as kept per line key, see listed_refunds) and ``returned_by_cancellations`` (as
    taken_back) replace those Odoo applied: the figures as they stood at a moment of Shopify's."""
    state = _state(sale)
    refunds = state["refunds"] if refunds is None else refunds
    returned_by_cancellations = taken_back(sale) if returned_by_cancellations is None else returned_by_cancellations
    figures = {}
    for line, (key, factor) in _line_keys(sale).items():
        if line.product_id.type != "consu":
            continue
        refunded = returned = ZERO
        for entry in refunds.get(str(key), {}).values():
            refunded += Decimal(entry[0]) * factor
            returned += _shipped_units(entry) * factor
        moves = _outgoing(line)
        delivered = Decimal(str(sum(moves.filtered(lambda m: m.state == "done").mapped("quantity"))))
        delivered -= returned_by_cancellations.get(line.id, ZERO)
        pending = Decimal(
            str(sum(moves.filtered(lambda m: m.state not in ("done", "cancel")).mapped("product_uom_qty")))
        )
        sold = Decimal(str(line.product_uom_qty))
        current = sold - refunded
        # Returned units were shipped: a return Odoo learns of before the fulfilment that shipped
        # them leaves them to deliver (kept goes below 0 until that fulfilment arrives).
        kept = delivered - returned
        figures[line] = {
            "sold": sold,
            "current": current,
            "delivered": delivered,
            "kept": kept,
            "pending": pending,
            "target": max(ZERO, current - kept),
        }
    return figures


def sync_pending_delivery(sale):
    """Set the open delivery moves of every goods line to ``current - kept``."""
    if sale.state != "sale":
        return
    procurements = []
    for line, figure in line_figures(sale).items():
        difference = figure["target"] - figure["pending"]
        if difference < ZERO:
            _reduce(line, -difference)
        elif difference > ZERO:
            line = line.with_company(line.company_id)
            procurements += line._create_procurements(
                float(difference), line.product_uom_id, line._prepare_procurement_values()
            )
    if procurements:
        sale.env["stock.rule"].run(procurements)
        sale.picking_ids.filtered(lambda p: p.state not in ("cancel", "done")).action_confirm()


def _reduce(line, quantity):
    """Take ``quantity`` off the line's open delivery moves, newest first."""
    left = quantity
    for move in _outgoing(line).filtered(lambda m: m.state not in ("done", "cancel")).sorted("id", reverse=True):
        if left <= ZERO:
            break
        pending = Decimal(str(move.product_uom_qty))
        take = min(left, pending)
        if take == pending:
            move._action_cancel()
        else:
            move._do_unreserve()
            move.product_uom_qty = float(pending - take)
            move._action_assign()
        left -= take


# Refunds and fulfilments run on their own channels and may come before their order, still queued on
# the orders channel. They wait for it as transient failures (queue_job's retry pattern:
# 4 x 10 s, then every minute, then 5 min: about 11 minutes for 10 attempts), then fail as data.
ORDER_WAIT_RETRIES = 10


def _retries(job):
    return job.queue_job_id.retry if job.queue_job_id else ORDER_WAIT_RETRIES


def order_version_before(job, sale, event_time):
    """Whether the version of the order applied to ``sale`` is older than an event of ``event_time``
    (False when the event's time is unknown)."""
    happened = parse_shopify_datetime(event_time)
    if not happened:
        return False
    binding = job.env["shopify.binding"].search(
        [
            ("backend_id", "=", job.backend_id.id),
            ("res_model", "=", "sale.order"),
            ("res_id", "=", sale.id),
            ("resource_type", "=", "Order"),
        ],
        limit=1,
    )
    return not binding.shopify_updated_at or binding.shopify_updated_at < happened


def queued_fulfilment_cancellations(job, sale):
    """Done deliveries of ``sale`` whose Shopify fulfilment's cancellation is stored, not applied yet."""
    pickings = sale.picking_ids.filtered(lambda p: p.state == "done" and p.picking_type_code == "outgoing")
    bindings = job.env["shopify.binding"].search(
        [
            ("backend_id", "=", job.backend_id.id),
            ("res_model", "=", "stock.picking"),
            ("res_id", "in", pickings.ids),
            ("resource_type", "=", "Fulfillment"),
        ]
    )
    queued = job.search(
        [
            ("backend_id", "=", job.backend_id.id),
            ("shopify_gid", "in", bindings.mapped("shopify_gid")),
            ("topic", "=", "fulfillments/update"),
            ("state", "=", "queued"),
            ("id", "!=", job.id),
        ]
    )
    cancelled = {
        update.shopify_gid
        for update in queued
        if ((update._payload_json() or {}).get("status") or "").lower() == "cancelled"
        and not fulfilment_cancelled(sale, update.shopify_gid)
    }
    return pickings.browse([binding.res_id for binding in bindings if binding.shopify_gid in cancelled])


def wait_for_fulfilment_cancellation(job, sale, what):
    """``what`` (an event Odoo cannot apply while goods are delivered) waits, bounded, while the
    cancellation of a fulfilment that delivered goods of ``sale`` is queued: Shopify cancelled it first."""
    waiting = queued_fulfilment_cancellations(job, sale)
    if waiting and _retries(job) < ORDER_WAIT_RETRIES:
        raise TransientError(
            _lt(
                "%(what)s: waiting for the cancellation of the Shopify fulfilment delivered as %(picking)s "
                "(attempt %(attempt)s of %(attempts)s).",
                what=what,
                picking=waiting[0].name,
                attempt=_retries(job) + 1,
                attempts=ORDER_WAIT_RETRIES,
            )
        )


def wait_for_order_update(job, sale, event_time, what):
    """An event about lines the sale order does not have yet: wait while the order version applied is
    older than the event (its orders/updated is still queued), else fail as data."""
    happened = parse_shopify_datetime(event_time)
    behind = not happened or order_version_before(job, sale, event_time)
    if behind and _retries(job) < ORDER_WAIT_RETRIES:
        raise TransientError(
            _lt(
                (
                    "%(what)s is about lines of %(sale)s that Odoo has not received yet: waiting for "
                    "the order's update (attempt %(attempt)s of %(attempts)s)."
                ),
                what=what,
                sale=sale.name,
                attempt=_retries(job) + 1,
                attempts=ORDER_WAIT_RETRIES,
            )
        )
    raise DataError(
        _lt("%(what)s is about lines %(sale)s does not have.", what=what, sale=sale.name),
        fix=_lt("Check the sale order against the order in Shopify, correct it, then Retry; or Ignore."),
    )


def wait_for_shipment(job, what):
    """A return of goods Odoo has not delivered yet: their fulfilment may still be queued. Wait
    (bounded), then go on: the refund reports what it could not take back."""
    if _retries(job) < ORDER_WAIT_RETRIES:
        raise TransientError(
            _lt(
                (
                    "%(what)s returns goods Odoo has not delivered yet: waiting for their fulfilment "
                    "(attempt %(attempt)s of %(attempts)s)."
                ),
                what=what,
                attempt=_retries(job) + 1,
                attempts=ORDER_WAIT_RETRIES,
            )
        )


def wait_for_order(job, order_gid, what):
    """Raise the error for an event whose order is not in Odoo: wait (transient) while the order may
    still come, fail (data, naming the order) once it will not."""
    number = (order_gid or "?").rsplit("/", 1)[-1]
    order_jobs = (
        job.search(
            [("backend_id", "=", job.backend_id.id), ("shopify_gid", "=", order_gid), ("topic", "=like", "orders/%")]
        )
        if order_gid
        else job.browse()
    )
    failed = order_jobs.filtered(lambda j: j.state == "failed")
    earlier = _retries(job)
    if order_gid and not failed and earlier < ORDER_WAIT_RETRIES:
        raise TransientError(
            _lt(
                (
                    "%(what)s is waiting for Shopify order %(number)s, not imported yet (attempt "
                    "%(attempt)s of %(attempts)s)."
                ),
                what=what,
                number=number,
                attempt=earlier + 1,
                attempts=ORDER_WAIT_RETRIES,
            )
        )
    if failed:
        raise DataError(
            _lt(
                "%(what)s is for Shopify order %(number)s, whose import failed (job %(job)s: %(error)s).",
                what=what,
                number=number,
                job=failed[:1].id,
                error=failed[:1].error_message or "",
            ),
            fix=_lt("Fix and Retry that order job first, then press Retry here."),
        )
    raise DataError(
        _lt(
            "%(what)s is for Shopify order %(number)s, which never synced to Odoo: there is no sale order.",
            what=what,
            number=number,
        ),
        fix=_lt("Import the order first (its orders/create job, or a historical import), then press Retry."),
    )
