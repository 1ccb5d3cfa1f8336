from django.shortcuts import render

from apps.lib.pagination import paginate
from apps.painpoints.models import PainPoint


def painpoint_list(request):
    pain_points = PainPoint.objects.select_related("category", "team", "reported_by")
    return render(request, "painpoints/painpoint_list.html", {"page": paginate(request, pain_points)})
