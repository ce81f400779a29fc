"""
The REST API for integrating systems (``/api/v1/``): API clients and their tokens, scopes,
idempotency, ETag/If-Match, throttles, the error body, webhooks. The resources live in each
app's ``api/`` package and call the same services and selectors as the HTML UI.
"""
