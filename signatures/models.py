"""Models of the signatures app (built by the signatures issue)."""
