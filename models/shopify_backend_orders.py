from odoo import fields, models


class ShopifyBackend(models.Model):
    """Order import settings of a store."""

    _inherit = "shopify.backend"

    order_currency_mode = fields.Selection(
        [("shop", "Shop currency (the store's books)"), ("presentment", "Customer's currency")],
        string="Order amounts in",
        default="shop",
        required=True,
        help="Shopify sends every amount twice: in the store's currency and in the currency the "
        "customer paid in. Orders are created in the one chosen here.",
    )
    product_match = fields.Selection(
        [
            ("binding_sku_barcode", "Binding, then SKU, then barcode"),
            ("binding_barcode_sku", "Binding, then barcode, then SKU"),
            ("binding_sku", "Binding, then SKU"),
            ("binding", "Binding only"),
        ],
        string="Match products by",
        default="binding_sku_barcode",
        required=True,
        help="How an order line finds its Odoo product. Barcodes are not in order webhooks: they "
        "are read from Shopify once per variant and cached.",
    )
    pricelist_ids = fields.Many2many(
        "product.pricelist",
        string="Pricelists per currency",
        help="An order in a currency other than the company's uses the pricelist of that currency.",
    )
    shipping_product_id = fields.Many2one(
        "product.product",
        string="Shipping product",
        default=lambda self: self.env.ref("shopify_sync.product_shipping", raise_if_not_found=False),
    )
    tip_product_id = fields.Many2one(
        "product.product",
        string="Tip product",
        default=lambda self: self.env.ref("shopify_sync.product_tip", raise_if_not_found=False),
    )
    duty_product_id = fields.Many2one(
        "product.product",
        string="Duties product",
        default=lambda self: self.env.ref("shopify_sync.product_duty", raise_if_not_found=False),
    )
    fee_product_id = fields.Many2one(
        "product.product",
        string="Additional fees product",
        default=lambda self: self.env.ref("shopify_sync.product_fee", raise_if_not_found=False),
    )
    custom_item_product_id = fields.Many2one(
        "product.product",
        string="Custom item product",
        check_company=True,
        default=lambda self: self.env.ref("shopify_sync.product_custom_item", raise_if_not_found=False),
        help="Line items without a Shopify product (custom items added in the admin or a draft order: "
        "services, fees) are sold as this product, with the line's title, price and taxes.",
    )
    default_customer_id = fields.Many2one(
        "res.partner",
        string="Customer of orders without one",
        check_company=True,
        default=lambda self: self.env.ref("shopify_sync.partner_walk_in", raise_if_not_found=False),
        help="Orders with no customer, e-mail or address (POS sales, orders made in the admin or "
        "through the API) are imported for this contact.",
    )
    share_customers = fields.Boolean(
        string="Share customers with other companies",
        help="Off: the customers this store creates belong to its company, and only contacts of that "
        "company (or contacts shared by everyone) are matched. On: they are created shared, so the "
        "stores of every company reuse them.",
    )
    import_only_paid = fields.Boolean(
        string="Import paid orders only",
        help="Unpaid orders wait (their job ends without an order) until Shopify reports them paid.",
    )
    auto_confirm = fields.Boolean(string="Confirm sale orders", default=True)
    skip_test_orders = fields.Boolean(string="Skip test orders", default=True)
    order_prefix = fields.Char(
        string="Order number prefix", help="Prepended to the Shopify order name, e.g. 'SHOP-' gives 'SHOP-#1001'."
    )
    tax_map_ids = fields.One2many("shopify.tax.map", "backend_id", string="Tax mappings")
    create_invoice = fields.Boolean(
        string="Invoice and register payment of paid orders",
        help="Paid orders get a posted customer invoice and their payment registered in the journal "
        "mapped from the order's payment gateway.",
    )
    gateway_map_ids = fields.One2many("shopify.gateway.map", "backend_id", string="Payment gateways")
