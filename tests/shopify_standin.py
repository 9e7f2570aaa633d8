"""A Shopify Admin API stand-in on loopback, for tests and the demo sandbox.

It speaks the real wire format: GraphQL over HTTP at /admin/api/<version>/graphql.json, validated
and executed against Shopify's published Admin schema for that version (so answers have the real
shape and a misspelt field is refused like Shopify refuses it), ``extensions.cost`` from a leaky
bucket, the client-credentials token grant, and on request the failures Shopify produces: 429 with
Retry-After, THROTTLED, 401/402/403/404/423, 5xx, ACCESS_DENIED, or a hang.

No Odoo import: usable from any Python process.
"""

import base64
import collections
import hashlib
import hmac
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from graphql import graphql_sync, parse
from graphql.language import FieldNode, visit, Visitor

try:
    from .shopify_reference import load_admin_schema, validate_operation
except ImportError:  # run as a plain module (demo sandbox, self-check)
    from shopify_reference import load_admin_schema, validate_operation

GRAPHQL_PATH = re.compile(r"^/admin/api/(?P<version>[\w-]+)/graphql\.json$")

FAULT_RESPONSES = {
    "401": (401, {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}),
    "402": (402, {"errors": "Unavailable Shop"}),
    "403": (403, {"errors": "[API] This action requires merchant approval for read_orders scope."}),
    "404": (404, {"errors": "Not Found"}),
    "423": (423, {"errors": "Locked"}),
    "500": (500, {"errors": "Internal Server Error"}),
    "503": (503, {"errors": "Internal Server Error"}),
}


