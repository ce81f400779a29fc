"""Models of the documents app (built by the exchange-core issue)."""
