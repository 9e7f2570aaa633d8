"""Self-check of the Shopify stand-in over real HTTP: every fault kind, schema validation, the token
grant, webhook subscriptions, cost accounting and the webhook HMAC. Not an Odoo test (the file
name does not start with ``test_``); run it directly::

    bash tools/fetch_shopify_reference.sh && python3 tests/standin_selfcheck.py
"""
# pylint: disable=print-used  # a command-line script: its output is for the person running it

import os
import sys
import tempfile
import time

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # plain imports, no Odoo package

import shopify_reference  # noqa: E402
from shopify_standin import ShopifyStandIn, sign_webhook  # noqa: E402

VERSION = "2026-10"
SHOP_QUERY = (
    "query ShopInfo { shop { id name myshopifyDomain currencyCode plan { displayName } } "
    "currentAppInstallation { accessScopes { handle } } }"
)
CREATE = """mutation Subscribe($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id topic uri format apiVersion { handle } endpoint { __typename } }
    userErrors { field message }
  }
}"""
LIST = """query Subscriptions($after: String, $topics: [WebhookSubscriptionTopic!]) {
  webhookSubscriptions(first: 1, after: $after, topics: $topics) {
    nodes { id topic uri } pageInfo { hasNextPage endCursor }
  }
}"""


def check(label, condition, detail=""):
    if not condition:
        raise AssertionError(f"{label}: {detail}")
    print(f"ok  {label}")


