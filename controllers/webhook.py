"""POST /shopify/webhook: verify, store, enqueue, answer. Never process here: Shopify wants a 2xx
within 5 seconds and a slow handler would make it redeliver (or drop the subscription)."""

import json
import logging

from odoo import SUPERUSER_ID, http
from odoo.http import request

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
        # The request's transaction holds nothing else: a delivery that loses a race rolls it back.
        job, created = env["shopify.sync.job"]._intake_webhook(
            env["shopify.backend"].browse(backend_id),
            headers,
            raw_body,
            payload,
            company_id=company_id,
            owns_transaction=True,
        )
        if payload is None:
            return _answer(400, error="body is not JSON", job=job.id)
        return _answer(200, job=job.id, duplicate=not created)
