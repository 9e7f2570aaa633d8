from odoo import api, models

_PRECOMMIT_KEY = "shopify_sync.stock_dirty"


class StockQuant(models.Model):
    """Every change of on-hand or reserved stock passes here (done moves, inventory adjustments,
    reservations). The products are collected for the transaction and handed to the stores once,
    just before commit: a picking of 50 lines marks 50 products with one INSERT, not 50."""

    _inherit = "stock.quant"

    @api.model
    def _update_available_quantity(
        self,
        product_id,
        location_id,
        quantity=False,
        reserved_quantity=False,
        lot_id=None,
        package_id=None,
        owner_id=None,
        in_date=None,
    ):
        result = super()._update_available_quantity(
            product_id,
            location_id,
            quantity=quantity,
            reserved_quantity=reserved_quantity,
            lot_id=lot_id,
            package_id=package_id,
            owner_id=owner_id,
            in_date=in_date,
        )
        if location_id.usage == "internal":
            self._shopify_sync_note_change(product_id, location_id, reservation_only=not quantity)
        return result

    @api.model
    def _shopify_sync_note_change(self, product, location, reservation_only=False):
        precommit = self.env.cr.precommit
        pending = precommit.data.get(_PRECOMMIT_KEY)
        if pending is None:
            pending = precommit.data[_PRECOMMIT_KEY] = {}
            precommit.add(self._shopify_sync_flush_changes)
        company_id = location.company_id.id
        key = (company_id, product.id)
        # A quantity change wins over a reservation-only change of the same product.
        pending[key] = pending.get(key, True) and reservation_only

    @api.model
    def _shopify_sync_flush_changes(self):
        pending = self.env.cr.precommit.data.pop(_PRECOMMIT_KEY, None)
        if not pending:
            return
        env = self.env(su=True)
        backends = env["shopify.backend"].search(
            [("stock_export_enabled", "=", True), ("sync_inventory", "=", True), ("state", "!=", "disconnected")]
        )
        for backend in backends:
            product_ids = [
                product_id
                for (company_id, product_id), reservation_only in pending.items()
                if company_id in (backend.company_id.id, False)
                and not (reservation_only and backend.stock_quantity_name == "on_hand")
            ]
            if product_ids:
                backend._mark_stock_dirty(product_ids)
        env.flush_all()
