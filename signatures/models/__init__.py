"""Models of the signatures app; see docs/signatures.md."""
from .personal import *  # noqa: F401,F403
from .signing import *  # noqa: F401,F403
from .trust import *  # noqa: F401,F403
from .verification import *  # noqa: F401,F403
from . import personal, signing, trust, verification

__all__ = [*trust.__all__, *verification.__all__, *signing.__all__, *personal.__all__]
