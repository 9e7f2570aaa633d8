"""Which database a webhook goes to, without listing the databases on every delivery.

When Odoo runs with ``--db-filter``, a request without a session cookie (every webhook is one)
finds its database by listing the databases: a new PostgreSQL connection to the ``postgres``
database on every request, since Odoo never pools those. Starting that backend costs PostgreSQL
more CPU than the whole of our intake (the intake bench: about 8 ms a request, against about 2 ms
for verifying, storing and enqueuing a webhook). On a Black Friday burst that is most of the
machine.

So requests to the webhook route reuse the list for a few seconds (per process); every other route
lists the databases as Odoo does. Only a list of exactly one database is kept: that is the only
answer that routes a webhook (Odoo serves a session-less request only when one database matches).
A database dropped meanwhile fails the request as a database Odoo cannot load (no answer 2xx:
Shopify sends it again); one created meanwhile is seen at the latest ``LIST_SECONDS`` later.
"""

from time import monotonic

from odoo import http, tools

WEBHOOK_PATH = "/shopify/webhook"
LIST_SECONDS = 10.0
# Lists kept per process: one per Host header when the filter names the host (%h, %d). The Host
# header is the sender's to choose, so the count is bounded.
MAX_KEPT = 32

# Odoo's own, even if this module were imported twice (never wrap the wrapper).
_odoo_db_list = getattr(http.db_list, "odoo_db_list", http.db_list)
_listed = {}  # (host, force, dbfilter, db_name) -> (monotonic time it expires, [database])


def _webhook_request():
    current = http._request_stack.top
    return current is not None and current.httprequest.path == WEBHOOK_PATH


def db_list(force=False, host=None):
    """``odoo.http.db_list``, remembered for ``LIST_SECONDS`` for webhook requests."""
    if not _webhook_request():
        return _odoo_db_list(force=force, host=host)
    key = (host, force, tools.config["dbfilter"], tuple(tools.config["db_name"] or ()))
    now = monotonic()
    remembered = _listed.get(key)
    if remembered and remembered[0] > now:
        return list(remembered[1])
    databases = _odoo_db_list(force=force, host=host)
    if len(databases) == 1:
        if len(_listed) >= MAX_KEPT:
            _listed.clear()
        _listed[key] = (now + LIST_SECONDS, tuple(databases))
    else:
        _listed.pop(key, None)
    return databases


def forget():
    """Drop what was remembered (tests)."""
    _listed.clear()


db_list.odoo_db_list = _odoo_db_list
http.db_list = db_list
