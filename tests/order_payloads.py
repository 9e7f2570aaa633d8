"""Order webhook bodies in Shopify's REST shape, with Shopify's own arithmetic.

Amounts are strings, every ``*_set`` carries shop and presentment money, tax is computed per line
on the discounted amount and rounded half-up to the cent (how Shopify computes it), and the order
totals are the sums Shopify reports. The importer never sees this arithmetic: it recomputes in
Odoo and must land on the same cents.
"""

import itertools
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
CA = [("CA State Tax", 7.25)]  # Shopify's California tax line, as the test stores map it
_ids = itertools.count(5_000_000_001)


def _set(amount, currency, rate=None, presentment=None):
    shop = f"{Decimal(amount).quantize(CENT)}"
    other = presentment or (f"{(Decimal(amount) * rate).quantize(CENT, ROUND_HALF_UP)}" if rate else shop)
    return {
        "shop_money": {"amount": shop, "currency_code": currency},
        "presentment_money": {"amount": other, "currency_code": presentment and "EUR" or currency},
    }


def _round(value):
    return value.quantize(CENT, ROUND_HALF_UP)


def tax_lines(net, taxes, included, currency):
    """Shopify tax lines for a net amount: [(title, rate_percent)]."""
    lines = []
    total_rate = sum(Decimal(str(r)) for _t, r in taxes) / 100
    for title, rate in taxes:
        rate = Decimal(str(rate)) / 100
        if included:
            amount = _round(net * rate / (1 + total_rate))
        else:
            amount = _round(net * rate)
        lines.append(
            {
                "title": title,
                "rate": float(rate),
                "price": f"{amount}",
                "price_set": _set(amount, currency),
                "channel_liable": False,
            }
        )
    return lines


def order_payload(
    number=1001,
    lines=(),
    shipping=None,
    tip="0.00",
    taxes_included=False,
    currency="USD",
    customer="default",
    billing=None,
    shipping_address="same",
    financial_status="paid",
    updated_at="2026-11-23T10:00:00-05:00",
    cancelled_at=None,
    test=False,
    order_id=None,
):
    """lines: dicts with sku, variant_id, price, quantity, discount (money), taxes [(title, rate %)]."""
    order_id = order_id or next(_ids)
    line_items, total_tax, subtotal, discounts = [], Decimal(0), Decimal(0), Decimal(0)
    for n, spec in enumerate(lines):
        price, qty = Decimal(spec["price"]), int(spec.get("quantity", 1))
        discount = Decimal(spec.get("discount", "0"))
        net = price * qty - discount
        taxes = tax_lines(net, spec.get("taxes", []), taxes_included, currency)
        total_tax += sum(Decimal(t["price"]) for t in taxes)
        subtotal += net
        discounts += discount
        item_id = next(_ids)
        line_items.append(
            {
                "id": item_id,
                "admin_graphql_api_id": f"gid://shopify/LineItem/{item_id}",
                "variant_id": spec.get("variant_id"),
                "product_id": spec.get("product_id"),
                "title": spec.get("title", f"Product {n + 1}"),
                "name": spec.get("title", f"Product {n + 1}"),
                "sku": spec.get("sku", ""),
                "quantity": qty,
                "current_quantity": qty,
                "price": f"{price}",
                "price_set": _set(price, currency),
                "total_discount": "0.00",
                "taxable": bool(taxes),
                "tax_lines": taxes,
                "duties": [],
                "discount_allocations": [
                    {"amount": f"{discount}", "amount_set": _set(discount, currency), "discount_application_index": 0}
                ]
                if discount
                else [],
                "requires_shipping": True,
                "gift_card": False,
            }
        )
    shipping_lines = []
    shipping_total = Decimal(0)
    if shipping:
        price = Decimal(shipping["price"])
        taxes = tax_lines(price, shipping.get("taxes", []), taxes_included, currency)
        total_tax += sum(Decimal(t["price"]) for t in taxes)
        shipping_total = price
        shipping_lines.append(
            {
                "id": next(_ids),
                "title": shipping.get("title", "Standard"),
                "price": f"{price}",
                "price_set": _set(price, currency),
                "discounted_price": f"{price}",
                "tax_lines": taxes,
                "discount_allocations": [],
                "is_removed": False,
            }
        )
    tip = Decimal(tip)
    total = subtotal + shipping_total + tip + (Decimal(0) if taxes_included else total_tax)
    if customer == "default":
        customer = {
            "id": next(_ids),
            "email": f"buyer{number}@example.com",
            "first_name": "Jane",
            "last_name": f"Buyer{number}",
            "phone": "+1 415 555 0100",
        }
    billing = billing or {
        "first_name": "Jane",
        "last_name": "Buyer",
        "address1": "1 Market St",
        "city": "San Francisco",
        "zip": "94105",
        "province_code": "CA",
        "province": "California",
        "country_code": "US",
        "country": "United States",
        "phone": "(415) 555-0100",
    }
    return {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "name": f"#{number}",
        "order_number": number,
        "email": (customer or {}).get("email"),
        "created_at": "2026-11-23T09:59:00-05:00",
        "processed_at": "2026-11-23T09:59:00-05:00",
        "updated_at": updated_at,
        "cancelled_at": cancelled_at,
        "test": test,
        "currency": currency,
        "presentment_currency": currency,
        "taxes_included": taxes_included,
        "financial_status": financial_status,
        "payment_gateway_names": ["shopify_payments"],
        "customer": customer,
        "billing_address": billing,
        "shipping_address": billing if shipping_address == "same" else shipping_address,
        "line_items": line_items,
        "shipping_lines": shipping_lines,
        "tax_lines": [],
        "discount_codes": [{"code": "WELCOME", "amount": f"{discounts}", "type": "fixed_amount"}] if discounts else [],
        "subtotal_price": f"{subtotal}",
        "subtotal_price_set": _set(subtotal, currency),
        "total_discounts": f"{discounts}",
        "total_discounts_set": _set(discounts, currency),
        "total_tax": f"{total_tax}",
        "total_tax_set": _set(total_tax, currency),
        "total_tip_received": f"{tip}",
        "total_price": f"{total}",
        "total_price_set": _set(total, currency),
        "total_shipping_price_set": _set(shipping_total, currency),
    }