def main():
    with ShopifyStandIn(
        api_version=VERSION, access_token="shpat_test", client_id="cid", client_secret="csecret"
    ) as shopify:
        url = shopify.graphql_url()

        def post(query, variables=None, token="shpat_test", timeout=10):
            return requests.post(
                url,
                json={"query": query, "variables": variables or {}},
                timeout=timeout,
                headers={"X-Shopify-Access-Token": token},
            )

        # A valid query: schema-shaped data, cost from the bucket, the version header.
        answer = post(SHOP_QUERY)
        body = answer.json()
        check(
            "shop query",
            answer.status_code == 200
            and body["data"]["shop"]["name"] == "Sync Test Store"
            and body["data"]["shop"]["plan"] == {"displayName": "Basic"}
            and {"handle": "read_orders"} in body["data"]["currentAppInstallation"]["accessScopes"],
            body,
        )
        cost = body["extensions"]["cost"]
        check(
            "query cost",
            cost["requestedQueryCost"] == cost["actualQueryCost"] == 4
            and cost["throttleStatus"]["maximumAvailable"] == 2000.0
            and cost["throttleStatus"]["currentlyAvailable"] <= 1996.0 + 1,
            cost,
        )
        check("version header", answer.headers["X-Shopify-API-Version"] == VERSION, answer.headers)

        # Refusals of bad requests.
        answer = post(SHOP_QUERY, token="shpat_wrong")
        check(
            "wrong token -> 401",
            answer.status_code == 401 and "Invalid API key" in answer.json()["errors"],
            answer.text,
        )
        answer = post("query { shop { nmae } }")
        error = answer.json()["errors"][0]
        check(
            "misspelt field refused",
            answer.status_code == 200
            and "nmae" in error["message"]
            and error["extensions"]["code"] == "undefinedField"
            and error["locations"] == [{"line": 1, "column": 16}]
            and "data" not in answer.json(),
            answer.text,
        )
        answer = post("query { shop { name }")
        check(
            "syntax error refused", answer.status_code == 200 and answer.json()["errors"][0]["locations"], answer.text
        )
        answer = post(
            'query { webhookSubscriptionCreate(topic: ORDERS_CREATE, webhookSubscription: {uri: "x"}) '
            "{ userErrors { message } } }"
        )
        check(
            "mutation sent as query refused",
            answer.json()["errors"][0]["extensions"]["code"] == "undefinedField",
            answer.text,
        )
        answer = requests.post(
            shopify.graphql_url("1999-01"),
            json={"query": SHOP_QUERY},
            headers={"X-Shopify-Access-Token": "shpat_test"},
            timeout=10,
        )
        check("unknown API version -> 404", answer.status_code == 404, answer.text)

        # Every fault kind, consumed in the order queued.
        expected = {
            "401": (401, "[API] Invalid API key or access token (unrecognized login or wrong password)"),
            "402": (402, "Unavailable Shop"),
            "403": (403, "[API] This action requires merchant approval for read_orders scope."),
            "404": (404, "Not Found"),
            "423": (423, "Locked"),
            "500": (500, "Internal Server Error"),
            "503": (503, "Internal Server Error"),
        }
        for kind in expected:
            shopify.queue_fault(kind)
        for kind, (status, text) in expected.items():
            answer = post(SHOP_QUERY)
            check(f"fault {kind}", answer.status_code == status and answer.json() == {"errors": text}, answer.text)

        shopify.queue_fault("429", count=2, retry_after=2.5)
        for _ in range(2):
            answer = post(SHOP_QUERY)
            check(
                "fault 429",
                answer.status_code == 429
                and answer.headers["Retry-After"] == "2.5"
                and answer.json()["errors"].startswith("Exceeded 2 calls per second"),
                answer.text,
            )
        check("fault queue drained", post(SHOP_QUERY).status_code == 200)

        shopify.queue_fault("throttled", available=3)
        body = post(SHOP_QUERY).json()
        check(
            "fault throttled",
            body["errors"][0]["extensions"]["code"] == "THROTTLED"
            and body["extensions"]["cost"]["requestedQueryCost"] == 4
            and body["extensions"]["cost"]["actualQueryCost"] is None
            and body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 3,
            body,
        )

        shopify.queue_fault("access_denied")
        answer = post(SHOP_QUERY)
        check(
            "fault access_denied",
            answer.status_code == 200 and answer.json()["errors"][0]["extensions"]["code"] == "ACCESS_DENIED",
            answer.text,
        )

        shopify.queue_fault("hang", seconds=1.5)
        try:
            post(SHOP_QUERY, timeout=0.5)
            timed_out = False
        except requests.Timeout:
            timed_out = True
        check("fault hang -> client timeout", timed_out)
        shopify.queue_fault("hang", seconds=0.5)
        check("fault hang then normal answer", post(SHOP_QUERY).json()["data"]["shop"]["id"] == "gid://shopify/Shop/1")

        # The stand-in's own bucket refuses a query it cannot afford.
        shopify.available, shopify.bucket_time = 0.0, time.monotonic() + 60  # empty, refilling only in a minute
        body = post(SHOP_QUERY).json()
        check("empty bucket -> THROTTLED", body["errors"][0]["extensions"]["code"] == "THROTTLED", body)
        shopify.available, shopify.bucket_time = shopify.MAXIMUM_AVAILABLE, time.monotonic()

        # Client-credentials grant: new token replaces the old one.
        token_url = f"{shopify.base_url}/admin/oauth/access_token"
        answer = requests.post(
            token_url,
            data={"grant_type": "client_credentials", "client_id": "cid", "client_secret": "wrong"},
            timeout=10,
        )
        check(
            "grant with wrong secret -> 400",
            answer.status_code == 400 and answer.json()["error"] == "invalid_client",
            answer.text,
        )
        shopify.granted_scopes = ["read_orders", "write_products"]
        answer = requests.post(
            token_url,
            data={"grant_type": "client_credentials", "client_id": "cid", "client_secret": "csecret"},
            timeout=10,
        )
        grant = answer.json()
        check(
            "grant",
            grant == {"access_token": "shpat_cc_1", "scope": "read_orders,write_products", "expires_in": 86399}
            and shopify.token_grants == 1,
            answer.text,
        )
        check("old token refused after grant", post(SHOP_QUERY).status_code == 401)
        token = grant["access_token"]

        # Webhook subscriptions: create, duplicate, filter, paginate.
        created = []
        for topic in ("ORDERS_CREATE", "APP_UNINSTALLED", "ORDERS_CREATE"):
            created.append(
                post(
                    CREATE,
                    {"topic": topic, "sub": {"uri": "https://odoo.example.com/hook", "format": "JSON"}},
                    token=token,
                ).json()
            )
        payload = created[0]["data"]["webhookSubscriptionCreate"]
        check(
            "subscription created",
            payload["userErrors"] == []
            and payload["webhookSubscription"]
            == {
                "id": "gid://shopify/WebhookSubscription/1",
                "topic": "ORDERS_CREATE",
                "uri": "https://odoo.example.com/hook",
                "format": "JSON",
                "apiVersion": {"handle": VERSION},
                "endpoint": {"__typename": "WebhookHttpEndpoint"},
            },
            payload,
        )
        payload = created[2]["data"]["webhookSubscriptionCreate"]
        check(
            "duplicate subscription -> userError",
            payload["webhookSubscription"] is None
            and payload["userErrors"]
            == [
                {
                    "field": ["webhookSubscription", "callbackUrl"],
                    "message": "Address for this topic has already been taken",
                }
            ],
            payload,
        )
        page = post(LIST, token=token).json()["data"]["webhookSubscriptions"]
        check(
            "subscriptions page 1",
            [n["topic"] for n in page["nodes"]] == ["ORDERS_CREATE"] and page["pageInfo"]["hasNextPage"],
            page,
        )
        page = post(LIST, {"after": page["pageInfo"]["endCursor"]}, token=token).json()["data"]["webhookSubscriptions"]
        check(
            "subscriptions page 2",
            [n["topic"] for n in page["nodes"]] == ["APP_UNINSTALLED"] and not page["pageInfo"]["hasNextPage"],
            page,
        )
        page = post(LIST, {"topics": ["APP_UNINSTALLED"]}, token=token).json()["data"]["webhookSubscriptions"]
        check("subscriptions filtered by topic", [n["topic"] for n in page["nodes"]] == ["APP_UNINSTALLED"], page)

        # A root field added by a test, returning an abstract type.
        shopify.root["nodes"] = lambda _info, ids: [
            {"__typename": "ProductVariant", "id": gid, "sku": "MUG-1"} for gid in ids
        ]
        body = post(
            'query Variants { nodes(ids: ["gid://shopify/ProductVariant/7"]) '
            "{ __typename ... on ProductVariant { id sku } } }",
            token=token,
        ).json()
        check(
            "custom root field",
            body["data"]["nodes"]
            == [{"__typename": "ProductVariant", "id": "gid://shopify/ProductVariant/7", "sku": "MUG-1"}],
            body,
        )

        # Every GraphQL request above is logged (29), 19 of them the named ShopInfo operation.
        check(
            "requests_log",
            len(shopify.requests_log) == 29
            and shopify.operations().count("ShopInfo") == 19
            and shopify.requests_log[-1]["json"]["query"].startswith("query Variants"),
            (len(shopify.requests_log), shopify.operations()),
        )
        shopify.reset()
        check(
            "reset",
            shopify.requests_log == []
            and shopify.subscriptions == []
            and shopify.access_token == "shpat_test"
            and shopify.token_grants == 0,
        )

    # Reference helpers and the webhook signature.
    schema = shopify_reference.load_admin_schema(VERSION)
    check(
        "validate_operation",
        shopify_reference.validate_operation(schema, SHOP_QUERY) == []
        and "nmae" in shopify_reference.validate_operation(schema, "{ shop { nmae } }")[0],
    )
    order = shopify_reference.webhook_example("orders/create")
    raw = shopify_reference.webhook_example_raw("app/uninstalled")
    check(
        "webhook examples",
        order["id"] and order["line_items"] and isinstance(raw, bytes) and b'"myshopify_domain"' in raw,
    )
    with tempfile.TemporaryDirectory() as empty:
        os.environ["SHOPIFY_SYNC_REFERENCE"], saved = empty, os.environ.get("SHOPIFY_SYNC_REFERENCE")
        try:
            shopify_reference.reference_dir()
            message = ""
        except RuntimeError as exc:
            message = str(exc)
        finally:
            os.environ.pop("SHOPIFY_SYNC_REFERENCE")
            if saved:
                os.environ["SHOPIFY_SYNC_REFERENCE"] = saved
        check("missing reference names the fetch script", "tools/fetch_shopify_reference.sh" in message, message)
    check(
        "HMAC vector",
        sign_webhook("test_secret_key", b'{"foo": "bar"}') == "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=",
    )
    print("stand-in self-check passed")


if __name__ == "__main__":
    main()
