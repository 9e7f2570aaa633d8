"""Writes the generated order bodies of tests/corpus/orders/ (the ``generated_*`` files; see SOURCES).

    python3 tests/corpus/build_orders.py

Each body is an ``orders/create`` webhook in Shopify's REST shape with Shopify's arithmetic done
separately in each currency (prices and allocations converted, then tax computed per line on the
discounted amount, rounded half-up to the cent), so every figure is one Shopify could send. The
``refused_*`` bodies are then made to disagree with themselves on purpose. Not imported by Odoo.
"""
# pylint: disable=print-used  # a command-line script: its output is for the person running it

import json
import os
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "orders")


def r(value):
    return Decimal(value).quantize(CENT, ROUND_HALF_UP)


class Money:
    """One amount in shop and presentment money."""

    def __init__(self, shop, fx, cur, pcur, presentment=None):
        self.shop = r(shop)
        self.pres = r(presentment if presentment is not None else Decimal(shop) * fx)
        self.cur, self.pcur = cur, pcur

    def set(self):
        return {
            "shop_money": {"amount": str(self.shop), "currency_code": self.cur},
            "presentment_money": {"amount": str(self.pres), "currency_code": self.pcur},
        }


def build(
    number,
    items,
    shipping=(),
    currency="USD",
    presentment=None,
    fx="1",
    taxes_included=False,
    customer="default",
    billing="default",
    shipping_address="same",
    tip="0",
    extra=None,
):
    """items: dicts title, sku, variant_id, product_id, price, qty, allocations [money], taxes
    [(title, rate %)], taxable, zero_taxes [(title, rate %)], duties [(price, taxes)]."""
    fx = Decimal(fx)
    pcur = presentment or currency

    def m(shop, pres=None):
        return Money(shop, fx, currency, pcur, pres)

    totals = {key: [Decimal(0), Decimal(0)] for key in ("tax", "subtotal", "discounts", "shipping", "duties", "lines")}

    def add(key, money):
        totals[key][0] += money.shop
        totals[key][1] += money.pres

    def tax_lines(net, taxes):
        """net: Money; Shopify's tax lines for it, computed in each currency."""
        result = []
        total_rate = sum(Decimal(str(rate)) for _t, rate in taxes) / 100
        for title, rate in taxes:
            rate = Decimal(str(rate)) / 100
            amounts = []
            for value in (net.shop, net.pres):
                amounts.append(r(value * rate / (1 + total_rate)) if taxes_included else r(value * rate))
            money = m(amounts[0], amounts[1])
            add("tax", money)
            result.append(
                {
                    "title": title,
                    "rate": float(rate),
                    "price": str(money.shop),
                    "price_set": money.set(),
                    "channel_liable": False,
                }
            )
        return result

    line_items = []
    for n, spec in enumerate(items):
        qty = int(spec.get("qty", 1))
        price = m(spec["price"])
        allocations = [m(a) for a in spec.get("allocations", [])]
        net = m(
            price.shop * qty - sum((a.shop for a in allocations), Decimal(0)),
            price.pres * qty - sum((a.pres for a in allocations), Decimal(0)),
        )
        for allocation in allocations:
            add("discounts", allocation)
        add("subtotal", net)
        add("lines", m(price.shop * qty, price.pres * qty))
        taxes = tax_lines(net, spec.get("taxes", []))
        taxes += [
            {
                "title": title,
                "rate": float(Decimal(str(rate)) / 100),
                "price": "0.00",
                "price_set": m(0, 0).set(),
                "channel_liable": False,
            }
            for title, rate in spec.get("zero_taxes", [])
        ]
        duties = []
        for d, (duty_price, duty_taxes) in enumerate(spec.get("duties", [])):
            duty = m(duty_price)
            add("duties", duty)
            duties.append(
                {
                    "id": number * 1000 + 500 + n * 10 + d,
                    "harmonized_system_code": "6912.00",
                    "country_code_of_origin": "CN",
                    "price": str(duty.shop),
                    "price_set": duty.set(),
                    "tax_lines": tax_lines(duty, duty_taxes),
                }
            )
        item_id = number * 1000 + n + 1
        line_items.append(
            {
                "id": item_id,
                "admin_graphql_api_id": f"gid://shopify/LineItem/{item_id}",
                "variant_id": spec.get("variant_id"),
                "product_id": spec.get("product_id"),
                "product_exists": bool(spec.get("product_id")),
                "title": spec["title"],
                "name": spec["title"],
                "sku": spec.get("sku", ""),
                "quantity": qty,
                "current_quantity": qty,
                "fulfillable_quantity": qty,
                "price": str(price.shop),
                "price_set": price.set(),
                "total_discount": "0.00",
                "total_discount_set": m(0, 0).set(),
                "taxable": spec.get("taxable", bool(spec.get("taxes"))),
                "tax_lines": taxes,
                "duties": duties,
                "discount_allocations": [
                    {"amount": str(a.shop), "amount_set": a.set(), "discount_application_index": 0} for a in allocations
                ],
                "requires_shipping": True,
                "gift_card": False,
                "properties": [],
            }
        )
    shipping_lines = []
    for n, spec in enumerate(shipping):
        price = m(spec["price"])
        allocations = [m(a) for a in spec.get("allocations", [])]
        net = m(
            price.shop - sum((a.shop for a in allocations), Decimal(0)),
            price.pres - sum((a.pres for a in allocations), Decimal(0)),
        )
        for allocation in allocations:
            add("discounts", allocation)
        add("shipping", price)
        ship_id = number * 1000 + 900 + n
        shipping_lines.append(
            {
                "id": ship_id,
                "title": spec.get("title", "Standard"),
                "code": spec.get("title", "Standard"),
                "source": "shopify",
                "price": str(price.shop),
                "price_set": price.set(),
                "discounted_price": str(net.shop),
                "discounted_price_set": net.set(),
                "tax_lines": tax_lines(net, spec.get("taxes", [])),
                "discount_allocations": [
                    {"amount": str(a.shop), "amount_set": a.set(), "discount_application_index": 1} for a in allocations
                ],
                "is_removed": False,
            }
        )
    tip = m(tip)
    ship_discounts = [
        sum(
            (Decimal(a["amount_set"][k]["amount"]) for s in shipping_lines for a in s["discount_allocations"]),
            Decimal(0),
        )
        for k in ("shop_money", "presentment_money")
    ]
    total = [
        totals["subtotal"][i]
        + totals["shipping"][i]
        - ship_discounts[i]
        + totals["duties"][i]
        + (tip.shop, tip.pres)[i]
        + (Decimal(0) if taxes_included else totals["tax"][i])
        for i in (0, 1)
    ]
    if customer == "default":
        customer = {
            "id": number * 10,
            "admin_graphql_api_id": f"gid://shopify/Customer/{number * 10}",
            "email": f"buyer{number}@example.com",
            "first_name": "Jane",
            "last_name": f"Buyer{number}",
            "phone": None,
            "tax_exempt": False,
            "currency": currency,
        }
    if billing == "default":
        billing = {
            "first_name": "Jane",
            "last_name": f"Buyer{number}",
            "address1": "1 Market St",
            "address2": None,
            "city": "San Francisco",
            "zip": "94105",
            "province": "California",
            "province_code": "CA",
            "country": "United States",
            "country_code": "US",
            "phone": None,
            "company": None,
            "name": f"Jane Buyer{number}",
        }
    order_id = 7_000_000_000 + number

    def pair(key):
        return m(totals[key][0], totals[key][1])

    body = {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "name": f"#{number}",
        "order_number": number,
        "number": number - 1000,
        "email": (customer or {}).get("email") or "",
        "contact_email": (customer or {}).get("email"),
        "created_at": "2026-11-20T09:59:00-05:00",
        "processed_at": "2026-11-20T09:59:00-05:00",
        "updated_at": "2026-11-20T10:00:00-05:00",
        "cancelled_at": None,
        "closed_at": None,
        "test": False,
        "confirmed": True,
        "currency": currency,
        "presentment_currency": pcur,
        "taxes_included": taxes_included,
        "tax_exempt": False,
        "financial_status": "paid",
        "fulfillment_status": None,
        "payment_gateway_names": ["shopify_payments"],
        "source_name": "web",
        "location_id": None,
        "company": None,
        "customer": customer,
        "billing_address": billing,
        "shipping_address": billing if shipping_address == "same" else shipping_address,
        "line_items": line_items,
        "shipping_lines": shipping_lines,
        "tax_lines": [],
        "discount_codes": [],
        "discount_applications": [],
        "refunds": [],
        "fulfillments": [],
        "note": None,
        "note_attributes": [],
        "subtotal_price": str(pair("subtotal").shop),
        "subtotal_price_set": pair("subtotal").set(),
        "total_line_items_price": str(pair("lines").shop),
        "total_line_items_price_set": pair("lines").set(),
        "total_discounts": str(pair("discounts").shop),
        "total_discounts_set": pair("discounts").set(),
        "total_tax": str(pair("tax").shop),
        "total_tax_set": pair("tax").set(),
        "total_shipping_price_set": pair("shipping").set(),
        "total_tip_received": str(tip.shop),
        "current_total_duties_set": pair("duties").set() if totals["duties"][0] else None,
        "original_total_duties_set": pair("duties").set() if totals["duties"][0] else None,
        "current_total_additional_fees_set": None,
        "original_total_additional_fees_set": None,
        "total_price": str(r(total[0])),
        "total_price_set": m(total[0], total[1]).set(),
    }
    body.update(extra or {})
    return body


