"""Configure the demo database (run by tools/run_demo.sh through ``odoo shell``, which provides
``env``). Everything an administrator would do by hand in the forms: a US company that rounds tax
per line like Shopify, the catalogue's products, a store pointed at the sandbox, and a tax mapping
for California only, so the New York order shows what a missing mapping looks like."""
# pylint: disable=print-used  # a command-line script: its output is for the person running it

import os

company = env.company  # provided by odoo shell
us = env.ref("base.us")
company.write(
    {
        "name": "Demo Shop Inc",
        "country_id": us.id,
        "currency_id": env.ref("base.USD").id,
        "tax_calculation_rounding_method": "round_per_line",
    }
)
Tax = env["account.tax"]
group = env["account.tax.group"].search([("company_id", "=", company.id)], limit=1) or env["account.tax.group"].create(
    {"name": "Sales tax", "company_id": company.id}
)
# Sales tax collected is owed to the state: the chart's "Tax Received" account, not revenue.
tax_received = env["account.account"].search([("code", "=", "251000")], limit=1)
repartition = [(0, 0, {"repartition_type": "base"}), (0, 0, {"repartition_type": "tax", "account_id": tax_received.id})]
ca_tax = Tax.create(
    {
        "name": "CA State Tax 7.25%",
        "amount": 7.25,
        "type_tax_use": "sale",
        "company_id": company.id,
        "tax_group_id": group.id,
        "country_id": us.id,
        "invoice_repartition_line_ids": repartition,
        "refund_repartition_line_ids": repartition,
    }
)
Tax.create(
    {
        "name": "NY State Tax 4%",
        "amount": 4.0,
        "type_tax_use": "sale",
        "company_id": company.id,
        "tax_group_id": group.id,
        "country_id": us.id,
        "invoice_repartition_line_ids": repartition,
        "refund_repartition_line_ids": repartition,
    }
)

Product = env["product.product"]
for sku, barcode, name, price in [
    ("MUG-BLUE", "4006381333931", "Blue mug", 14.90),
    ("TEE-M", "4006381333948", "T-shirt M", 24.00),
    ("CAP-RED", "4006381333955", "Red cap", 18.50),
    ("POSTER-A2", "4006381333962", "Poster A2", 32.00),
]:
    Product.create(
        {
            "name": name,
            "default_code": sku,
            "barcode": barcode,
            "list_price": price,
            "type": "consu",
            "is_storable": True,
            "taxes_id": False,
        }
    )

backend = env["shopify.backend"].create(
    {
        "name": "Demo Store",
        "shop_domain": "demo-store.myshopify.com",
        "auth_mode": "legacy_token",
        "access_token": "shpat_demo_sandbox",
        "webhook_secret": os.environ["DEMO_SECRET"],
        "api_base_url": os.environ["DEMO_SANDBOX_URL"],
        "webhook_base_url": os.environ["DEMO_ODOO_URL"],
        "company_id": company.id,
        "auto_confirm": True,
    }
)
env["shopify.tax.map"].create(
    {
        "backend_id": backend.id,
        "name": "CA State Tax",
        "rate_percent": 7.25,
        "tax_id": ca_tax.id,
    }
)
# The books: an invoice per charged order, a payment per Shopify transaction (card money to the
# Shopify Payments journal, gift card redemptions against the gift card liability).
Journal = env["account.journal"]
Account = env["account.account"]
bank = Journal.search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
gift_cards = Journal.create({"name": "Shopify gift cards", "code": "SGC", "type": "bank", "company_id": company.id})


def account(code, name, kind, reconcile=False):
    return Account.create(
        {"code": code, "name": name, "account_type": kind, "reconcile": reconcile, "company_ids": [company.id]}
    )


# Payouts (README "Payouts (Shopify Payments)"): card payments wait on a clearing account until
# Shopify pays them out; the Shopify Payments journal's outstanding accounts are that account.
clearing = account("101710", "Shopify Payments clearing", "asset_current", reconcile=True)
shopify_payments = Journal.create(
    {"name": "Shopify Payments", "code": "SHPAY", "type": "bank", "company_id": company.id}
)
(
    shopify_payments.inbound_payment_method_line_ids | shopify_payments.outbound_payment_method_line_ids
).payment_account_id = clearing
backend.write(
    {
        "sync_payouts": True,
        "payout_journal_id": Journal.create(
            {"name": "Shopify payouts", "code": "SHPO", "type": "general", "company_id": company.id}
        ).id,
        "payout_bank_journal_id": bank.id,
        "payout_clearing_account_id": clearing.id,
        "payout_transit_account_id": account("101720", "Shopify payouts in transit", "asset_current", True).id,
        "payout_fee_account_id": account("616100", "Shopify Payments fees", "expense").id,
        "payout_adjustment_account_id": account("616200", "Shopify adjustments", "expense").id,
        "payout_reserve_account_id": account("101730", "Shopify reserved funds", "asset_current").id,
        "payout_dispute_account_id": account("616300", "Chargebacks", "expense").id,
        "payout_currency_account_id": account("616400", "Payout currency difference", "expense").id,
    }
)
backend.create_invoice = True
for gateway, journal in (("shopify_payments", shopify_payments), ("gift_card", gift_cards)):
    env["shopify.gateway.map"].create(
        {
            "backend_id": backend.id,
            "gateway": gateway,
            "journal_id": journal.id,
        }
    )
env.cr.commit()
print(f"demo: store {backend.name} configured (id {backend.id})")
