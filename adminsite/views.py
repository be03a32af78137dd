from django.shortcuts import redirect


def home(request):
    """Until the Admin Center's pages exist, operators start in the Django admin."""
    return redirect("admin:index")
