"""Shopify order webhook payload -> plain, Decimal-exact structure (no ORM).

Every amount is read from Shopify's strings as Decimal, in the currency the backend asked for:
``shop`` money (the store's currency, what the books are kept in) or ``presentment`` money (what
the customer paid in). The handler turns this structure into Odoo records; keeping the parsing
here makes it testable on payloads alone.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from .gid import payload_gid, to_gid

ZERO = Decimal("0")
CENT = Decimal("0.01")


def money(value):
    """Decimal of a Shopify amount string ("89.99"); None and "" are zero. Never via float."""
    if value is None or value == "":
        return ZERO
    if isinstance(value, float):
        raise TypeError("Shopify amounts are strings (or Decimal-parsed numbers); refusing a float")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def amount(obj, name, currency_mode="shop"):
    """``obj[name]`` in the requested currency, preferring ``obj[name + "_set"]``."""
    money_set = obj.get(f"{name}_set") or {}
    bag = money_set.get(f"{currency_mode}_money") if isinstance(money_set, dict) else None
    if bag and bag.get("amount") is not None:
        return money(bag["amount"])
    return money(obj.get(name))


@dataclass
class TaxLine:
    title: str
    rate: Decimal  # fraction, 0.0725 for 7.25 %
    amount: Decimal

    @property
    def percent(self):
        return (self.rate * 100).normalize()


@dataclass
class OrderLine:
    kind: str  # product, gift_card, shipping, tip, duty, fee
    title: str
    quantity: Decimal  # sold: ordered minus removed by edits (refunded units stay: credit notes carry them)
    unit_price: Decimal
    discount: Decimal = ZERO  # money, all discount allocations on the line
    taxes: list = field(default_factory=list)
    custom: bool = False  # a custom item: no variant, product or SKU in Shopify (admin, draft order, fee)
    gid: str = None
    variant_gid: str = None
    product_gid: str = None
    sku: str = None
    ordered: Decimal = None  # Shopify's ``quantity``: ordered, removed and refunded units included
    refunds: list = field(default_factory=list)  # LineRefund of the refunds the payload lists

    @property
    def gross(self):
        return self.unit_price * self.quantity

    @property
    def net(self):
        return self.gross - self.discount

    @property
    def tax_amount(self):
        return sum((t.amount for t in self.taxes), ZERO)


@dataclass
class LineRefund:
    refund_gid: str
    quantity: Decimal
    restock_type: str  # no_restock, cancel, return, legacy_restock


@dataclass
class Order:
    gid: str
    name: str
    updated_at: str
    currency: str
    taxes_included: bool
    financial_status: str
    cancelled_at: str
    test: bool
    email: str
    phone: str
    customer: dict
    billing_address: dict
    shipping_address: dict
    gateways: list
    lines: list
    total_price: Decimal
    total_tax: Decimal
    subtotal_price: Decimal
    total_discounts: Decimal
    discount_codes: list
    note: str = None
    source_name: str = None  # "web", "pos", "shopify_draft_order", an app's id...
    location_gid: str = None  # where a POS sale was made
    company_gid: str = None  # B2B: the purchasing company
    company_location_gid: str = None

    @property
    def total_untaxed(self):
        return self.total_price - self.total_tax

    def lines_of(self, kind):
        return [line for line in self.lines if line.kind == kind]


def _taxes(obj, currency_mode):
    """The taxes Shopify charged on a line. A 0.00 tax line is not a tax on the line: Shopify sends
    one at the shop's rate for non-taxable items, tax-exempt customers and items whose tax rounds
    to nothing, and applying its rate in Odoo would charge what Shopify did not."""
    return [
        TaxLine(title=t.get("title") or "", rate=money(t.get("rate")), amount=amount(t, "price", currency_mode))
        for t in obj.get("tax_lines") or []
        if amount(t, "price", currency_mode)
    ]


def _discount(obj, currency_mode):
    return sum((amount(a, "amount", currency_mode) for a in obj.get("discount_allocations") or []), ZERO)


def _refunds_by_line(payload):
    """{line item gid: [LineRefund]} of the refunds an order payload lists."""
    result = {}
    for refund in payload.get("refunds") or []:
        refund_gid = payload_gid("Refund", refund)
        for item in refund.get("refund_line_items") or []:
            line_item = item.get("line_item") or {}
            line_gid = to_gid("LineItem", line_item.get("admin_graphql_api_id") or item.get("line_item_id"))
            result.setdefault(line_gid, []).append(
                LineRefund(
                    refund_gid, Decimal(str(item.get("quantity") or 0)), item.get("restock_type") or "no_restock"
                )
            )
    return result


def current_quantity(item, refunds):
    """Units sold on a line: Shopify's ``current_quantity`` (ordered minus refunded and removed) plus the
    refunded units the payload lists, i.e. ordered minus removed by order edits. Without
    ``current_quantity``, or without the ``refunds`` list that tells refunded from removed units
    (GraphQL pulls), Shopify's ``quantity``."""
    ordered = Decimal(str(item.get("quantity") or 0))
    current = item.get("current_quantity")
    if current is None or refunds is None:
        return ordered
    refunded = sum((refund.quantity for refund in refunds.get(payload_gid("LineItem", item), [])), ZERO)
    return min(ordered, Decimal(str(current)) + refunded)


