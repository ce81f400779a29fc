"""Services of the records app (docs/records.md). Each is one transaction with its audit row."""
from .copies import *  # noqa: F401,F403
from .files import *  # noqa: F401,F403
from .plans import *  # noqa: F401,F403
from .retention import *  # noqa: F401,F403
from .transfer import *  # noqa: F401,F403