def sign_webhook(secret, body):
    """``X-Shopify-Hmac-Sha256`` of a raw body: base64 HMAC-SHA256 with the app's secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


class _FieldCounter(Visitor):
    def __init__(self):
        super().__init__()
        self.count = 0

    def enter_field(self, node, *_args):
        if node.selection_set:  # objects cost 1, scalars are free (Shopify's rule of thumb)
            self.count += 1


def query_cost(document):
    counter = _FieldCounter()
    visit(document, counter)
    return max(counter.count, 1)


class ShopifyStandIn:
    MAXIMUM_AVAILABLE = 2000.0
    RESTORE_RATE = 100.0

    def __init__(self, api_version="2026-10", access_token="shpat_test", client_id=None, client_secret=None,
                 shop_name="Sync Test Store", currency="USD"):
        self.api_version = api_version
        self.initial_token = access_token
        self.client_id = client_id
        self.client_secret = client_secret
        self.shop = {
            "id": "gid://shopify/Shop/1",
            "name": shop_name,
            "myshopifyDomain": "sync-test.myshopify.com",
            "currencyCode": currency,
            "plan": {"displayName": "Basic", "shopifyPlus": False, "partnerDevelopment": False},
        }
        self.root = {}  # extra root fields a test adds: name -> value or callable(info, **args)
        self.lock = threading.Lock()
        self.reset()
        self._server = None

    # -- control -------------------------------------------------------------------------------

    def reset(self):
        with getattr(self, "lock", threading.Lock()):
            self.access_token = self.initial_token
            self.granted_scopes = ["read_orders", "read_customers", "read_products"]
            self.subscriptions = []
            self.requests_log = []
            self.faults = collections.deque()
            self.token_grants = 0
            self.available = self.MAXIMUM_AVAILABLE
            self.bucket_time = time.monotonic()

    def queue_fault(self, kind, count=1, **options):
        """The next ``count`` GraphQL requests fail as ``kind`` (see module docstring)."""
        if kind not in FAULT_RESPONSES and kind not in ("429", "throttled", "hang", "access_denied"):
            raise ValueError(f"unknown fault {kind!r}")
        for _ in range(count):
            self.faults.append((kind, options))

    def start(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args):  # keep test output clean
                pass

            def do_POST(self):
                standin._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *_exc):
        self.stop()

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def operations(self):
        """Names of the GraphQL operations received, in order."""
        return [entry.get("operation") for entry in self.requests_log if entry.get("operation")]

    # -- HTTP ----------------------------------------------------------------------------------

    def _handle(self, request):
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length)
        path = request.path.split("?")[0]
        if path == "/admin/oauth/access_token":
            return self._token_grant(request, raw)
        match = GRAPHQL_PATH.match(path)
        if not match:
            return self._send(request, 404, {"errors": "Not Found"})
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return self._send(request, 400, {"errors": "Bad Request"})
        entry = {"path": path, "headers": dict(request.headers), "json": body, "operation": None}
        try:
            entry["operation"] = next(
                (d.name.value for d in parse(body.get("query", "")).definitions if getattr(d, "name", None)), None)
        except Exception:  # noqa: BLE001 - syntax errors are answered below
            pass
        with self.lock:
            self.requests_log.append(entry)
            fault = self.faults.popleft() if self.faults else None
        if fault:
            kind, options = fault
            if kind == "hang":
                time.sleep(options.get("seconds", 3))
            else:
                return self._send_fault(request, kind, options, body)
        if request.headers.get("X-Shopify-Access-Token") != self.access_token:
            return self._send(request, *FAULT_RESPONSES["401"])
        self._send(request, 200, self._execute(match["version"], body))

    def _send(self, request, status, payload, headers=None):
        data = json.dumps(payload).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        try:
            request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # client gave up (timeout tests)
            pass

    def _send_fault(self, request, kind, options, body):
        if kind == "429":
            retry_after = options.get("retry_after", 1.0)
            return self._send(request, 429, {
                "errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume "
                          "uninterrupted service."}, {"Retry-After": str(retry_after)})
        if kind == "throttled":
            cost = self._requested_cost(body)
            return self._send(request, 200, {
                "errors": [{"message": "Throttled", "extensions": {
                    "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                "extensions": {"cost": {
                    "requestedQueryCost": cost, "actualQueryCost": None,
                    "throttleStatus": {"maximumAvailable": self.MAXIMUM_AVAILABLE,
                                       "currentlyAvailable": options.get("available", 0.0),
                                       "restoreRate": self.RESTORE_RATE}}},
            })
        if kind == "access_denied":
            return self._send(request, 200, {"errors": [{
                "message": "Access denied for webhookSubscriptions field. Required access: read_orders.",
                "extensions": {"code": "ACCESS_DENIED"}}], "data": None})
        return self._send(request, *FAULT_RESPONSES[kind])

    def _token_grant(self, request, raw):
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        ok = (form.get("grant_type") == "client_credentials" and self.client_id
              and form.get("client_id") == self.client_id and form.get("client_secret") == self.client_secret)
        if not ok:
            return self._send(request, 400, {"error": "invalid_client",
                                             "error_description": "Client authentication failed"})
        with self.lock:
            self.token_grants += 1
            self.access_token = f"shpat_cc_{self.token_grants}"
        self._send(request, 200, {"access_token": self.access_token, "scope": ",".join(self.granted_scopes),
                                  "expires_in": 86399})

    # -- GraphQL -------------------------------------------------------------------------------

    def _requested_cost(self, body):
        try:
            return query_cost(parse(body.get("query", "")))
        except Exception:  # noqa: BLE001
            return 1

    def _execute(self, version, body):
        schema = load_admin_schema(version)
        query = body.get("query", "")
        problems = validate_operation(schema, query)
        if problems:
            return {"errors": [{"message": m, "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}} for m in problems]}
        cost = self._requested_cost(body)
        with self.lock:
            now = time.monotonic()
            self.available = min(self.MAXIMUM_AVAILABLE,
                                 self.available + (now - self.bucket_time) * self.RESTORE_RATE)
            self.bucket_time = now
            if cost > self.available:
                return {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                        "extensions": {"cost": self._cost(cost, None)}}
            self.available -= cost
        result = graphql_sync(schema, query, root_value=self._root(), variable_values=body.get("variables"),
                              operation_name=body.get("operationName"))
        answer = {"data": result.data, "extensions": {"cost": self._cost(cost, cost)}}
        if result.errors:
            answer["errors"] = [{"message": e.message, "path": e.path} for e in result.errors]
        return answer

    def _cost(self, requested, actual):
        return {"requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": {
            "maximumAvailable": self.MAXIMUM_AVAILABLE, "currentlyAvailable": self.available,
            "restoreRate": self.RESTORE_RATE}}

    def _root(self):
        root = {
            "shop": self.shop,
            "currentAppInstallation": {"accessScopes": [{"handle": h} for h in self.granted_scopes]},
            "webhookSubscriptions": self._webhook_subscriptions,
            "webhookSubscriptionCreate": self._webhook_subscription_create,
        }
        root.update(self.root)
        return root

    def _webhook_subscriptions(self, _info, first=None, after=None, topics=None, uri=None, **_kwargs):
        nodes = [s for s in self.subscriptions
                 if (not topics or s["topic"] in topics) and (not uri or s["uri"] == uri)]
        start = int(after) if after else 0
        page = nodes[start:start + (first or 50)]
        end = start + len(page)
        return {
            "nodes": page,
            "edges": [{"cursor": str(start + i + 1), "node": n} for i, n in enumerate(page)],
            "pageInfo": {"hasNextPage": end < len(nodes), "hasPreviousPage": start > 0,
                         "startCursor": str(start) if page else None, "endCursor": str(end) if page else None},
        }

    def _webhook_subscription_create(self, _info, topic, webhookSubscription):
        uri = webhookSubscription.get("uri") or webhookSubscription.get("callbackUrl")
        with self.lock:
            if any(s["topic"] == topic and s["uri"] == uri for s in self.subscriptions):
                return {"webhookSubscription": None, "userErrors": [{
                    "field": ["webhookSubscription", "callbackUrl"],
                    "message": "Address for this topic has already been taken"}]}
            subscription = {
                "id": f"gid://shopify/WebhookSubscription/{len(self.subscriptions) + 1}",
                "topic": topic,
                "uri": uri,
                "callbackUrl": uri,
                "format": webhookSubscription.get("format") or "JSON",
                "apiVersion": {"handle": self.api_version, "displayName": self.api_version,
                               "supported": True},
                "includeFields": [], "metafieldNamespaces": [],
            }
            self.subscriptions.append(subscription)
        return {"webhookSubscription": subscription, "userErrors": []}
