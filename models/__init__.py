from . import shopify_backend
from . import shopify_sync_job
from . import shopify_binding
