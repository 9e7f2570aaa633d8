"""Shopify's mandatory privacy topics.

What we hold about a shopper: the Odoo contact bound to (or exactly matching) the Shopify customer
and the delivery/invoice addresses the order import made for it, the raw webhook payloads in the
sync-job log (every topic: orders, refunds, fulfilments...), their references, warnings and messages,
the chatter's tracked old values, and data-request exports. Redaction clears all of them; the
accounting documents stay (bookkeeping law keeps invoices), but the contact they point to no longer
carries the person's details.

Destructive topics (``shop/redact`` here, ``app/uninstalled`` in app.py) act only when Shopify
confirms the app is gone, and a body already applied is recorded as a replay: HMAC covers the body,
not the webhook id, so a captured body can be posted again under a new id.
"""

import json

from odoo import SUPERUSER_ID, fields
from odoo.tools import email_normalize

from ..lib import queries
from ..lib.errors import AuthenticationFailed, ConfigurationError, DataError, SyncError, TransientError, _lt
from ..lib.gid import to_gid
from ..lib.registry import register

# Contact fields that identify a person; cleared on redaction.
PERSONAL_FIELDS = [
    "email",
    "phone",
    "street",
    "street2",
    "city",
    "zip",
    "vat",
    "website",
    "comment",
    "ref",
    "function",
    "state_id",
    "country_id",
]
# Child contacts the order import creates (handlers/partners.py): only those go with the customer.
ADDRESS_TYPES = ("delivery", "invoice")
# Jobs erased per transaction by shop/redact: a large store's log is not one long transaction.
SHOP_REDACT_BATCH = 500


# -- who the customer is ---------------------------------------------------------------------


def _protected_partners(env, partners):
    """Contacts that are never a shopper's to erase: Odoo users' and employees' own contacts,
    companies' contacts, and vendors (their bills are someone else's records)."""
    protected = env["res.users"].with_context(active_test=False).search([("partner_id", "in", partners.ids)]).partner_id
    protected |= (
        env["res.company"].with_context(active_test=False).search([("partner_id", "in", partners.ids)]).partner_id
    )
    if "hr.employee" in env:
        protected |= (
            env["hr.employee"]
            .with_context(active_test=False)
            .search([("work_contact_id", "in", partners.ids)])
            .work_contact_id
        )
    protected |= partners.filtered(lambda p: p.supplier_rank > 0 if "supplier_rank" in p._fields else False)
    return protected


def exact_email_customers(env, email, company):
    """Top-level contacts whose e-mail is exactly ``email`` (case-insensitive, no wildcards), in
    ``company`` or shared, that are not users', employees', companies' or vendors' contacts."""
    wanted = (email or "").strip().lower()
    if not wanted:
        return env["res.partner"]
    normalized = email_normalize(wanted)
    # email_normalized is indexed; the literal comparison below decides.
    domain = [("email_normalized", "=", normalized)] if normalized else [("email", "!=", False)]
    candidates = (
        env["res.partner"]
        .with_context(active_test=False)
        .search(
            domain
            + [
                ("parent_id", "=", False),
                ("company_id", "in", [False, company.id]),
            ]
        )
    )
    matches = candidates.filtered(lambda p: (p.email or "").strip().lower() == wanted)
    return matches - _protected_partners(env, matches)


def _addresses_made_for(job, customers):
    """The delivery/invoice child contacts used on this store's Shopify orders of ``customers``."""
    if not customers:
        return customers
    env = job.env
    order_ids = (
        env["shopify.binding"]
        .search(
            [
                ("backend_id", "=", job.backend_id.id),
                ("res_model", "=", "sale.order"),
            ]
        )
        .mapped("res_id")
    )
    orders = env["sale.order"].search([("id", "in", order_ids), ("partner_id", "in", customers.ids)])
    used = orders.partner_shipping_id | orders.partner_invoice_id
    return used.filtered(lambda p: p.parent_id in customers and p.type in ADDRESS_TYPES)


def _customer_partners(job, customer):
    """The shopper's contact (binding first, else the exact e-mail) and the addresses made for it."""
    env = job.env
    partners = env["res.partner"]
    if customer.get("id"):
        record = env["shopify.binding"]._record_for(job.backend_id, to_gid("Customer", customer["id"]))
        if record:
            protected = _protected_partners(env, record)
            if protected:
                job._add_warning(
                    f"Contact #{record.id} is an Odoo user's, employee's, company's or vendor's "
                    "contact: it was left as it is."
                )
            partners |= record - protected
    if not partners and customer.get("email"):
        partners = exact_email_customers(env, customer["email"], job.backend_id.company_id)
    return partners | _addresses_made_for(job, partners)


