"""The public site. Every view here opts out of login and reads only publication records."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.models import PublicationRecord
from core.selectors import publications_current


@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    sections = []
    for kind in (
        PublicationRecord.Kind.ITEM_LIST,
        PublicationRecord.Kind.PLAN,
        PublicationRecord.Kind.TASK,
        PublicationRecord.Kind.RESULT,
    ):
        sections.append((kind.label, list(publications_current(kind=kind)[:10])))
    return render(request, "publicity/home.html", {"sections": sections})
