"""The cause of a failure: its error message without what changes from one occurrence to the next
(order numbers, Shopify ids, Odoo document numbers), so 300 orders failing for one reason are one
row in a report and one line in the digest. SKUs, titles and codes stay: they are the reason."""

import re

CAUSE_MAX_LENGTH = 240
PLACEHOLDER = "…"

_REPLACEMENTS = [
    # gid://shopify/Order/123 -> gid://shopify/Order/…
    (re.compile(r"(gid://shopify/\w+/)\d+(\?\S*)?"), r"\1" + PLACEHOLDER),
    # Shopify order names: #1001, #SHOP-1001
    (re.compile(r"#[\w-]*\d[\w-]*(?:\.\d+)*"), "#" + PLACEHOLDER),
    # Odoo document numbers: S00042, WH/OUT/00007, INV/2026/00012
    (re.compile(r"\b(?:[A-Z]{1,5}/)+(?:\d+/)*\d+\b"), PLACEHOLDER),
    (re.compile(r"\b[A-Z]{1,3}\d{5,}\b"), PLACEHOLDER),
    # Free-standing ids and numbers of three digits or more (not part of a code like ABC-100).
    (re.compile(r"(?<![\w-])\d{3,}(?:\.\d+)?(?![\w-])"), PLACEHOLDER),
]


def normalise_cause(message):
    """First line of ``message`` with its identifiers replaced by "…" (False for no message)."""
    if not message:
        return False
    line = message.strip().splitlines()[0].strip()
    for pattern, replacement in _REPLACEMENTS:
        line = pattern.sub(replacement, line)
    if len(line) > CAUSE_MAX_LENGTH:
        line = line[: CAUSE_MAX_LENGTH - 1] + PLACEHOLDER
    return line
