"""A Shopify Admin API stand-in on loopback, for tests and the demo sandbox.

It speaks the real wire format: GraphQL over HTTP at /admin/api/<version>/graphql.json, validated
and executed against Shopify's published Admin schema for that version (so answers have the real
shape and a misspelt field is refused like Shopify refuses it), ``extensions.cost`` from a leaky
bucket, the client-credentials token grant, and on request the failures Shopify produces.

Usage::

    with ShopifyStandIn(access_token="shpat_test") as shopify:
        shopify.queue_fault("429", retry_after=2)      # next GraphQL request gets HTTP 429
        shopify.root["orders"] = lambda info, **args: {...}  # extra root field
        requests.post(f"{shopify.base_url}/admin/api/2026-10/graphql.json", ...)
        len(shopify.requests_log)                      # GraphQL requests received

Bulk operations: ``bulkOperationRunQuery`` checks Shopify's restrictions on the query (a connection,
at most five, nested at most two deep, no top-level ``node``/``nodes``), runs it against the same
root fields, and serves the result as JSONL (one object per line, children after their parent with
``__parentId``) at ``<base_url>/bulk/<n>.jsonl``; ``bulkOperation(id)`` answers RUNNING for the first
``bulk_running_polls`` reads, then COMPLETED with that URL.

Query cost charged to the bucket (kept simple, not Shopify's exact calculator): 1 per selected
field that has a selection set (objects, connections, mutation payloads), scalars free, at least 1.
Separately, a query whose requested cost by Shopify's published rules (connections multiply by
``first``) passes 1,000 points is refused with ``MAX_COST_EXCEEDED``, and a connection without
``first``/``last`` or asking for more than 250 is refused, as Shopify refuses them. The bucket holds
2000 points and restores 100 per second, like a standard-plan shop.

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
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from graphql import (
    GraphQLError,
    TypeInfo,
    TypeInfoVisitor,
    execute_sync,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    parse,
    validate,
    value_from_ast_untyped,
)
from graphql.language import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    OperationDefinitionNode,
    OperationType,
    Visitor,
    visit,
)

try:
    from .shopify_reference import load_admin_schema
except ImportError:  # imported as a plain module (demo sandbox, self-check)
    from shopify_reference import load_admin_schema

GRAPHQL_PATH = re.compile(r"^/admin/api/(?P<version>[\w-]+)/graphql\.json$")
RATE_LIMITS_DOC = "https://shopify.dev/api/usage/rate-limits"

# Shopify's own bodies for refusals that come as plain HTTP statuses.
FAULT_RESPONSES = {
    "401": (401, {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}),
    "402": (402, {"errors": "Unavailable Shop"}),
    "403": (403, {"errors": "[API] This action requires merchant approval for read_orders scope."}),
    "404": (404, {"errors": "Not Found"}),
    "423": (423, {"errors": "Locked"}),
    "500": (500, {"errors": "Internal Server Error"}),
    "503": (503, {"errors": "Internal Server Error"}),
}
FAULT_KINDS = frozenset(FAULT_RESPONSES) | {"429", "throttled", "hang", "access_denied"}

# graphql-core's validation messages -> the codes Shopify's GraphQL engine (graphql-ruby) puts in
# errors[].extensions.code, so clients that branch on codes see the same ones.
VALIDATION_CODES = [
    ("Cannot query field", "undefinedField"),
    ("Unknown argument", "argumentNotAccepted"),
    ("Unknown type", "undefinedType"),
    ("must have a selection of subfields", "selectionMismatch"),
    ("must not have a selection", "selectionMismatch"),
    ("is required, but it was not provided", "missingRequiredArguments"),
    ("is never used", "variableNotUsed"),
    ("is not defined", "variableNotDefined"),
    ("used in position expecting", "variableMismatch"),
]


def sign_webhook(secret, body):
    """``X-Shopify-Hmac-Sha256`` of a raw body: base64 HMAC-SHA256 keyed with the app's secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


class _ObjectFieldCounter(Visitor):
    def __init__(self):
        super().__init__()
        self.count = 0

    def enter_field(self, node, *_args):
        if node.selection_set:
            self.count += 1


def query_cost(document):
    """Requested cost of a parsed document (see module docstring)."""
    counter = _ObjectFieldCounter()
    visit(document, counter)
    return max(counter.count, 1)


MAX_QUERY_COST = 1000  # Shopify refuses a single query whose requested cost is above this


