"""Shopify bulk operation results (JSONL): each object on its own line; an object of a nested
connection follows its parent and points back to it with ``__parentId``."""

import json


def group_by_parent(lines):
    """[(top-level object, [its children])] in the file's order; ``__parentId`` is removed."""
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
    return [(node, children.get(gid, [])) for gid, node in parents.items()]