def lamp_and_mug_order(number, **kwargs):
    """Two discounted lamps (LAMP-1, variant 8101) and three mugs (MUG-1, 8102) shipped for 6.00, all
    taxed as in California; ``kwargs``: order_payload's, lines and shipping included."""
    kwargs.setdefault(
        "lines",
        [
            {"variant_id": 8101, "sku": "LAMP-1", "price": "49.95", "quantity": 2, "discount": "9.99", "taxes": CA},
            {"variant_id": 8102, "sku": "MUG-1", "price": "12.50", "quantity": 3, "taxes": CA},
        ],
    )
    kwargs.setdefault("shipping", {"price": "6.00", "taxes": CA})
    return order_payload(number, **kwargs)


def graphql_money(amount, currency):
    """A GraphQL MoneyBag of ``amount`` in ``currency``, shop and presentment alike."""
    money = {"amount": f"{amount}", "currencyCode": currency}
    return {"shopMoney": money, "presentmentMoney": dict(money)}


def graphql_transaction(order, number, kind, amount, gateway="shopify_payments", **fields):
    """One of ``order``'s transactions as Shopify's GraphQL OrderTransaction, what a pulled order
    carries (``order["transactions_graphql"]``): its id is the order's then ``number``; ``fields``,
    more of its fields."""
    return {
        "id": f"gid://shopify/OrderTransaction/{order['id']}{number}",
        "kind": kind,
        "status": "SUCCESS",
        "gateway": gateway,
        "test": False,
        "processedAt": order["processed_at"],
        "createdAt": order["processed_at"],
        "amountSet": graphql_money(amount, order["currency"]),
        **fields,
    }


