from django.utils import timezone

from .models import Membership
from .services import memberships_expire


class ExpireMembershipsMiddleware:
    """End the signed-in user's expired memberships before anything reads their access, so it
    never outlives its expiry even between two runs of ``expire_memberships``. One indexed
    query per request when nothing has expired."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        expire_for(getattr(request, "user", None))
        return self.get_response(request)


def expire_for(user) -> None:
    if user is None or not user.is_authenticated:
        return
    if Membership.objects.filter(user=user, direct=True, expires_at__lte=timezone.now()).exists():
        memberships_expire(user=user)
