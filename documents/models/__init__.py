"""Models of the documents app, split by subsystem (see docs/architecture.md)."""
from .documents import *  # noqa: F401,F403
from .registers import *  # noqa: F401,F403
from .routing import *  # noqa: F401,F403
from .divisions import *  # noqa: F401,F403
from .drafts import *  # noqa: F401,F403
from .followup import *  # noqa: F401,F403
from .search import *  # noqa: F401,F403