def shopify_requested_cost(schema, document, variables=None, operation_name=None):  # noqa: C901 - mirrors Shopify's cost rules one by one
    """Requested cost by Shopify's published rules, used only to refuse what Shopify refuses
    (MAX_COST_EXCEEDED): scalars and enums 0, objects 1, interfaces and unions the most expensive
    fragment, connections 2 + first (or last) x the cost of one node, ``nodes(ids:)`` the number of
    ids x one node, mutations 10. A plain list with a ``first`` argument is counted as ``first``
    objects (Shopify does not document lists; counting them high keeps our queries safe)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    operation = next((o for o in operations if not operation_name or (o.name and o.name.value == operation_name)), None)
    if operation is None:
        return 0
    if operation.operation == OperationType.MUTATION:
        return 10
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    variables = variables or {}

    def argument(field, name):
        for arg in field.arguments or ():
            if arg.name.value == name:
                return value_from_ast_untyped(arg.value, variables)
        return None

    def selections_cost(selection_set, parent):
        total, by_type = 0, {}
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += field_cost(selection, parent)
                continue
            if isinstance(selection, FragmentSpreadNode):
                fragment = fragments[selection.name.value]
                condition, selection_set_ = fragment.type_condition, fragment.selection_set
            else:
                condition, selection_set_ = selection.type_condition, selection.selection_set
            target = schema.get_type(condition.name.value) if condition else parent
            by_type[target.name] = by_type.get(target.name, 0) + selections_cost(selection_set_, target)
        return total + max(by_type.values(), default=0)

    def node_cost(connection_field, connection_type):
        costs = []
        for selection in connection_field.selection_set.selections:
            if not isinstance(selection, FieldNode):
                continue
            if selection.name.value == "nodes":
                costs.append(
                    1 + selections_cost(selection.selection_set, get_named_type(connection_type.fields["nodes"].type))
                )
            elif selection.name.value == "edges":
                edge_type = get_named_type(connection_type.fields["edges"].type)
                for inner in selection.selection_set.selections:
                    if isinstance(inner, FieldNode) and inner.name.value == "node":
                        costs.append(
                            1 + selections_cost(inner.selection_set, get_named_type(edge_type.fields["node"].type))
                        )
        return max(costs, default=0)

    def field_cost(field, parent):
        name = field.name.value
        if name.startswith("__") or not hasattr(parent, "fields") or name not in parent.fields:
            return 0
        named = get_named_type(parent.fields[name].type)
        if is_leaf_type(named) or not field.selection_set:
            return 0
        if named.name.endswith("Connection") and hasattr(named, "fields"):
            size = argument(field, "first") or argument(field, "last") or 1
            return 2 + size * node_cost(field, named)
        ids = argument(field, "ids")
        if isinstance(ids, list):
            return len(ids) * (1 + selections_cost(field.selection_set, named))
        if is_list_type(get_nullable_type(parent.fields[name].type)) and argument(field, "first"):
            # A plain list sized by ``first`` (Order.fulfillments): priced like the objects it may return.
            return argument(field, "first") * (1 + selections_cost(field.selection_set, named))
        return 1 + selections_cost(field.selection_set, named)

    root = schema.query_type
    return selections_cost(operation.selection_set, root)


MAX_PAGE_SIZE = 250


def page_size_problems(schema, document):
    """Connections Shopify would refuse outside a bulk query: no ``first``/``last``, or more than 250."""
    type_info = TypeInfo(schema)
    problems = []

    class PageSizes(Visitor):
        def enter_field(self, node, *_args):
            named = get_named_type(type_info.get_type())
            if not (named and named.name.endswith("Connection")):
                return
            sizes = {arg.name.value: arg.value for arg in node.arguments or () if arg.name.value in ("first", "last")}
            if not sizes:
                problems.append(f"you must provide one of first or last ({node.name.value})")
            for name, value in sizes.items():
                if getattr(value, "value", None) is not None and int(value.value) > MAX_PAGE_SIZE:
                    problems.append(f"{node.name.value}: {name} cannot exceed {MAX_PAGE_SIZE}")

    visit(document, TypeInfoVisitor(type_info, PageSizes()))
    return problems


def bulk_query_problems(schema, document):
    """Why Shopify would refuse ``document`` as a bulk query ([] when it would not)."""
    type_info = TypeInfo(schema)
    stack, found = [], {"connections": 0, "depth": 0, "top_level_node": False}

    class Restrictions(Visitor):
        def enter_field(self, node, *_args):
            named = get_named_type(type_info.get_type())
            is_connection = bool(named and named.name.endswith("Connection"))
            if not stack and node.name.value in ("node", "nodes"):
                found["top_level_node"] = True
            stack.append(is_connection)
            if is_connection:
                found["connections"] += 1
                found["depth"] = max(found["depth"], sum(stack))

        def leave_field(self, *_args):
            stack.pop()

    visit(document, TypeInfoVisitor(type_info, Restrictions()))
    problems = []
    if found["top_level_node"]:
        problems.append("The top-level node and nodes fields cannot be used in bulk queries.")
    if not found["connections"]:
        problems.append("Bulk queries require a connection field.")
    if found["connections"] > 5:
        problems.append("Bulk queries cannot contain more than 5 connections.")
    if found["depth"] > 2:
        problems.append("Bulk queries cannot contain connections with a nesting depth greater than 2.")
    return problems


def bulk_jsonl_objects(data):
    """A query result flattened as Shopify writes a bulk result: every node of a connection is one
    object; nodes of nested connections follow with ``__parentId``, the id of the object holding
    the connection: a connection inside a list field's item (an order's ``refunds``, each with its
    ``refundLineItems``) points to that item (the refund), which stays inside its own line."""
    out = []

    def connection_nodes(value):
        if isinstance(value, dict):
            if isinstance(value.get("edges"), list):
                return [edge["node"] for edge in value["edges"] if edge and edge.get("node")]
            if isinstance(value.get("nodes"), list):
                return value["nodes"]
        return None

    def without_connections(value, holder, children):
        """``value`` with its connections taken out, each put in ``children`` with the id of the
        object that holds it (the nearest one with an id)."""
        if isinstance(value, list):
            return [without_connections(item, holder, children) for item in value]
        if not isinstance(value, dict):
            return value
        holder = value.get("id") or holder
        row = {}
        for key, sub in value.items():
            nodes = connection_nodes(sub)
            if nodes is None:
                row[key] = without_connections(sub, holder, children)
            else:
                children.append((nodes, holder))
        return row

    def emit(node, parent):
        children = []
        row = without_connections(node, None, children)
        if parent:
            row["__parentId"] = parent
        out.append(row)
        for nodes, holder in children:
            for child in nodes:
                emit(child, holder)

    for value in (data or {}).values():
        for node in connection_nodes(value) or []:
            emit(node, None)
    return out


def _error_dict(error, code=None):
    """A GraphQLError the way Shopify serialises it: message, locations, path, extensions.code."""
    answer = {"message": error.message}
    if error.locations:
        answer["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        answer["path"] = list(error.path)
    if code:
        answer["extensions"] = {"code": code}
    return answer


def _validation_code(message):
    return next((code for fragment, code in VALIDATION_CODES if fragment in message), "validationError")


class ShopifyStandIn:
    MAXIMUM_AVAILABLE = 2000.0
    RESTORE_RATE = 100.0

    def __init__(
        self,
        api_version="2026-10",
        access_token="shpat_test",
        client_id=None,
        client_secret=None,
        shop_name="Sync Test Store",
        currency="USD",
    ):
        self.api_version = api_version
        self.initial_token = access_token
        self.client_id = client_id
        self.client_secret = client_secret
        self.shop = {
            "id": "gid://shopify/Shop/1",
            "name": shop_name,
            "myshopifyDomain": "sync-test.myshopify.com",
            "currencyCode": currency,
            "plan": {
                "displayName": "Basic",
                "publicDisplayName": "Basic",
                "shopifyPlus": False,
                "partnerDevelopment": False,
            },
        }
        self.root = {}  # extra root fields a test adds: name -> value or callable(info, **args)
        self.lock = threading.Lock()
        self._server = None
        self.reset()

    # -- control -------------------------------------------------------------------------------

    def reset(self):
        """Back to the default state between tests (``shop`` and ``root`` are left as they are)."""
        with self.lock:
            self.access_token = self.initial_token
            self.granted_scopes = ["read_orders", "read_customers", "read_products"]
            self.subscriptions = []
            self.requests_log = []  # GraphQL requests only: {path, headers, json, operation}
            self.faults = collections.deque()
            self.token_grants = 0
            self.bulk_operations = {}  # gid -> {"query", "status", "lines", "polls"}
            self.bulk_running_polls = 1
            self.requested_costs = []  # every query's requested cost by Shopify's rules
            self.refused_costs = []  # requested costs refused as MAX_COST_EXCEEDED
            self.max_query_cost = MAX_QUERY_COST  # None: accept any cost (a benchmark measuring past it)
            self.bulk_failure = None  # an errorCode ("ACCESS_DENIED", ...): the next operations end FAILED with it
            self.available = self.MAXIMUM_AVAILABLE
            self.bucket_time = time.monotonic()

    def queue_fault(self, kind, count=1, **options):
        """Make the next ``count`` GraphQL requests fail as ``kind``, in the order queued.

        Kinds: "429" (retry_after=1.0), "throttled" (available=0), "401", "402", "403", "404",
        "423", "500", "503", "hang" (seconds=3, then a normal answer), "access_denied".
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        with self.lock:
            self.faults.extend([(kind, options)] * count)

    def start(self, port=0):
        """Listen on 127.0.0.1:``port`` (0: any free port; the demo sandbox asks for a fixed one)."""
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like Shopify; every answer has a length

            def log_message(self, *_args):  # keep test output clean
                pass

            def do_GET(self):  # bulk operation results, as Shopify's storage serves them
                operation = next(
                    (op for op in standin.bulk_operations.values() if op.get("path") == self.path.split("?")[0]), None
                )
                if not operation:
                    return standin._send(self, 404, {"errors": "Not Found"})
                body = "".join(json.dumps(line) + "\n" for line in operation["lines"]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/jsonl")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                try:
                    standin._handle(self)
                except Exception as exc:  # a stand-in bug: answer it visibly rather than drop the socket
                    traceback.print_exc()
                    standin._send(self, 500, {"errors": f"Shopify stand-in failed: {exc!r}"})

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True  # a "hang" must not block stop()
        threading.Thread(target=self._server.serve_forever, name="shopify-standin", daemon=True).start()
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

    def graphql_url(self, api_version=None):
        return f"{self.base_url}/admin/api/{api_version or self.api_version}/graphql.json"

    def operations(self):
        """Names of the named GraphQL operations received, in order."""
        return [entry["operation"] for entry in self.requests_log if entry["operation"]]

    # -- HTTP ----------------------------------------------------------------------------------

    def _handle(self, request):
        raw = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        path = request.path.split("?")[0]
        if path == "/admin/oauth/access_token":
            return self._token_grant(request, raw)
        match = GRAPHQL_PATH.match(path)
        if not match:
            return self._send(request, *FAULT_RESPONSES["404"])
        try:
            body = json.loads(raw or b"{}")
            if not isinstance(body, dict):
                raise ValueError
        except ValueError:
            return self._send(request, 400, {"errors": "Bad Request"})
        entry = {"path": path, "headers": dict(request.headers), "json": body, "operation": self._operation_name(body)}
        with self.lock:
            self.requests_log.append(entry)
            fault = self.faults.popleft() if self.faults else None
        if fault:
            kind, options = fault
            if kind != "hang":
                return self._send_fault(request, kind, options, body)
            time.sleep(options.get("seconds", 3))
        if request.headers.get("X-Shopify-Access-Token") != self.access_token:
            return self._send(request, *FAULT_RESPONSES["401"])
        version = match["version"]
        try:
            schema = load_admin_schema(version)
        except FileNotFoundError:  # no such API version
            return self._send(request, *FAULT_RESPONSES["404"])
        except RuntimeError as exc:  # reference material missing: say so instead of dropping the socket
            return self._send(request, 500, {"errors": str(exc)})
        self._send(request, 200, self._execute(schema, body), {"X-Shopify-API-Version": version})

    @staticmethod
    def _operation_name(body):
        if body.get("operationName"):
            return body["operationName"]
        try:
            return next(
                (d.name.value for d in parse(body.get("query") or "").definitions if getattr(d, "name", None)), None
            )
        except GraphQLError:  # a syntax error is answered later
            return None

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
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
            return

    def _send_fault(self, request, kind, options, body):
        if kind == "429":
            return self._send(
                request,
                429,
                {
                    "errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume "
                    "uninterrupted service."
                },
                {"Retry-After": str(options.get("retry_after", 1.0))},
            )
        if kind == "throttled":
            return self._send(
                request, 200, self._throttled(self._requested_cost(body), options.get("available") or 0.0)
            )
        if kind == "access_denied":
            return self._send(
                request,
                200,
                {
                    "data": None,
                    "errors": [
                        {
                            "message": "Access denied for webhookSubscriptions field. Required access: read_orders.",
                            "extensions": {
                                "code": "ACCESS_DENIED",
                                "documentation": "https://shopify.dev/api/usage/access-scopes",
                            },
                        }
                    ],
                },
            )
        return self._send(request, *FAULT_RESPONSES[kind])

    def _token_grant(self, request, raw):
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        ok = (
            form.get("grant_type") == "client_credentials"
            and self.client_id
            and form.get("client_id") == self.client_id
            and form.get("client_secret") == self.client_secret
        )
        if not ok:
            return self._send(
                request, 400, {"error": "invalid_client", "error_description": "Client authentication failed"}
            )
        with self.lock:
            self.token_grants += 1
            self.access_token = f"shpat_cc_{self.token_grants}"
            answer = {"access_token": self.access_token, "scope": ",".join(self.granted_scopes), "expires_in": 86399}
        self._send(request, 200, answer)

    # -- GraphQL -------------------------------------------------------------------------------

    def _requested_cost(self, body):
        try:
            return query_cost(parse(body.get("query") or ""))
        except GraphQLError:
            return 1

    def _throttled(self, requested, available):
        return {
            "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED", "documentation": RATE_LIMITS_DOC}}],
            "extensions": {"cost": self._cost(requested, None, available)},
        }

    def _execute(self, schema, body):
        query = body.get("query") or ""
        try:
            document = parse(query)
        except GraphQLError as error:  # Shopify: HTTP 200, errors with locations, no code
            return {"errors": [_error_dict(error)]}
        problems = validate(schema, document)
        if problems:
            return {"errors": [_error_dict(e, _validation_code(e.message)) for e in problems]}
        sizes = page_size_problems(schema, document)
        if sizes:
            return {"errors": [{"message": problem, "extensions": {"code": "BAD_REQUEST"}} for problem in sizes]}
        requested = shopify_requested_cost(schema, document, body.get("variables"), body.get("operationName"))
        self.requested_costs.append(requested)
        if self.max_query_cost and requested > self.max_query_cost:
            self.refused_costs.append(requested)
            return {
                "errors": [
                    {
                        "message": f"Query cost is {requested}, which exceeds the single query max cost limit "
                        f"({MAX_QUERY_COST}). See {RATE_LIMITS_DOC} for more information on how the cost of a "
                        "query is calculated. To query larger amounts of data with fewer limits, bulk "
                        "operations should be used instead.",
                        "extensions": {"code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": MAX_QUERY_COST},
                    }
                ]
            }
        cost = query_cost(document)
        with self.lock:  # leaky bucket: refill for the time elapsed, then spend or refuse
            now = time.monotonic()
            self.available = min(self.MAXIMUM_AVAILABLE, self.available + (now - self.bucket_time) * self.RESTORE_RATE)
            self.bucket_time = now
            if cost > self.available:
                return self._throttled(cost, self.available)
            self.available -= cost
            available = self.available
        # execute_sync is graphql_sync minus the parse and validation already done above.
        result = execute_sync(
            schema,
            document,
            root_value=self._root(),
            variable_values=body.get("variables"),
            operation_name=body.get("operationName"),
        )
        answer = {"data": result.data}
        if result.errors:
            answer["errors"] = [_error_dict(e) for e in result.errors]
        answer["extensions"] = {"cost": self._cost(cost, cost, available)}
        return answer

    def _cost(self, requested, actual, available):
        return {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": self.MAXIMUM_AVAILABLE,
                "currentlyAvailable": available,
                "restoreRate": self.RESTORE_RATE,
            },
        }

    def _root(self):
        root = {
            "shop": self.shop,
            "currentAppInstallation": {
                "id": "gid://shopify/AppInstallation/1",
                "accessScopes": [{"handle": handle, "description": handle} for handle in self.granted_scopes],
            },
            "webhookSubscriptions": self._webhook_subscriptions,
            "webhookSubscriptionCreate": self._webhook_subscription_create,
            "bulkOperationRunQuery": self._bulk_run,
            "bulkOperation": self._bulk_operation,
        }
        root.update(self.root)
        return root

    def _webhook_subscriptions(
        self, _info, first=None, after=None, topics=None, uri=None, callbackUrl=None, **_ignored
    ):
        uri = uri or callbackUrl
        nodes = [s for s in self.subscriptions if (not topics or s["topic"] in topics) and (not uri or s["uri"] == uri)]
        # Cursors are plain list offsets: opaque enough for a client that only echoes them back.
        start = int(after) if after else 0
        page = nodes[start : start + (first or 50)]
        end = start + len(page)
        return {
            "nodes": page,
            "edges": [{"cursor": str(start + i + 1), "node": node} for i, node in enumerate(page)],
            "pageInfo": {
                "hasNextPage": end < len(nodes),
                "hasPreviousPage": start > 0,
                "startCursor": str(start + 1) if page else None,
                "endCursor": str(end) if page else None,
            },
        }

    def _webhook_subscription_create(self, _info, topic, webhookSubscription):
        uri = webhookSubscription.get("uri") or webhookSubscription.get("callbackUrl")
        with self.lock:
            if any(s["topic"] == topic and s["uri"] == uri for s in self.subscriptions):
                return {
                    "webhookSubscription": None,
                    "userErrors": [
                        {
                            "field": ["webhookSubscription", "callbackUrl"],
                            "message": "Address for this topic has already been taken",
                        }
                    ],
                }
            number = len(self.subscriptions) + 1
            now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            subscription = {
                "id": f"gid://shopify/WebhookSubscription/{number}",
                "legacyResourceId": str(number),
                "topic": topic,
                "uri": uri,
                "callbackUrl": uri,
                "endpoint": {"__typename": "WebhookHttpEndpoint", "callbackUrl": uri},
                "format": webhookSubscription.get("format") or "JSON",
                "filter": webhookSubscription.get("filter"),
                "name": webhookSubscription.get("name"),
                "includeFields": webhookSubscription.get("includeFields") or [],
                "metafieldNamespaces": webhookSubscription.get("metafieldNamespaces") or [],
                "metafields": [],
                "apiVersion": {"handle": self.api_version, "displayName": self.api_version, "supported": True},
                "createdAt": now,
                "updatedAt": now,
            }
            self.subscriptions.append(subscription)
        return {"webhookSubscription": subscription, "userErrors": []}

    # -- bulk operations -----------------------------------------------------------------------

    def _bulk_run(self, info, query, groupObjects=None):  # noqa: N803 - GraphQL argument name
        def refused(message, code="INVALID"):
            return {"bulkOperation": None, "userErrors": [{"field": ["query"], "message": message, "code": code}]}

        try:
            document = parse(query)
        except GraphQLError as error:
            return refused(f"Invalid bulk query: {error.message}")
        problems = [e.message for e in validate(info.schema, document)] or bulk_query_problems(info.schema, document)
        if problems:
            return refused("Invalid bulk query: " + " ".join(problems))
        result = execute_sync(info.schema, document, root_value=self._root())
        with self.lock:
            number = len(self.bulk_operations) + 1
            gid = f"gid://shopify/BulkOperation/{number}"
            failure = self.bulk_failure or ("INTERNAL_SERVER_ERROR" if result.errors else None)
            self.bulk_operations[gid] = {
                "query": query,
                "polls": 0,
                "path": f"/bulk/{number}.jsonl",
                "error_code": failure,
                "status": "FAILED" if failure else "COMPLETED",
                "lines": [] if failure else bulk_jsonl_objects(result.data),
            }
        return {"bulkOperation": {"id": gid, "status": "CREATED"}, "userErrors": []}

    def _bulk_operation(self, _info, id):  # noqa: A002 - GraphQL argument name
        operation = self.bulk_operations.get(id)
        if not operation:
            return None
        with self.lock:
            operation["polls"] += 1
            running = operation["polls"] <= self.bulk_running_polls
        status = "RUNNING" if running else operation["status"]
        done = status == "COMPLETED"
        return {
            "id": id,
            "status": status,
            "errorCode": operation["error_code"] if status == "FAILED" else None,
            "objectCount": str(len(operation["lines"]) if done else 0),
            "url": f"{self.base_url}{operation['path']}" if done and operation["lines"] else None,
            "partialDataUrl": None,
        }


