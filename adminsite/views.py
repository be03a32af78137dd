from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from groups.queries import organizations_of


@login_required
def home(request):
    """Signed-in people land on their (first) organization's groups."""
    organization = organizations_of(request.user).first()
    if organization is None:
        return render(request, "adminsite/no_organization.html", status=200)
    return redirect("groups:group_list", org_slug=organization.slug)
