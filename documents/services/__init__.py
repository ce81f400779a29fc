"""Services of the documents app: every state change goes through one of these functions."""
from .bulk import *  # noqa: F401,F403
from .delivery import *  # noqa: F401,F403
from .dispatches import *  # noqa: F401,F403
from .divisions import *  # noqa: F401,F403
from .drafts import *  # noqa: F401,F403
from .drafting import *  # noqa: F401,F403
from .notifications import *  # noqa: F401,F403
from .registers import *  # noqa: F401,F403
from .sending import *  # noqa: F401,F403
from .stamp import *  # noqa: F401,F403
from .workflow import *  # noqa: F401,F403
from .chasing import *  # noqa: F401,F403
from .search import *  # noqa: F401,F403
from .destruction import *  # noqa: F401,F403
from .reports import *  # noqa: F401,F403