# -- Shopify Payments ------------------------------------------------------------------------------

from decimal import Decimal  # noqa: E402 - used by the Shopify Payments ledger below only

_SEARCH_TERM = re.compile(r"(?P<field>\w+):(?P<op>>=|<=|>|<)?(?P<value>\S+)")
_PAYOUT_SUMMARY_BUCKETS = {  # summary field prefix -> balance transaction types it totals
    "charges": {"CHARGE"},
    "refunds": {"REFUND"},
    "reservedFunds": {"RESERVED_FUNDS", "RESERVED_FUNDS_WITHDRAWAL", "RESERVED_FUNDS_REVERSAL"},
    "retriedPayouts": {"TRANSFER_FAILURE", "TRANSFER_CANCEL", "TRANSFER_REFUND"},
    "advance": {"ADVANCE", "ADVANCE_FUNDING"},
}


def _search_matches(query, values):
    """Shopify search syntax, the subset the addon sends: ``field:value`` and ``field:>=value``
    terms joined by spaces (AND). ``values``: field -> the record's value (compared as text, which
    orders ISO dates correctly)."""
    for term in _SEARCH_TERM.finditer(query or ""):
        field, op, expected = term["field"], term["op"] or "=", term["value"].strip("'\"")
        actual = values.get(field)
        if actual is None:
            return False
        actual = str(actual)
        # A date bound (2026-11-20) against a timestamp: compare the timestamp's date part where it matters.
        ok = {
            "=": actual == expected,
            ">=": actual >= expected,
            "<": actual < expected,
            "<=": actual[: len(expected)] <= expected,
            ">": actual[: len(expected)] > expected,
        }[op]
        if not ok:
            return False
    return True