def b2b_order_payload(number, customer, company_id):
    """Shopify's B2B order: ``customer`` buys 10 mugs (MUG-1, CA tax) for Shopify's company
    ``company_id`` (Ortiz Supply LLC, its location ``company_id + 1``), billed to the company's office
    and shipped to its receiving dock."""
    office = {
        "first_name": "Ana",
        "last_name": "Ortiz",
        "company": "Ortiz Supply LLC",
        "address1": "200 Commerce Way",
        "city": "Fresno",
        "zip": "93650",
        "province_code": "CA",
        "country_code": "US",
    }
    dock = dict(office, first_name="Receiving", last_name="Dock", address1="7 Warehouse Rd", zip="93706")
    payload = order_payload(
        number,
        billing=office,
        shipping_address=dock,
        customer=customer,
        lines=[{"sku": "MUG-1", "price": "20.00", "quantity": 10, "taxes": CA}],
    )
    payload["company"] = {"id": company_id, "location_id": company_id + 1}
    return payload


def _bag(money_set):
    return {
        "shopMoney": {
            "amount": money_set["shop_money"]["amount"],
            "currencyCode": money_set["shop_money"]["currency_code"],
        },
        "presentmentMoney": {
            "amount": money_set["presentment_money"]["amount"],
            "currencyCode": money_set["presentment_money"]["currency_code"],
        },
    }


def _gql_taxes(tax_lines):
    return [{"title": t["title"], "rate": t["rate"], "priceSet": _bag(t["price_set"])} for t in tax_lines]


def _gql_purchasing_entity(payload):
    """``Order.purchasingEntity``: the company of a B2B order, else the customer (or nothing)."""
    company = payload.get("company")
    if company:
        return {
            "__typename": "PurchasingCompany",
            "company": {"id": f"gid://shopify/Company/{company['id']}"},
            "location": {"id": f"gid://shopify/CompanyLocation/{company['location_id']}"},
        }
    customer = payload.get("customer")
    return customer and {"__typename": "Customer", "id": f"gid://shopify/Customer/{customer['id']}"}


def _gql_address(address):
    return address and {
        "firstName": address.get("first_name"),
        "lastName": address.get("last_name"),
        "company": address.get("company"),
        "address1": address.get("address1"),
        "address2": address.get("address2"),
        "city": address.get("city"),
        "zip": address.get("zip"),
        "province": address.get("province"),
        "provinceCode": address.get("province_code"),
        "country": address.get("country"),
        "countryCodeV2": address.get("country_code"),
        "phone": address.get("phone"),
    }


def graphql_order(payload, paid=False):
    """The same order as Shopify's GraphQL Admin API returns it for lib/queries.ORDER_DETAIL, with
    ``lineItems``/``shippingLines`` as plain node lists (the stand-in wraps them in connections).
    Its money figures (outstanding, current total, refunds) are the body's; ``paid``: a paid order's
    when the body has none (a read through the stand-in asks for them)."""
    customer = payload.get("customer")
    return {
        "id": payload["admin_graphql_api_id"],
        "legacyResourceId": str(payload["id"]),
        "name": payload["name"],
        "email": payload.get("email"),
        "phone": None,
        "note": None,
        "createdAt": payload["created_at"],
        "processedAt": payload["processed_at"],
        "updatedAt": payload["updated_at"],
        "cancelledAt": payload.get("cancelled_at"),
        "test": payload["test"],
        "currencyCode": payload["currency"],
        "presentmentCurrencyCode": payload["presentment_currency"],
        "taxesIncluded": payload["taxes_included"],
        "displayFinancialStatus": payload["financial_status"].upper(),
        "paymentGatewayNames": payload["payment_gateway_names"],
        "sourceName": payload.get("source_name"),
        "retailLocation": {"id": f"gid://shopify/Location/{payload['location_id']}"}
        if payload.get("location_id")
        else None,
        "purchasingEntity": _gql_purchasing_entity(payload),
        "customer": customer
        and {
            "id": f"gid://shopify/Customer/{customer['id']}",
            "email": customer.get("email"),
            "firstName": customer.get("first_name"),
            "lastName": customer.get("last_name"),
            "phone": customer.get("phone"),
        },
        "billingAddress": _gql_address(payload.get("billing_address")),
        "shippingAddress": _gql_address(payload.get("shipping_address")),
        "discountCodes": [d["code"] for d in payload.get("discount_codes") or []],
        "subtotalPriceSet": _bag(payload["subtotal_price_set"]),
        "totalDiscountsSet": _bag(payload["total_discounts_set"]),
        "totalTaxSet": _bag(payload["total_tax_set"]),
        "totalPriceSet": _bag(payload["total_price_set"]),
        "totalTipReceivedSet": _bag(_set(payload["total_tip_received"], payload["currency"])),
        "currentTotalAdditionalFeesSet": None,
        "transactions": payload.get("transactions_graphql", []),
        "lineItems": [
            {
                "id": item["admin_graphql_api_id"],
                "name": item["name"],
                "title": item["title"],
                "sku": item["sku"],
                "quantity": item["quantity"],
                "currentQuantity": item.get("current_quantity", item["quantity"]),
                "taxable": item["taxable"],
                "requiresShipping": True,
                "variant": {"id": f"gid://shopify/ProductVariant/{item['variant_id']}"}
                if item.get("variant_id")
                else None,
                "product": {"id": f"gid://shopify/Product/{item['product_id']}"} if item.get("product_id") else None,
                "isGiftCard": bool(item.get("gift_card")),
                "originalUnitPriceSet": _bag(item["price_set"]),
                "taxLines": _gql_taxes(item["tax_lines"]),
                "discountAllocations": [
                    {"allocatedAmountSet": _bag(a["amount_set"])} for a in item["discount_allocations"]
                ],
                "duties": [
                    {
                        "id": f"gid://shopify/Duty/{duty['id']}",
                        "price": _bag(duty["price_set"]),
                        "taxLines": _gql_taxes(duty.get("tax_lines") or []),
                    }
                    for duty in item.get("duties") or []
                ],
            }
            for item in payload["line_items"]
        ],
        "shippingLines": [
            {
                "id": f"gid://shopify/ShippingLine/{ship['id']}",
                "title": ship["title"],
                "isRemoved": False,
                "originalPriceSet": _bag(ship["price_set"]),
                "taxLines": _gql_taxes(ship["tax_lines"]),
                "discountAllocations": [
                    {"allocatedAmountSet": _bag(a["amount_set"])} for a in ship.get("discount_allocations") or []
                ],
            }
            for ship in payload["shipping_lines"]
        ],
        **_gql_money_figures(payload, paid),
    }