def _order_ids(payload, key):
    return [str(order_id) for order_id in payload.get(key) or [] if isinstance(order_id, (int, str))]


# -- what to erase ---------------------------------------------------------------------------


def _personal_tokens(customer, partners):
    """(tokens to look for in the logs, tokens to scrub there). Only e-mails and phones find jobs
    (a name or street is shared by strangers); names and streets are scrubbed from the jobs found."""
    found_by = {str(customer.get(key) or "").strip() for key in ("email", "phone")}
    found_by |= {(value or "").strip() for value in partners.mapped("email") + partners.mapped("phone")}
    scrubbed = found_by | {(value or "").strip() for value in partners.mapped("name") + partners.mapped("street")}

    def usable(tokens):
        return sorted((t for t in tokens if len(t) >= 4), key=len, reverse=True)

    return usable(found_by), usable(scrubbed)


def _cancel_waiting(jobs, reason):
    """Redacted jobs still waiting would run on an erased payload."""
    jobs.filtered(lambda j: j.state in ("queued", "failed"))._cancel(reason)


def _erase_tracking(env, partners, label):
    """Old values the chatter tracked on these contacts, and their names shown in other records'
    tracked changes (an order's customer, an invoice's partner)."""
    if not partners:
        return 0
    Tracking = env["mail.tracking.value"].sudo()
    own = Tracking.search(
        [("mail_message_id.model", "=", "res.partner"), ("mail_message_id.res_id", "in", partners.ids)]
    )
    count = len(own)
    own.unlink()
    for side in ("old", "new"):
        shown = Tracking.search(
            [("field_id.relation", "=", "res.partner"), (f"{side}_value_integer", "in", partners.ids)]
        )
        shown.write({f"{side}_value_char": label})
        count += len(shown)
    return count


@register("customers/redact", "customer")
def customers_redact(job):
    payload = job._payload_json()
    customer = (payload or {}).get("customer") if isinstance(payload, dict) else None
    if not isinstance(customer, dict) or not (customer.get("id") or customer.get("email")):
        raise DataError(
            _lt("customers/redact names no customer id or e-mail."),
            fix=_lt("Nothing to erase: Shopify sent an incomplete request. Cancel the job."),
        )
    partners = _customer_partners(job, customer)
    search_tokens, tokens = _personal_tokens(customer, partners)
    label = f"Redacted Shopify customer {customer.get('id') or ''}".strip()
    order_ids = _order_ids(payload, "orders_to_redact")
    ids = order_ids + ([str(customer["id"])] if customer.get("id") else [])
    # Mentions in every topic's payload (a fulfilment carries the e-mail and address, a refund the
    # order id), not only jobs filed under the order or customer id.
    jobs = job.env["shopify.sync.job"]._jobs_mentioning(job.backend_id, search_tokens, ids) - job
    attachments = jobs._data_request_attachments()
    attachments.unlink()
    jobs._redact_personal_data("customers/redact", tokens, label)
    _cancel_waiting(jobs, "Payload erased by customers/redact.")
    job._redact_personal_data("customers/redact (request processed)", tokens, label)
    tracked = _erase_tracking(job.env, partners, label)
    # Without tracking: the chatter would keep the erased values as "old value".
    partners.with_context(tracking_disable=True, mail_notrack=True).write(
        dict({name: False for name in PERSONAL_FIELDS if name in partners._fields}, name=label)
    )
    job._mark_done(
        summary=f"{len(partners)} contact(s) anonymised, {len(jobs)} job payload(s) erased, "
        f"{len(attachments)} export(s) deleted, {tracked} tracked value(s) erased."
    )
    return partners[:1]


