"""POST /shopify/webhook: verify, store, enqueue, answer. Never process here: Shopify wants a 2xx
within 5 seconds and a slow handler would make it redeliver (or drop the subscription)."""

import functools
import json
import logging
import os

import psycopg2

import odoo.modules.module
from odoo import SUPERUSER_ID, http, sql_db
from odoo.http import request
from odoo.tools import str2bool

from ..lib import intake_connection
from ..lib.webhook import MAX_BODY_BYTES, read_headers, verify_hmac

_logger = logging.getLogger(__name__)


# What read_headers reads, as keys of the WSGI environment: werkzeug's header mapping costs more
# per lookup than the whole HMAC check.
_SHOPIFY_HEADERS = tuple(
    (name, "HTTP_" + name.upper().replace("-", "_"))
    for name in (
        "X-Shopify-Topic",
        "X-Shopify-Shop-Domain",
        "X-Shopify-Hmac-Sha256",
        "X-Shopify-API-Version",
        "X-Shopify-Webhook-Id",
        "X-Shopify-Event-Id",
        "X-Shopify-Triggered-At",
    )
)
_JSON_HEADERS = (("Content-Type", "application/json; charset=utf-8"),)


# System parameter: "False" stores webhooks in the request's own transaction (Odoo's pooled
# connection) instead of the intake's dedicated connection (lib/intake_connection.py).
DEDICATED_CONNECTION_PARAM = "shopify_sync.intake_dedicated_connection"


def _connect(dbname):
    _name, info = sql_db.connection_info_for(dbname)
    return psycopg2.connect(**dict(info, application_name=f"{intake_connection.APPLICATION_NAME} {os.getpid()}"))


def _dedicated_connection(env):
    """The intake connection this request borrows, or None to use the request's transaction: when
    the system parameter says so, and under Odoo's tests, whose HTTP requests share the test's
    uncommitted transaction (unless a committed test allows it)."""
    if odoo.modules.module.current_test and not intake_connection.ALLOWED_IN_TESTS:
        return None
    if not str2bool(env["ir.config_parameter"].get_param(DEDICATED_CONNECTION_PARAM, "True"), True):
        return None
    dbname = env.cr.dbname
    return intake_connection.borrow(dbname, functools.partial(_connect, dbname))


def _answer(status, **body):
    # make_json_response's generic path (header object, fallback serializer) is not needed here.
    return request.make_response(json.dumps(body), list(_JSON_HEADERS), status=status)


class ShopifyWebhookController(http.Controller):
    @http.route(
        "/shopify/webhook", type="http", auth="none", methods=["POST"], csrf=False, save_session=False, readonly=False
    )
    def receive_webhook(self, **_kwargs):
        httprequest = request.httprequest
        if (httprequest.content_length or 0) > MAX_BODY_BYTES:
            return _answer(413, error="body too large")
        # Cached: Odoo replays the request on a serialization failure and needs the body again.
        # A chunked body has no Content-Length: Odoo's global request limit bounds that read.
        raw_body = httprequest.get_data()
        if len(raw_body) > MAX_BODY_BYTES:
            return _answer(413, error="body too large")

        environ = httprequest.environ
        headers = read_headers({name: environ.get(key) for name, key in _SHOPIFY_HEADERS})
        env = request.env(user=SUPERUSER_ID, su=True)
        # Cached per worker (models/shopify_backend_intake.py): no query on the hot path.
        known = env["shopify.backend"]._webhook_intake_key(headers["shop_domain"])
        # Unknown shop and bad signature look the same from outside: nothing stored, 401.
        if not known or not verify_hmac(known[1], raw_body, headers["hmac"]):
            _logger.warning("Refused Shopify webhook for %r (unknown shop or bad HMAC)", headers["shop_domain"])
            return _answer(401, error="unauthorized")
        if not headers["topic"]:
            return _answer(400, error="missing X-Shopify-Topic")
        try:
            payload = json.loads(raw_body)
        except (ValueError, RecursionError):  # RecursionError: nesting deeper than Python's stack
            payload = None
        backend_id, _secret, company_id = known
        # Stored and committed on the intake's own connection (its plans stay cached), or else in
        # the request's transaction, which holds nothing else: a delivery that loses a race rolls it back.
        connection = _dedicated_connection(env)
        try:
            job, created = env["shopify.sync.job"]._intake_webhook(
                env["shopify.backend"].browse(backend_id),
                headers,
                raw_body,
                payload,
                company_id=company_id,
                owns_transaction=True,
                connection=connection,
            )
        finally:
            if connection is not None:
                intake_connection.give_back(connection)
        if payload is None:
            return _answer(400, error="body is not JSON", job=job.id)
        return _answer(200, job=job.id, duplicate=not created)
