"""Schema hooks: only /api/v1/ in the schema; the common error body on every operation."""
from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "lang", "fields"],
            "properties": {
                "code": {"type": "string", "example": "invalid"},
                "message": {"type": "string", "example": "Yêu cầu không hợp lệ."},
                "lang": {"type": "string", "enum": ["vi", "en"]},
                "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                           "example": {"subject": ["Trích yếu là bắt buộc."]}},
            },
        }
    },
}
ALL = {"400": "Invalid input", "401": "Not authenticated", "403": "Forbidden (role or scope)",
       "404": "Not found (or not visible to you)", "413": "Request too large", "429": "Rate limit exceeded"}
WRITES = {"409": "Conflict (state, or Idempotency-Key reused with another body)",
          "412": "If-Match does not match the current ETag"}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = dict(ALL)
            if method in ("post", "put", "patch", "delete"):
                codes.update(WRITES)
            for code, text in codes.items():
                operation["responses"].setdefault(code, {"description": text,
                                                         "content": {"application/json": {"schema": ref}}})
    return result


def only_api_v1(endpoints):
    """Other DRF views of the portal (e.g. edXML federation endpoints) are not part of this API."""
    return [e for e in endpoints if e[0].startswith("/api/v1/")]
