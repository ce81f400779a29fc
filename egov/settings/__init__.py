"""Settings package: ``base`` holds everything; ``local``, ``production`` and ``test`` override it."""
