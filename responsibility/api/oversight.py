"""REST API for a regulator's oversight lists."""

from __future__ import annotations

from rest_framework.response import Response

from config.api import ApiView
from responsibility import access
from responsibility import serializers as s
from responsibility.oversight import oversight_lists


class OversightApi(ApiView):
    """What needs a regulator's action across their jurisdiction, list by list."""

    serializer_class = s.OversightSerializer

    def get(self, request):
        lists = oversight_lists(projects=access.oversight_projects(request.user))
        return Response(s.OversightSerializer(lists).data)
