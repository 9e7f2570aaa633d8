"""Shopify's mandatory privacy topics.

What we hold about a shopper: the raw webhook payloads in the sync-job log, and the Odoo contacts
bound to the Shopify customer. Redaction clears both; the accounting documents stay (bookkeeping law
keeps invoices), but the contact they point to no longer carries the person's details.
"""

import json

from odoo import fields

from ..lib.errors import DataError
from ..lib.gid import to_gid
from ..lib.registry import register

# Contact fields that identify a person; cleared on redaction.
PERSONAL_FIELDS = ["email", "phone", "street", "street2", "city", "zip", "vat", "website", "comment"]


def _customer_partners(job, customer):
    """Contacts bound to the Shopify customer, plus their addresses (child contacts)."""
    env = job.env
    partners = env["res.partner"]
    if customer.get("id"):
        record = env["shopify.binding"]._record_for(job.backend_id, to_gid("Customer", customer["id"]))
        if record:
            partners |= record
    if not partners and customer.get("email"):
        partners = env["res.partner"].search([
            ("email", "=ilike", customer["email"]),
            ("company_id", "in", [False, job.backend_id.company_id.id]),
        ])
    return partners | partners.child_ids


def _order_gids(payload, key):
    return [to_gid("Order", order_id) for order_id in payload.get(key) or []]


def _jobs_about(job, customer, order_gids):
    """Sync jobs of this backend that carry the customer's data."""
    domain = [("backend_id", "=", job.backend_id.id), ("id", "!=", job.id)]
    gids = list(order_gids)
    if customer.get("id"):
        gids.append(to_gid("Customer", customer["id"]))
    return job.env["shopify.sync.job"].search(domain + [("shopify_gid", "in", gids)]) if gids else job.browse()


@register("customers/redact", "customer")
def customers_redact(job):
    payload = job._payload_json()
    customer = payload.get("customer") or {}
    if not customer.get("id") and not customer.get("email"):
        raise DataError("customers/redact names no customer id or e-mail.")
    partners = _customer_partners(job, customer)
    label = f"Redacted Shopify customer {customer.get('id') or ''}".strip()
    for partner in partners:
        partner.write(dict({name: False for name in PERSONAL_FIELDS if name in partner._fields}, name=label))
    jobs = _jobs_about(job, customer, _order_gids(payload, "orders_to_redact"))
    jobs._redact_payload("customers/redact")
    # The request itself carries the e-mail and phone it asks us to forget.
    job._redact_payload("customers/redact (request processed)")
    job._mark_done(summary=f"{len(partners)} contact(s) anonymised, {len(jobs)} job payload(s) erased.")
    return partners[:1]


@register("customers/data_request", "customer")
def customers_data_request(job):
    """Collect what Odoo holds on the shopper into a JSON attachment for the merchant to send."""
    payload = job._payload_json()
    customer = payload.get("customer") or {}
    partners = _customer_partners(job, customer)
    order_gids = _order_gids(payload, "orders_requested")
    orders = job.env["sale.order"]
    for gid in order_gids:
        orders |= job.env["shopify.binding"]._record_for(job.backend_id, gid) or orders
    export = {
        "shopify_customer": customer,
        "data_request_id": (payload.get("data_request") or {}).get("id"),
        "generated_at": fields.Datetime.to_string(fields.Datetime.now()),
        "contacts": partners.read(["name", "email", "phone", "street", "street2", "city", "zip",
                                   "country_id", "vat"]),
        "sale_orders": orders.read(["name", "client_order_ref", "date_order", "amount_total",
                                    "currency_id", "state"]) if orders else [],
    }
    attachment = job.env["ir.attachment"].create({
        "name": f"shopify-data-request-{customer.get('id')}.json",
        "raw": json.dumps(export, indent=2, default=str).encode(),
        "mimetype": "application/json",
        "res_model": job._name,
        "res_id": job.id,
    })
    job._mark_done(
        attachment,
        summary=f"Export of {len(partners)} contact(s) and {len(orders)} order(s) attached "
        f"({attachment.name}); send it to the customer within 30 days.",
    )
    return attachment


@register("shop/redact", "connection")
def shop_redact(job):
    """48 h after uninstall: erase the store's payloads and credentials we still hold. Contacts and
    accounting stay: they are the merchant's own business records in Odoo, not app data."""
    backend = job.backend_id
    jobs = job.env["shopify.sync.job"].search([("backend_id", "=", backend.id), ("payload_redacted", "=", False)])
    jobs._redact_payload("shop/redact")
    backend.sudo().write({"access_token": False, "client_secret": False, "webhook_secret": False,
                          "token_expires_at": False})
    job._mark_done(summary=f"{len(jobs)} payload(s) erased and the store's credentials removed.")
    return backend