CA = [("CA State Tax", 7.25)]


def bodies():
    yield (
        "generated_multi_tax_state_county_city_shipping_taxed",
        build(
            3001,
            [
                {
                    "title": "Lamp",
                    "sku": "CORP-LAMP",
                    "variant_id": 3001001,
                    "product_id": 3001000,
                    "price": "49.95",
                    "qty": 2,
                    "taxes": [("CA State Tax", 6), ("Los Angeles County Tax", 0.25), ("Los Angeles City Tax", 3.25)],
                },
                {
                    "title": "Bulb",
                    "sku": "CORP-BULB",
                    "variant_id": 3001002,
                    "product_id": 3001000,
                    "price": "3.33",
                    "qty": 3,
                    "taxes": [("CA State Tax", 6), ("Los Angeles County Tax", 0.25), ("Los Angeles City Tax", 3.25)],
                },
            ],
            shipping=[
                {
                    "title": "UPS Ground",
                    "price": "8.90",
                    "taxes": [("CA State Tax", 6), ("Los Angeles County Tax", 0.25), ("Los Angeles City Tax", 3.25)],
                }
            ],
        ),
    )

    yield (
        "generated_every_discount_kind",
        build(
            3002,
            [
                # line-level code: 3.00 off this line
                {
                    "title": "Mug",
                    "sku": "CORP-MUG",
                    "variant_id": 3002001,
                    "price": "12.00",
                    "qty": 2,
                    "allocations": ["3.00"],
                    "taxes": CA,
                },
                # order-level 10.00 fixed, allocated across the lines pro rata (4.44 + 5.56),
                # plus 15 % across (1.80 + 2.25)
                {
                    "title": "Tee",
                    "sku": "CORP-TEE",
                    "variant_id": 3002002,
                    "price": "12.00",
                    "allocations": ["4.44", "1.80"],
                    "taxes": CA,
                },
                {
                    "title": "Hoodie",
                    "sku": "CORP-HOOD",
                    "variant_id": 3002003,
                    "price": "15.00",
                    "allocations": ["5.56", "2.25"],
                    "taxes": CA,
                },
                # buy 2 get 1 free: one unit of three
                {
                    "title": "Socks",
                    "sku": "CORP-SOCK",
                    "variant_id": 3002004,
                    "price": "7.99",
                    "qty": 3,
                    "allocations": ["7.99"],
                    "taxes": CA,
                },
                # 100 % off
                {
                    "title": "Sticker",
                    "sku": "CORP-STICK",
                    "variant_id": 3002005,
                    "price": "2.50",
                    "allocations": ["2.50"],
                    "taxes": CA,
                },
            ],
            shipping=[
                {"title": "Standard", "price": "6.95", "allocations": ["6.95"]},
                {"title": "Insurance", "price": "3.00", "allocations": ["1.00"], "taxes": CA},
            ],
        ),
    )

    yield (
        "generated_duties_and_tip_in_two_currencies",
        build(
            3003,
            [
                {
                    "title": "Teapot",
                    "sku": "CORP-TEAPOT",
                    "variant_id": 3003001,
                    "price": "40.00",
                    "qty": 2,
                    "duties": [("6.35", [])],
                },
            ],
            shipping=[{"title": "DHL Express", "price": "19.00"}],
            currency="USD",
            presentment="EUR",
            fx="0.9213",
            tip="5.00",
            billing={
                "first_name": "Lena",
                "last_name": "Berg",
                "address1": "Unter den Linden 1",
                "city": "Berlin",
                "zip": "10117",
                "province": None,
                "province_code": None,
                "country": "Germany",
                "country_code": "DE",
                "phone": None,
                "company": None,
            },
        ),
    )

    yield (
        "generated_several_shipping_lines",
        build(
            3004,
            [
                {"title": "Chair", "sku": "CORP-CHAIR", "variant_id": 3004001, "price": "89.00", "taxes": CA},
                {"title": "Table", "sku": "CORP-TABLE", "variant_id": 3004002, "price": "249.00", "taxes": CA},
            ],
            shipping=[
                {"title": "Freight (table)", "price": "45.00", "taxes": CA},
                {"title": "Parcel (chair)", "price": "12.50", "taxes": CA},
            ],
        ),
    )

    yield (
        "generated_pos_sale_no_customer",
        build(
            3005,
            [
                {"title": "Mug", "sku": "CORP-MUG", "variant_id": 3002001, "price": "12.00", "qty": 2, "taxes": CA},
                {"title": "Gift wrap", "price": "2.00"},  # POS custom sale
            ],
            customer=None,
            billing=None,
            shipping_address=None,
            extra={
                "source_name": "pos",
                "location_id": 3005777,
                "email": "",
                "contact_email": None,
                "payment_gateway_names": ["cash"],
            },
        ),
    )

    yield (
        "generated_b2b_company_location",
        build(
            3006,
            [
                {
                    "title": "Bulk paper",
                    "sku": "CORP-PAPER",
                    "variant_id": 3006001,
                    "price": "4.10",
                    "qty": 50,
                    "taxes": CA,
                },
            ],
            shipping=[{"title": "Freight", "price": "35.00"}],
            billing={
                "first_name": "Ana",
                "last_name": "Ortiz",
                "company": "Ortiz Office Supply LLC",
                "address1": "200 Commerce Way",
                "address2": "Suite 5",
                "city": "Fresno",
                "zip": "93650",
                "province": "California",
                "province_code": "CA",
                "country": "United States",
                "country_code": "US",
                "phone": None,
            },
            shipping_address={
                "first_name": "Receiving",
                "last_name": "Dock",
                "company": "Ortiz Office Supply LLC",
                "address1": "7 Warehouse Rd",
                "address2": None,
                "city": "Fresno",
                "zip": "93706",
                "province": "California",
                "province_code": "CA",
                "country": "United States",
                "country_code": "US",
                "phone": "+15595550142",
            },
            extra={"company": {"id": 3006100, "location_id": 3006200}, "po_number": "PO-7781"},
        ),
    )

    yield (
        "generated_non_taxable_item_zero_tax_line",
        build(
            3007,
            [
                {
                    "title": "Book",
                    "sku": "CORP-BOOK",
                    "variant_id": 3007001,
                    "price": "18.00",
                    "taxable": False,
                    "zero_taxes": [("VAT", 20)],
                },
            ],
            shipping=[{"title": "Post", "price": "4.80", "taxes": [("VAT", 20)]}],
            currency="GBP",
            taxes_included=True,
            billing={
                "first_name": "Tom",
                "last_name": "Reed",
                "address1": "10 High St",
                "city": "Bath",
                "zip": "BA1 1AA",
                "province": None,
                "province_code": None,
                "country": "United Kingdom",
                "country_code": "GB",
                "phone": None,
                "company": None,
            },
        ),
    )

    yield (
        "generated_tax_exempt_customer",
        build(
            3008,
            [
                {
                    "title": "Lamp",
                    "sku": "CORP-LAMP",
                    "variant_id": 3001001,
                    "price": "49.95",
                    "qty": 4,
                    "taxable": True,
                    "zero_taxes": CA,
                },
            ],
            shipping=[{"title": "UPS Ground", "price": "12.00"}],
            extra={"tax_exempt": True},
        ),
    )

    yield (
        "generated_custom_items_admin_order",
        build(
            3009,
            [
                {"title": "Installation service", "price": "120.00", "taxes": CA},
                {"title": "Restocking fee", "price": "15.00"},
                {"title": "Chair", "sku": "CORP-CHAIR", "variant_id": 3004001, "price": "89.00", "taxes": CA},
            ],
            extra={"source_name": "shopify_draft_order"},
        ),
    )

    # Figures of a real draft order published in a public capture (see SOURCES), rebuilt here:
    # no customer, e-mail or address; variants without SKU; 15 % and a fixed 5.00 across lines; HKD.
    yield (
        "generated_draft_order_no_customer_hkd",
        build(
            3010,
            [
                {
                    "title": "Test product 11",
                    "variant_id": 3010001,
                    "product_id": 3010000,
                    "price": "99.00",
                    "allocations": ["14.10", "5.00"],
                },
                {
                    "title": "Green Snowboard",
                    "variant_id": 3010002,
                    "product_id": 3010003,
                    "price": "100.00",
                    "allocations": ["15.00"],
                },
            ],
            shipping=[{"title": "Tran", "price": "22.00"}],
            currency="HKD",
            customer=None,
            billing=None,
            shipping_address=None,
            extra={
                "source_name": "shopify_draft_order",
                "location_id": 3010777,
                "email": "",
                "contact_email": None,
                "payment_gateway_names": ["manual"],
            },
        ),
    )

    # Figures of a second capture of the same store: an automatic fixed discount on one line, two
    # lines titled alike from different SKU-less variants.
    yield (
        "generated_draft_order_automatic_discount_hkd",
        build(
            3013,
            [
                {
                    "title": "Test product 11",
                    "variant_id": 3013001,
                    "product_id": 3013000,
                    "price": "99.00",
                    "allocations": ["5.00"],
                },
                {"title": "Green Snowboard", "variant_id": 3013002, "product_id": 3013003, "price": "100.00"},
                {"title": "Green Snowboard", "variant_id": 3013004, "product_id": 3013005, "price": "100.00"},
            ],
            shipping=[{"title": "tran", "price": "10.00"}],
            currency="HKD",
            customer=None,
            billing=None,
            shipping_address=None,
            extra={
                "source_name": "shopify_draft_order",
                "location_id": 3013777,
                "email": "",
                "contact_email": None,
                "payment_gateway_names": ["manual"],
            },
        ),
    )

    refused = build(3011, [{"title": "Mug", "sku": "CORP-MUG", "variant_id": 3002001, "price": "12.00", "taxes": CA}])
    refused["total_price"] = str(Decimal(refused["total_price"]) + 1)  # total says 1.00 more than its parts
    refused["total_price_set"]["shop_money"]["amount"] = refused["total_price"]
    yield "refused_generated_total_disagrees_with_lines", refused

    refused = build(3012, [{"title": "Tee", "sku": "CORP-TEE", "variant_id": 3002002, "price": "12.00", "taxes": CA}])
    refused["total_tax"] = "0.97"  # its tax line says 0.87
    refused["total_tax_set"]["shop_money"]["amount"] = "0.97"
    yield "refused_generated_tax_disagrees_with_tax_lines", refused


if __name__ == "__main__":
    os.makedirs(HERE, exist_ok=True)
    for name, body in bodies():
        with open(os.path.join(HERE, f"{name}.json"), "w", encoding="utf-8") as handle:
            json.dump(body, handle, indent=1, ensure_ascii=False)
            handle.write("\n")
        print(name, body["total_price"], body.get("presentment_currency"))
