"""Shopify bulk operation results (JSONL): each object on its own line; an object of a nested
connection follows its parent and points back to it with ``__parentId``. The parent is the object
that holds the connection, which need not be a line of its own: the nodes of a connection inside a
list field of a top-level object (an order's ``refunds``, each with its ``refundLineItems``) point to
that list's item (the refund), not to the top-level object."""

import json


def read_objects(lines):
    """(top-level objects in the file's order, {parent GID: [its children in the file's order]});
    ``__parentId`` is removed."""
    parents, children = {}, {}
    for raw in lines:
        if not raw.strip():
            continue
        obj = json.loads(raw)
        parent = obj.pop("__parentId", None)
        if parent:
            children.setdefault(parent, []).append(obj)
        else:
            parents[obj["id"]] = obj
    return list(parents.values()), children


def group_by_parent(lines):
    """[(top-level object, [its children])] in the file's order; ``__parentId`` is removed."""
    parents, children = read_objects(lines)
    return [(node, children.get(node["id"], [])) for node in parents]
