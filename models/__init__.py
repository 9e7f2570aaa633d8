from . import shopify_backend
from . import shopify_sync_job
from . import shopify_binding
from . import shopify_tax_map
from . import shopify_backend_orders
from . import shopify_gateway_map
from . import shopify_sync_location
from . import shopify_backend_pull
