"""The one place that talks HTTP to Shopify.

It knows the Admin GraphQL endpoint, the client-credentials token grant, Shopify's two throttling
signals (HTTP 429 + ``Retry-After``; GraphQL ``THROTTLED`` with ``extensions.cost``) and turns every
failure into a :mod:`.errors` class. Pacing state is kept per shop for the whole process, so all jobs
of one worker share the leaky bucket instead of each discovering it by being throttled.
"""

import logging
import threading
import time

import requests

from .errors import (
    AuthenticationFailed,
    ConfigurationError,
    DataError,
    PermissionDenied,
    TransientError,
    _lt,
)

_logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30  # seconds; one number (Odoo's test harness only understands a number)
DEFAULT_QUERY_COST = 50  # guess for a query we have not seen a cost for yet


class ThrottleState:
    """Last known GraphQL bucket of one shop, projected forward with the restore rate."""

    def __init__(self):
        self.lock = threading.Lock()
        self.maximum = None
        self.available = None
        self.restore_rate = None
        self.seen_at = None
        self.query_costs = {}

    def update(self, cost):
        status = (cost or {}).get("throttleStatus") or {}
        if "currentlyAvailable" not in status:
            return
        with self.lock:
            self.maximum = float(status.get("maximumAvailable") or 0) or self.maximum
            self.available = float(status["currentlyAvailable"])
            self.restore_rate = float(status.get("restoreRate") or 0) or self.restore_rate
            self.seen_at = time.monotonic()

    def wait_for(self, needed):
        """Seconds to wait before ``needed`` points are available (0 when unknown or enough)."""
        with self.lock:
            if self.available is None or not self.restore_rate:
                return 0.0
            elapsed = time.monotonic() - self.seen_at
            projected = min(self.maximum or float("inf"), self.available + elapsed * self.restore_rate)
            if needed > (self.maximum or needed):
                needed = self.maximum
            return max(0.0, (needed - projected) / self.restore_rate)

    def spend(self, points):
        with self.lock:
            if self.available is not None:
                self.available -= points


_THROTTLE_STATES = {}
_THROTTLE_STATES_LOCK = threading.Lock()


def throttle_state(shop_domain):
    with _THROTTLE_STATES_LOCK:
        return _THROTTLE_STATES.setdefault(shop_domain, ThrottleState())


def shop_base_url(shop_domain, base_url=None):
    """``https://{shop}.myshopify.com`` or the override used by tests and the demo sandbox."""
    return (base_url or f"https://{shop_domain}").rstrip("/")


