import json
import re

from django.http import HttpResponse

from .errors import error_body

API_PATH = re.compile(r"^/t/[^/]+/api/v1/")
MESSAGES = {404: "Not found.", 405: "This method is not allowed here."}


class ApiErrorShapeMiddleware:
    """Answers from outside the API's own handlers (an unknown path, a method an operation
    does not take) get the API's one error shape too, instead of HTML or plain text."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code in MESSAGES
            and API_PATH.match(request.path)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            status = response.status_code
            shaped = HttpResponse(
                json.dumps(error_body(status, MESSAGES[status])),
                status=status,
                content_type="application/json; charset=utf-8",
            )
            if response.has_header("Allow"):
                shaped["Allow"] = response["Allow"]
            return shaped
        return response
