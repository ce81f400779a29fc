"""Models of the documents app, split by subsystem (see docs/architecture.md)."""
from .audit import *  # noqa: F401,F403
from .documents import *  # noqa: F401,F403
from .notifications import *  # noqa: F401,F403
from .registers import *  # noqa: F401,F403
from .routing import *  # noqa: F401,F403
from .federation import *  # noqa: F401,F403