@register("customers/data_request", "customer")
def customers_data_request(job):
    """Collect what Odoo holds on the shopper into a JSON attachment for the merchant to send."""
    payload = job._payload_json()
    customer = payload.get("customer") if isinstance(payload, dict) else None
    if not isinstance(customer, dict):
        raise DataError(
            _lt("customers/data_request names no customer."),
            fix=_lt("Shopify sent an incomplete request. Cancel the job."),
        )
    partners = _customer_partners(job, customer)
    orders = job.env["sale.order"]
    for order_id in _order_ids(payload, "orders_requested"):
        orders |= job.env["shopify.binding"]._record_for(job.backend_id, to_gid("Order", order_id)) or orders
    export = {
        "shopify_customer": customer,
        "data_request_id": (payload.get("data_request") or {}).get("id")
        if isinstance(payload.get("data_request"), dict)
        else None,
        "generated_at": fields.Datetime.to_string(fields.Datetime.now()),
        "contacts": partners.read(["name", "email", "phone", "street", "street2", "city", "zip", "country_id", "vat"]),
        "sale_orders": orders.read(["name", "client_order_ref", "date_order", "amount_total", "currency_id", "state"])
        if orders
        else [],
    }
    attachment = job.env["ir.attachment"].create(
        {
            "name": f"shopify-data-request-{customer.get('id')}.json",
            "raw": json.dumps(export, indent=2, default=str).encode(),
            "mimetype": "application/json",
            "res_model": job._name,
            "res_id": job.id,
        }
    )
    job._mark_done(
        attachment,
        summary=f"Export of {len(partners)} contact(s) and {len(orders)} order(s) attached "
        f"({attachment.name}); send it to the customer within 30 days.",
    )
    return attachment


# -- destructive topics: confirm, then act once ------------------------------------------------


def applied_before(job):
    """The done job of the same store and topic with the same body, if any (a replay)."""
    if not job.body_digest:
        return job.browse()
    return job.search(
        [
            ("backend_id", "=", job.backend_id.id),
            ("topic", "=", job.topic),
            ("id", "!=", job.id),
            ("body_digest", "=", job.body_digest),
            ("state", "=", "done"),
        ],
        limit=1,
    )


def record_replay(job, original):
    job._mark_done(
        summary=f"Replay of job #{original.id} (same body, already applied on "
        f"{original.date_done}): nothing done again."
    )
    return original


def shopify_still_serves_app(job):
    """True when Shopify still answers this store's credentials: the app is installed, so a
    notice that it was removed is stale, replayed or forged. False when Shopify refuses them."""
    backend = job.backend_id
    if backend.state == "disconnected":
        return False  # app/uninstalled was confirmed with Shopify already
    try:
        backend._get_client(allow_disconnected=True).execute(queries.SHOP_INFO)
    except TransientError:
        raise
    except (AuthenticationFailed, ConfigurationError):
        return False  # 401, frozen/closed shop, or no credentials left to ask with
    except SyncError as err:
        if err.status in (402, 404, 423):
            return False
        raise
    return True


def refuse_unconfirmed(job):
    raise DataError(
        _lt(
            (
                "Not applied: Shopify still accepts this store's credentials, so the app is "
                "installed and this %(topic)s notice is stale, replayed or forged."
            ),
            topic=job.topic,
        ),
        fix=_lt(
            "Nothing to do while the store is connected: cancel the job. If the app really was removed, "
            "Shopify refuses the token within minutes; press Retry then."
        ),
    )


@register("shop/redact", "connection")
def shop_redact(job):
    """48 h after uninstall: erase the store's payloads and credentials we still hold, in batches
    (each batch a job of its own). Contacts and accounting stay: they are the merchant's own business
    records in Odoo, not app data."""
    backend = job.backend_id
    continuation = job.direction == "out"
    if not continuation:
        original = applied_before(job)
        if original:
            return record_replay(job, original)
        if shopify_still_serves_app(job):
            refuse_unconfirmed(job)
        backend.sudo().write(
            {"access_token": False, "client_secret": False, "webhook_secret": False, "token_expires_at": False}
        )
    Job = job.env["shopify.sync.job"]
    domain = [("backend_id", "=", backend.id), ("payload_redacted", "=", False), ("id", "!=", job.id)]
    jobs = Job.search(domain, limit=SHOP_REDACT_BATCH, order="id")
    jobs._redact_personal_data("shop/redact")
    _cancel_waiting(jobs, "Payload erased by shop/redact.")
    job._redact_personal_data("shop/redact")
    summary = f"{len(jobs)} payload(s) erased" + ("" if continuation else " and the store's credentials removed")
    if Job.search_count(domain, limit=1):
        following = Job._create_outbound(backend, "connection", "shop/redact", payload={"continues": job.id})
        following.with_user(SUPERUSER_ID)._enqueue()
        summary += f"; the next batch is job #{following.id}"
    job._mark_done(summary=summary + ".")
    return backend