def _tip(payload, lines, currency_mode):
    """The tip in the requested money. Webhooks give ``total_tip_received`` in shop money only
    (pulled orders carry both); in the customer's money the tip is then what Shopify's total
    holds beyond the lines, shipping, duties, fees and tax."""
    shop_tip = money(payload.get("total_tip_received"))
    if (
        payload.get("total_tip_received_set")
        or currency_mode == "shop"
        or not shop_tip
        or payload.get("presentment_currency") in (None, payload.get("currency"))
    ):
        return amount(payload, "total_tip_received", currency_mode)
    total = amount(payload, "total_price", currency_mode)
    others = sum((line.net for line in lines), ZERO)
    if not payload.get("taxes_included"):
        others += amount(payload, "total_tax", currency_mode)
    return total - others


def parse_order(payload, currency_mode="shop"):
    """Parse an ``orders/*`` webhook body (REST resource shape)."""
    lines = []
    refunds = _refunds_by_line(payload) if "refunds" in payload else None
    for item in payload.get("line_items") or []:
        lines.append(
            OrderLine(
                kind="gift_card" if item.get("gift_card") else "product",  # a gift card sold is a debt, not goods
                title=item.get("name") or item.get("title") or "",
                quantity=current_quantity(item, refunds),
                ordered=Decimal(str(item.get("quantity") or 0)),
                refunds=(refunds or {}).get(payload_gid("LineItem", item), []),
                unit_price=amount(item, "price", currency_mode),
                discount=_discount(item, currency_mode),
                taxes=_taxes(item, currency_mode),
                gid=payload_gid("LineItem", item),
                variant_gid=to_gid("ProductVariant", item["variant_id"]) if item.get("variant_id") else None,
                product_gid=to_gid("Product", item["product_id"]) if item.get("product_id") else None,
                sku=(item.get("sku") or None),
                # Custom items (admin, draft orders) have no variant, product or SKU; a line that lost its
                # variant but kept an SKU is still matched by SKU, and fails naming it when unknown.
                custom=not (item.get("variant_id") or item.get("product_id") or item.get("sku")),
            )
        )
        for duty in item.get("duties") or []:
            lines.append(
                OrderLine(
                    kind="duty",
                    title=f"Duty on {item.get('name') or item.get('title')}",
                    quantity=Decimal(1),
                    unit_price=amount(duty, "price", currency_mode),
                    taxes=_taxes(duty, currency_mode),
                )
            )
    for ship in payload.get("shipping_lines") or []:
        if ship.get("is_removed"):
            continue
        lines.append(
            OrderLine(
                kind="shipping",
                title=ship.get("title") or "Shipping",
                quantity=Decimal(1),
                unit_price=amount(ship, "price", currency_mode),
                discount=_discount(ship, currency_mode),
                taxes=_taxes(ship, currency_mode),
                gid=payload_gid("ShippingLine", ship),
            )
        )
    fees = payload.get("current_total_additional_fees_set") or payload.get("original_total_additional_fees_set")
    if fees:
        fee_amount = money((fees.get(f"{currency_mode}_money") or {}).get("amount"))
        if fee_amount:
            lines.append(OrderLine(kind="fee", title="Additional fees", quantity=Decimal(1), unit_price=fee_amount))
    tip = _tip(payload, lines, currency_mode)
    if tip:
        lines.append(OrderLine(kind="tip", title="Tip", quantity=Decimal(1), unit_price=tip))
    currency = payload.get("presentment_currency") if currency_mode == "presentment" else payload.get("currency")
    return Order(
        gid=payload_gid("Order", payload),
        name=payload.get("name") or "",
        updated_at=payload.get("updated_at"),
        currency=currency or payload.get("currency"),
        taxes_included=bool(payload.get("taxes_included")),
        financial_status=payload.get("financial_status") or "",
        cancelled_at=payload.get("cancelled_at"),
        test=bool(payload.get("test")),
        email=payload.get("email") or payload.get("contact_email") or (payload.get("customer") or {}).get("email"),
        phone=payload.get("phone"),
        customer=payload.get("customer") or {},
        billing_address=payload.get("billing_address") or {},
        shipping_address=payload.get("shipping_address") or {},
        gateways=list(payload.get("payment_gateway_names") or []),
        lines=lines,
        total_price=amount(payload, "total_price", currency_mode),
        total_tax=amount(payload, "total_tax", currency_mode),
        subtotal_price=amount(payload, "subtotal_price", currency_mode),
        total_discounts=amount(payload, "total_discounts", currency_mode),
        discount_codes=[d.get("code") for d in payload.get("discount_codes") or [] if d.get("code")],
        note=payload.get("note"),
        source_name=payload.get("source_name"),
        location_gid=to_gid("Location", payload.get("location_id")),
        # B2B: the purchasing company and its location ({id, location_id})
        company_gid=to_gid("Company", (payload.get("company") or {}).get("id")),
        company_location_gid=to_gid("CompanyLocation", (payload.get("company") or {}).get("location_id")),
    )