def fetch_client_credentials_token(shop_domain, client_id, client_secret, base_url=None, timeout=DEFAULT_TIMEOUT):
    """Client-credentials grant of a Dev Dashboard app. Returns Shopify's answer:
    ``{"access_token", "scope", "expires_in"}``."""
    url = shop_base_url(shop_domain, base_url) + "/admin/oauth/access_token"
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
    try:
        response = requests.post(url, data=form, timeout=timeout, headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        raise TransientError(_lt("Cannot reach %(url)s: %(exc)s", url=url, exc=exc)) from exc
    # Busy (429, with Retry-After), timed out (408) or down (5xx): renew later, the credentials are fine.
    if response.status_code in (408, 429) or response.status_code >= 500:
        raise TransientError(
            _lt("Shopify answered HTTP %(status_code)s to the token request", status_code=response.status_code),
            retry_after=_retry_after(response) if response.status_code == 429 else None,
            status=response.status_code,
        )
    if response.status_code == 404:
        raise ConfigurationError(
            _lt("No Shopify store at %(url)s (HTTP 404)", url=url), fix=_lt("Check the shop domain on the backend.")
        )
    body = _json_or_text(response)
    if response.status_code != 200 or not isinstance(body, dict) or not body.get("access_token"):
        detail = body.get("error_description") or body.get("error") if isinstance(body, dict) else body
        raise AuthenticationFailed(
            _lt(
                "Shopify refused the client credentials (HTTP %(status_code)s): %(detail)s",
                status_code=response.status_code,
                detail=detail,
            ),
            fix=_lt(
                "Copy the client ID and secret again from the app's settings in the Shopify Dev "
                "Dashboard, and check the app is installed on this store."
            ),
            status=response.status_code,
        )
    return body


def _retry_after(response, default=1.0):
    try:
        return max(float(response.headers.get("Retry-After", default)), 0.0)
    except ValueError:
        return default


def _json_or_text(response):
    try:
        return response.json()
    except ValueError:
        return response.text[:500]


def _error_text(body):
    if isinstance(body, dict):
        errors = body.get("errors", body)
        if isinstance(errors, list):
            return "; ".join(e.get("message", str(e)) if isinstance(e, dict) else str(e) for e in errors)
        return str(errors)
    return str(body)


class ShopifyClient:
    """GraphQL Admin API client of one store.

    ``token_refresher`` (optional) is called once on HTTP 401 and must return a fresh token: that is
    how client-credentials backends survive a token that expired between two refreshes.
    ``max_wait`` bounds how long one call may sleep for throttling inside a worker; a longer wait
    becomes a :class:`TransientError` with ``retry_after`` so the queue postpones the job instead.
    """

    def __init__(
        self,
        shop_domain,
        api_version,
        access_token,
        base_url=None,
        timeout=DEFAULT_TIMEOUT,
        max_wait=10.0,
        max_attempts=4,
        token_refresher=None,
        sleep=time.sleep,
    ):
        self.shop_domain = shop_domain
        self.api_version = api_version
        self.access_token = access_token
        self.endpoint = f"{shop_base_url(shop_domain, base_url)}/admin/api/{api_version}/graphql.json"
        self.timeout = timeout
        self.max_wait = max_wait
        self.max_attempts = max_attempts
        self.token_refresher = token_refresher
        self.sleep = sleep
        self.throttle = throttle_state(shop_domain)
        self.calls = 0  # HTTP requests sent, for benchmarks and tests
        self.last_cost = None

    def execute(self, query, variables=None):
        """Run one query or mutation and return its ``data``; raise a classified error otherwise."""
        refreshed = False
        for attempt in range(1, self.max_attempts + 1):
            self._pace(query)
            response = self._post(query, variables)
            if response.status_code == 401 and self.token_refresher and not refreshed:
                self.access_token = self.token_refresher()
                refreshed = True
                continue
            wait = self._throttle_wait(response)
            if wait is None:
                return self._data_or_raise(response, query)
            if attempt == self.max_attempts or wait > self.max_wait:
                raise TransientError(
                    _lt(
                        "Shopify throttled the request (%(reason)s); retry in %(wait)ss",
                        reason=self._throttle_reason(response),
                        wait=format(wait, ".1f"),
                    ),
                    retry_after=wait,
                    status=response.status_code,
                )
            _logger.info("Shopify %s throttled, waiting %.2fs (attempt %s)", self.shop_domain, wait, attempt)
            self.sleep(wait)
        raise AssertionError("unreachable")

    def download_lines(self, url):
        """Lines of a bulk operation result (JSONL at a signed URL Shopify hands out; no token)."""
        self.calls += 1
        try:
            response = requests.get(url, timeout=self.timeout)
        except requests.RequestException as exc:
            raise TransientError(
                _lt("Cannot download the bulk operation result from %(url)s: %(exc)s", url=url, exc=exc)
            ) from exc
        if response.status_code >= 500:
            raise TransientError(
                _lt(
                    "Downloading the bulk operation result failed (HTTP %(status_code)s)",
                    status_code=response.status_code,
                )
            )
        if response.status_code != 200:
            raise DataError(
                _lt(
                    "The bulk operation result is no longer available (HTTP %(status_code)s).",
                    status_code=response.status_code,
                ),
                fix=_lt("Shopify keeps bulk results for a week: start the import again."),
                status=response.status_code,
            )
        response.encoding = "utf-8"
        return response.text.splitlines()

    # -- internals -----------------------------------------------------------------------------

    def _pace(self, query):
        """Wait until the bucket holds what this query cost last time, instead of being refused."""
        needed = self.throttle.query_costs.get(query, DEFAULT_QUERY_COST)
        wait = self.throttle.wait_for(needed)
        if wait > self.max_wait:
            raise TransientError(
                _lt(
                    "Shopify query budget of %(shop_domain)s is exhausted; retry in %(wait)ss",
                    shop_domain=self.shop_domain,
                    wait=format(wait, ".1f"),
                ),
                retry_after=wait,
            )
        if wait > 0:
            self.sleep(wait)
        self.throttle.spend(needed)

    def _post(self, query, variables):
        headers = {
            "X-Shopify-Access-Token": self.access_token or "",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self.calls += 1
        try:
            return requests.post(
                self.endpoint,
                json={"query": query, "variables": variables or {}},
                headers=headers,
                timeout=self.timeout,
            )
        except requests.Timeout as exc:
            raise TransientError(
                _lt("Shopify did not answer within %(timeout)ss: %(exc)s", timeout=self.timeout, exc=exc)
            ) from exc
        except requests.RequestException as exc:
            raise TransientError(
                _lt("Cannot reach Shopify at %(endpoint)s: %(exc)s", endpoint=self.endpoint, exc=exc)
            ) from exc

    def _throttle_wait(self, response):
        """Seconds to wait when the response is a throttle refusal, else None."""
        if response.status_code == 429:
            return _retry_after(response)
        if response.status_code != 200:
            return None
        body = _json_or_text(response)
        if not isinstance(body, dict):
            return None
        errors = body.get("errors") or []
        if not any(isinstance(e, dict) and (e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors):
            return None
        cost = (body.get("extensions") or {}).get("cost") or {}
        self.throttle.update(cost)
        status = cost.get("throttleStatus") or {}
        rate = float(status.get("restoreRate") or 50)
        needed = float(cost.get("requestedQueryCost") or DEFAULT_QUERY_COST)
        available = float(status.get("currentlyAvailable") or 0)
        return max((needed - available) / rate, 0.5)

    @staticmethod
    def _throttle_reason(response):
        return "HTTP 429" if response.status_code == 429 else "GraphQL THROTTLED"

    def _data_or_raise(self, response, query):
        status = response.status_code
        body = _json_or_text(response)
        if status == 200 and isinstance(body, dict):
            cost = (body.get("extensions") or {}).get("cost")
            if cost:
                self.last_cost = cost
                self.throttle.update(cost)
                if cost.get("requestedQueryCost") is not None:
                    self.throttle.query_costs[query] = float(cost["requestedQueryCost"])
            if body.get("errors"):
                codes = {(e.get("extensions") or {}).get("code") for e in body["errors"] if isinstance(e, dict)}
                text = _error_text(body)
                if "ACCESS_DENIED" in codes:
                    raise PermissionDenied(
                        _lt("Shopify denied access: %(text)s", text=text),
                        fix=_lt(
                            "Add the missing access scope to the app in Shopify, reinstall or "
                            "approve it, then press Test connection and Retry."
                        ),
                    )
                if "INTERNAL_SERVER_ERROR" in codes:
                    raise TransientError(_lt("Shopify internal error: %(text)s", text=text))
                raise DataError(_lt("Shopify rejected the request: %(text)s", text=text))
            return body.get("data") or {}
        text = _error_text(body)
        if status == 401:
            raise AuthenticationFailed(
                _lt("Shopify refused the access token (HTTP 401): %(text)s", text=text),
                fix=_lt(
                    "The token is invalid, expired or the app was uninstalled. For a Dev Dashboard "
                    "app check the client ID/secret; for a legacy custom app paste a new Admin API "
                    "access token. Then press Test connection."
                ),
                status=status,
            )
        if status == 402:
            raise ConfigurationError(
                _lt("The Shopify store is frozen (HTTP 402 Payment Required): %(text)s", text=text),
                fix=_lt(
                    "The store has an unpaid bill or is paused; the merchant must reactivate it in "
                    "Shopify. Retry afterwards."
                ),
                status=status,
            )
        if status == 403:
            raise PermissionDenied(
                _lt("Shopify refused the request (HTTP 403): %(text)s", text=text),
                fix=_lt(
                    "The app lacks an access scope; add it in the app's configuration, approve it "
                    "in the store, press Test connection, then Retry."
                ),
                status=status,
            )
        if status == 404:
            raise ConfigurationError(
                _lt(
                    "Shopify has no store or API version at %(endpoint)s (HTTP 404): %(text)s",
                    endpoint=self.endpoint,
                    text=text,
                ),
                fix=_lt("Check the shop domain and the API version on the backend."),
                status=status,
            )
        if status == 423:
            raise ConfigurationError(
                _lt("The Shopify store is locked (HTTP 423): %(text)s", text=text),
                fix=_lt(
                    "Shopify locked the store (often fraud review); contact Shopify support. Retry once it is unlocked."
                ),
                status=status,
            )
        if status >= 500:
            raise TransientError(
                _lt("Shopify server error (HTTP %(status)s): %(text)s", status=status, text=text), status=status
            )
        raise DataError(_lt("Shopify answered HTTP %(status)s: %(text)s", status=status, text=text), status=status)
