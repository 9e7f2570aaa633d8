from . import test_pure_functions
from . import test_graphql_documents
from . import test_client
from . import test_backend
from . import test_webhook_intake
from . import test_sync_jobs
from . import test_compliance
from . import test_security