def _gql_money_figures(payload, paid=False):
    """The version's money figures ORDER_DETAIL reads, from the body's own (the order simulator's);
    none when it has none, unless ``paid``: a paid order's then (current total = total, nothing
    outstanding, no refund)."""
    currency = payload["currency"]
    if payload.get("total_outstanding") is None or "refunds" not in payload:
        if not paid:
            return {}
        payload = dict(payload, total_outstanding="0.00", refunds=[])
    current = payload.get("current_total_price_set") or payload["total_price_set"]
    return {
        "currentTotalPriceSet": _bag(current),
        "totalOutstandingSet": _bag(_set(payload["total_outstanding"], currency)),
        "refunds": [_gql_refund(refund, currency) for refund in payload["refunds"]],
    }


def _gql_refund(refund, currency):
    def connection(nodes):  # read as nodes (ORDER_DETAIL) or edges (the bulk query)
        return {"nodes": nodes, "edges": [{"node": node} for node in nodes], "pageInfo": {"hasNextPage": False}}

    return {
        "id": refund["admin_graphql_api_id"],
        "createdAt": refund["created_at"],
        "processedAt": refund.get("processed_at"),
        "refundLineItems": connection(
            [
                {
                    "quantity": item["quantity"],
                    "restockType": item["restock_type"].upper(),
                    "location": {"id": f"gid://shopify/Location/{item['location_id']}"}
                    if item.get("location_id")
                    else None,
                    "lineItem": {"id": f"gid://shopify/LineItem/{item['line_item_id']}"},
                }
                for item in refund.get("refund_line_items") or []
            ]
        ),
        "transactions": connection(
            [
                {
                    "id": tx["admin_graphql_api_id"],
                    "kind": tx["kind"].upper(),
                    "status": tx["status"].upper(),
                    "gateway": tx["gateway"],
                    "test": bool(tx.get("test")),
                    "processedAt": tx.get("processed_at"),
                    "createdAt": tx.get("created_at"),
                    "amountSet": graphql_money(tx["amount"], tx.get("currency") or currency),
                    "amountRoundingSet": None,
                }
                for tx in refund.get("transactions") or []
            ]
        ),
    }