def _page(nodes, first=None, after=None):
    start = int(after or 0)
    page = nodes[start : start + first] if first else nodes[start:]
    return {
        "nodes": page,
        "edges": [{"cursor": str(start + i + 1), "node": n} for i, n in enumerate(page)],
        "pageInfo": {
            "hasNextPage": start + len(page) < len(nodes),
            "hasPreviousPage": start > 0,
            "startCursor": str(start + 1) if page else None,
            "endCursor": str(start + len(page)) if page else None,
        },
    }


class PaymentsLedger:
    """A Shopify Payments account answered as ``shopifyPaymentsAccount { payouts, balanceTransactions,
    disputes }`` in the schema's shape: payouts whose net and summary are computed from their
    balance transactions (net = amount - fee, summed), as Shopify computes them.

    ::

        ledger = PaymentsLedger(standin)
        charge = ledger.transaction("CHARGE", "100.00", "3.20", order=(1001, "#1001"), order_transaction_id=77)
        payout = ledger.payout([charge], status="PAID", issued_at="2026-11-20T09:00:00Z")
        ledger.set_status(payout, "FAILED")
    """

    def __init__(self, standin=None, currency="USD"):
        self.currency = currency
        self.payouts = []
        self.transactions = []  # each with "_payout" (the payout's legacy id)
        self.disputes = []
        self._ids = 1000
        if standin is not None:
            standin.root["shopifyPaymentsAccount"] = self.account

    def _next_id(self):
        self._ids += 1
        return self._ids

    def account(self, _info=None):
        return {
            "id": "gid://shopify/ShopifyPaymentsAccount/1",
            "activated": True,
            "country": "US",
            "defaultCurrency": self.currency,
            "onboardable": False,
            "payouts": self._payouts,
            "balanceTransactions": self._balance_transactions,
            "disputes": self._disputes,
        }

    # -- data ------------------------------------------------------------------------------------

    @staticmethod
    def money(amount, currency):
        return {"amount": str(amount), "currencyCode": currency}

    def transaction(
        self,
        kind,
        amount,
        fee="0.00",
        order=None,
        order_transaction_id=None,
        source_type=None,
        source_id=None,
        date="2026-11-18T15:00:00Z",
        currency=None,
    ):
        """A balance transaction (not yet in a payout). ``order``: (numeric id, name)."""
        currency = currency or self.currency
        amount, fee = Decimal(str(amount)), Decimal(str(fee))
        number = self._next_id()
        source_type = source_type or {"CHARGE": "CHARGE", "REFUND": "REFUND"}.get(kind, "ADJUSTMENT")
        return {
            "id": f"gid://shopify/ShopifyPaymentsBalanceTransaction/{number}",
            "type": kind,
            "sourceType": source_type,
            "test": False,
            "adjustmentReason": None,
            "sourceId": str(source_id or number + 500000),
            "sourceOrderTransactionId": str(order_transaction_id) if order_transaction_id else None,
            "transactionDate": date,
            "amount": self.money(amount, currency),
            "fee": self.money(fee, currency),
            "net": self.money(amount - fee, currency),
            "associatedOrder": {"id": f"gid://shopify/Order/{order[0]}", "name": order[1]} if order else None,
            "adjustmentsOrders": [],
        }

    def payout(
        self,
        transactions,
        status="PAID",
        issued_at="2026-11-20T09:00:00Z",
        currency=None,
        transaction_type="DEPOSIT",
        external_trace_id=None,
        net_override=None,
    ):
        """A payout of ``transactions``; its net and summary are theirs unless ``net_override``
        (a Shopify inconsistency, for tests of the checks)."""
        currency = currency or self.currency
        legacy = self._next_id()
        gid = f"gid://shopify/ShopifyPaymentsPayout/{legacy}"
        net = sum((Decimal(t["net"]["amount"]) for t in transactions), Decimal("0"))
        summary = {}
        bucketed = set()
        for prefix, kinds in _PAYOUT_SUMMARY_BUCKETS.items():
            chosen = [t for t in transactions if t["type"] in kinds]
            bucketed |= {t["id"] for t in chosen}
            gross_name = "refundsFeeGross" if prefix == "refunds" else f"{prefix}Gross"
            fee_name = "advanceFees" if prefix == "advance" else f"{prefix}Fee"
            summary[gross_name] = self.money(
                sum((Decimal(t["amount"]["amount"]) for t in chosen), Decimal("0")), currency
            )
            summary[fee_name] = self.money(sum((Decimal(t["fee"]["amount"]) for t in chosen), Decimal("0")), currency)
        rest = [t for t in transactions if t["id"] not in bucketed]
        summary["adjustmentsGross"] = self.money(
            sum((Decimal(t["amount"]["amount"]) for t in rest), Decimal("0")), currency
        )
        summary["adjustmentsFee"] = self.money(sum((Decimal(t["fee"]["amount"]) for t in rest), Decimal("0")), currency)
        summary["usdcRebateCreditAmount"] = self.money("0.00", currency)
        node = {
            "id": gid,
            "legacyResourceId": str(legacy),
            "status": status,
            "transactionType": transaction_type,
            "issuedAt": issued_at,
            "externalTraceId": external_trace_id,
            "net": self.money(net_override if net_override is not None else abs(net), currency),
            "gross": self.money(summary["chargesGross"]["amount"], currency),
            "summary": summary,
        }
        self.payouts.append(node)
        for tx in transactions:
            tx["_payout"] = str(legacy)
            tx["associatedPayout"] = {"id": gid, "status": status}
            self.transactions.append(tx)
        return node

    def set_status(self, payout, status):
        payout["status"] = status
        for tx in self.transactions:
            if tx["_payout"] == payout["legacyResourceId"]:
                tx["associatedPayout"]["status"] = status

    def dispute(
        self,
        order,
        amount,
        status="NEEDS_RESPONSE",
        initiated_at="2026-11-19T08:00:00Z",
        reason="FRAUDULENT",
        currency=None,
    ):
        number = self._next_id()
        node = {
            "id": f"gid://shopify/ShopifyPaymentsDispute/{number}",
            "legacyResourceId": str(number),
            "status": status,
            "type": "CHARGEBACK",
            "initiatedAt": initiated_at,
            "evidenceDueBy": None,
            "evidenceSentOn": None,
            "finalizedOn": None,
            "amount": self.money(amount, currency or self.currency),
            "order": {"id": f"gid://shopify/Order/{order[0]}", "name": order[1]},
            "reasonDetails": {"reason": reason, "networkReasonCode": "4837"},
        }
        self.disputes.append(node)
        return node

    # -- resolvers -------------------------------------------------------------------------------

    def _payouts(self, _info, first=None, after=None, query=None, reverse=False, **_ignored):
        nodes = [
            p
            for p in self.payouts
            if _search_matches(
                query,
                {
                    "issued_at": p["issuedAt"],
                    "status": p["status"],
                    "id": p["legacyResourceId"],
                    "currency": p["net"]["currencyCode"],
                },
            )
        ]
        nodes.sort(key=lambda p: p["issuedAt"], reverse=bool(reverse))
        return _page(nodes, first, after)

    def _balance_transactions(
        self,
        _info,
        first=None,
        after=None,
        query=None,
        hideTransfers=False,  # noqa: N803
        **_ignored,
    ):
        nodes = [
            t
            for t in self.transactions
            if not (hideTransfers and t["type"] == "TRANSFER")
            and _search_matches(
                query,
                {
                    "payments_transfer_id": t["_payout"],
                    "processed_at": t["transactionDate"],
                    "transaction_type": t["type"],
                    "payout_status": t["associatedPayout"]["status"],
                },
            )
        ]
        return _page(nodes, first, after)

    def _disputes(self, _info, first=None, after=None, query=None, **_ignored):
        nodes = [
            d
            for d in self.disputes
            if _search_matches(
                query, {"initiated_at": d["initiatedAt"], "status": d["status"], "id": d["legacyResourceId"]}
            )
        ]
        return _page(nodes, first, after)
