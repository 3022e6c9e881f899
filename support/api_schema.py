"""The OpenAPI schema's AutoSchema: documents the errors every endpoint can answer with.

DRF answers 401 (no or bad credentials), 403 (role or token scope), 429 (throttled), 404 on
unknown path ids and 400 on invalid input the same way everywhere; each view documents only
its own successes and special cases, and this fills in the shared error shapes, so clients
and the schemathesis contract test (tests/support/test_api_schemathesis.py) see them."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# Field errors ({"field": ["message"]}), or {"detail": ...} from a rule in a service.
VALIDATION = {"type": "object", "additionalProperties": {}}

ERRORS = {
    "400": ("Invalid input: the reasons per field, or `detail`.", VALIDATION),
    "401": ("No, unknown, expired or revoked credentials.", DETAIL),
    "403": ("Your role, or a read-only token, may not do this.", DETAIL),
    "404": ("Not found, or not visible to you (or an invalid page cursor).", DETAIL),
    "429": ("Too many requests; retry after `Retry-After` seconds.", DETAIL),
}


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        wanted = {"401", "403", "429"}
        if operation.get("parameters") or operation.get("requestBody"):
            wanted.add("400")
        params = operation.get("parameters", [])
        # 404: an id in the path that is not yours, or a stale or forged page cursor.
        if any(p.get("in") == "path" or p.get("name") == "cursor" for p in params):
            wanted.add("404")
        for code in sorted(wanted):
            responses.setdefault(code, {"description": ERRORS[code][0]})
        for code, response in responses.items():
            if code.startswith("4") and not response.get("content"):
                schema = ERRORS.get(code, (None, DETAIL))[1]
                response["content"] = {"application/json": {"schema": schema}}
        return operation
