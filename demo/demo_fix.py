"""What the newcomer does by hand in the demo, scripted for DEMO_FIX_AND_RETRY=1 (run through
``odoo shell``): add the missing product and the missing tax mapping, then press Retry on the
failed jobs."""
# pylint: disable=print-used  # a command-line script: its output is for the person running it

backend = env["shopify.backend"].search([("shop_domain", "=", "demo-store.myshopify.com")])
company = backend.company_id
env["product.product"].create(
    {
        "name": "Limited tote bag",
        "default_code": "GHOST-1",
        "type": "consu",
        "is_storable": True,
        "taxes_id": False,
    }
)
ny_tax = env["account.tax"].search([("name", "=", "NY State Tax 4%"), ("company_id", "=", company.id)])
env["shopify.tax.map"].create(
    {
        "backend_id": backend.id,
        "name": "NY State Tax",
        "rate_percent": 4.0,
        "tax_id": ny_tax.id,
    }
)
failed = env["shopify.sync.job"].search([("backend_id", "=", backend.id), ("state", "=", "failed")])
failed.action_retry()
env.cr.commit()
print(f"demo: product GHOST-1 and the NY State Tax mapping added; {len(failed)} failed job(s) sent back to the queue")
