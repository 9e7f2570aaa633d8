from odoo import fields, models

# Shopify allocates discounts in cents; Odoo stores a line discount as a percentage whose
# precision ("Discount") is one setting for the whole database. Six decimals keep
# price x qty x (1 - d/100) exact to the cent for line totals up to a million. It is raised only
# when an administrator asks (button on the store's Orders tab): the importer does without it by
# re-pricing a discounted line at its net unit price when the percentage lands a cent off.
DISCOUNT_DIGITS = 6


class ShopifyBackend(models.Model):
    """What the store's money becomes in the books: gift cards, cash rounding, and the one explicit
    company-wide question (Discount precision)."""

    _inherit = "shopify.backend"

    gift_card_account_id = fields.Many2one(
        "account.account",
        string="Gift card liability account",
        check_company=True,
        domain="[('account_type', 'in', ('liability_current', 'liability_non_current'))]",
        help="A gift card sold is money owed to its holder, not revenue: its invoice line is booked "
        "here, and a payment with Shopify's 'gift_card' gateway settles against it. Left empty, an "
        "account 'Shopify gift cards' is created in the company's current liabilities when first needed.",
    )
    gift_card_product_id = fields.Many2one(
        "product.product",
        string="Gift card product",
        default=lambda self: self.env.ref("shopify_sync.product_gift_card", raise_if_not_found=False),
        help="Order lines Shopify marks as gift cards use this product, whatever the variant.",
    )
    cash_rounding_id = fields.Many2one(
        "account.cash.rounding",
        string="Cash rounding",
        help="Shopify POS rounds cash payments and refunds to the smallest coin (0.05 in Switzerland, "
        "Canada...): the invoice keeps the exact total, the payment the cash that changed hands, and "
        "the difference is booked on this cash rounding's profit or loss account. Left empty, the "
        "company's cash difference income and expense accounts are used.",
    )
    discount_precision_digits = fields.Integer(compute="_compute_discount_precision_digits")
    company_tax_rounding = fields.Selection(
        related="company_id.tax_calculation_rounding_method", string="Company tax rounding"
    )

    def _compute_discount_precision_digits(self):
        digits = self.env["decimal.precision"].precision_get("Discount")
        for backend in self:
            backend.discount_precision_digits = digits

    def _gift_card_account(self):
        """The configured liability account, or the default one (created once per company)."""
        self.ensure_one()
        if self.gift_card_account_id:
            return self.gift_card_account_id
        Account = self.env["account.account"].sudo().with_company(self.company_id)
        account = Account.search(
            [
                ("account_type", "=", "liability_current"),
                ("name", "=", "Shopify gift cards"),
                ("company_ids", "in", self.company_id.ids),
            ],
            limit=1,
        )
        if not account:
            start = Account.search(
                [("account_type", "=", "liability_current"), ("company_ids", "in", self.company_id.ids)],
                order="code",
                limit=1,
            ).code
            account = Account.create(
                {
                    "name": "Shopify gift cards",
                    "code": Account._search_new_account_code(start or "2100"),
                    "account_type": "liability_current",
                    "reconcile": False,
                    "company_ids": [(6, 0, self.company_id.ids)],
                }
            )
        self.sudo().gift_card_account_id = account
        return account

    def _cash_rounding_account(self, gain):
        """The account of a cash rounding difference in the store's company: the profit (``gain``) or
        loss account of the store's cash rounding, else the company's cash difference account; an
        empty recordset when there is none."""
        self.ensure_one()
        company = self.company_id
        if self.cash_rounding_id:
            rounding = self.cash_rounding_id.with_company(company)
            return rounding.profit_account_id if gain else rounding.loss_account_id
        if gain:
            return company.default_cash_difference_income_account_id
        return company.default_cash_difference_expense_account_id

    def action_raise_discount_precision(self):
        """Asked once, explicitly: raise the database-wide Discount precision (never lower it)."""
        self.env["decimal.precision"].check_access("write")
        precision = self.env.ref("product.decimal_discount", raise_if_not_found=False)
        if precision and precision.digits < DISCOUNT_DIGITS:
            precision.sudo().digits = DISCOUNT_DIGITS
        return True

    def action_round_tax_per_line(self):
        """Asked once, explicitly: Shopify rounds tax on each line; so must the store's company for
        its orders to match to the cent. This is a setting of the whole company."""
        self.ensure_one()
        self.company_id.check_access("write")
        self.company_id.tax_calculation_rounding_method = "round_per_line"
        return True
