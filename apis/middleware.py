"""A body too big for the server is refused before any view reads it, in the error shape of
the API it was sent to (issue 15, item 10: REST, GraphQL and Conductor answered Django's HTML
400 page). Django refuses a body past ``DATA_UPLOAD_MAX_MEMORY_SIZE`` by its Content-Length;
this asks the same question first, for the API paths only."""

import re

from django.conf import settings
from django.http import JsonResponse

from .conductor.errors import error_body as conductor_error
from .rest.errors import error_body as rest_error

REST = re.compile(r"^/t/[^/]+/api/v1/")
GRAPHQL = "/graphql"
CONDUCTOR = "/api/"


def too_big_answer(path: str, message: str) -> JsonResponse | None:
    """413 in the shape of the API at ``path``; None elsewhere (pages keep Django's answer)."""
    if REST.match(path):
        return JsonResponse(rest_error(413, message, code="too_large"), status=413)
    if path == GRAPHQL:
        body = {"errors": [{"message": message, "extensions": {"code": "PAYLOAD_TOO_LARGE"}}]}
        return JsonResponse(body, status=413)
    if path.startswith(CONDUCTOR):
        return JsonResponse(
            conductor_error(413, message, path=path, error="PAYLOAD_TOO_LARGE"), status=413
        )
    return None


class BodyTooBigMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            message = (
                f"The request body is {length:,} bytes: at most {limit:,} are accepted. "
                "Send less at once."
            )
            answer = too_big_answer(request.path, message)
            if answer is not None:
                return answer
        return self.get_response(request)
