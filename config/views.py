from django.shortcuts import render


def home(request):
    """The front door: what this archive is and where to go next."""
    return render(request, "home.html")
