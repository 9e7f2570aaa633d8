"""One module per workflow; each registers its topics with ``lib.registry.register``."""

from . import app
from . import compliance
from . import orders
from . import order_pull
from . import order_batch
from . import products
from . import refunds
from . import fulfillments
from . import inventory
from . import connection
from . import payouts
from . import transactions
from . import reservation
