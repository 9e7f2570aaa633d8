"""One module per workflow; each registers its topics with ``lib.registry.register``."""

from . import app
from . import compliance
from . import orders
from . import inventory
