"""The open-data API under /api/public/: read-only, no login, rate-limited per client.

Every endpoint reads publication records only. Lists page by keyset (``cursor``), newest first,
and take the same filters as the public site; nothing counts a broad query. Public ids are
stable across versions: a correction or a withdrawal is a new version of the same id.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import QuerySet
from django.http import Http404, StreamingHttpResponse
from django.urls import reverse
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.models import PublicationRecord
from core.pagination import KeysetPagination
from publicity import downloads, selectors
from publicity.serializers import DownloadSerializer, MetaSerializer, PublicRecordSerializer
from publicity.throttling import PublicRateThrottle


class PublicAPIMixin(APIView):
    """No authentication, no login, a rate limit: what every public endpoint shares."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (PublicRateThrottle,)

    @classmethod
    def as_view(cls, *args: Any, **kwargs: Any) -> Any:
        return login_not_required(super().as_view(*args, **kwargs))


class RecordFilter(django_filters.FilterSet):
    department = django_filters.CharFilter(field_name="department_code", help_text="Department code (部门代码).")
    year = django_filters.NumberFilter(field_name="year", help_text="Year (年度).")

    class Meta:
        model = PublicationRecord
        fields: list[str] = []


class ResultFilter(RecordFilter):
    category = django_filters.CharFilter(field_name="category", help_text="Primary result category code, e.g. no_problem.")
    street = django_filters.CharFilter(field_name="street", help_text="Street / town code (9 digits).")
    task = django_filters.CharFilter(method="filter_task", help_text="Task code (抽查任务编号).")
    uscc = django_filters.CharFilter(method="filter_uscc", help_text="统一社会信用代码, exact.")
    name = django_filters.CharFilter(method="filter_name", min_length=2, max_length=50,
                                     help_text="Any fragment of two or more characters of the entity's name.")

    def filter_task(self, qs: QuerySet[PublicationRecord], name: str, value: str) -> QuerySet[PublicationRecord]:
        return selectors.json_text_equals(qs, "payload", selectors.F_TASK_CODE, value)

    def filter_uscc(self, qs: QuerySet[PublicationRecord], name: str, value: str) -> QuerySet[PublicationRecord]:
        return selectors.json_text_equals(qs, "filter_keys", "uscc", value.strip().upper())

    def filter_name(self, qs: QuerySet[PublicationRecord], name: str, value: str) -> QuerySet[PublicationRecord]:
        return selectors.name_contains(qs, " ".join(value.split()))


class _RecordViewSet(PublicAPIMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = PublicRecordSerializer
    pagination_class = KeysetPagination
    filterset_class = RecordFilter
    lookup_field = "public_id"
    lookup_value_regex = "[^/]+"
    kind = ""

    def get_queryset(self) -> QuerySet[PublicationRecord]:
        return selectors.current(self.kind).order_by("-id")

    def get_object(self) -> PublicationRecord:
        record = selectors.latest(self.kwargs["public_id"])
        if record is None or record.kind != self.kind:
            raise Http404
        return record

    @extend_schema(responses=PublicRecordSerializer(many=True), description="Every version of the record, oldest first.")
    @action(detail=True, pagination_class=None, filterset_class=None)
    def versions(self, request: Request, public_id: str) -> Response:
        record = self.get_object()
        return Response(PublicRecordSerializer(selectors.versions(record.public_id), many=True).data)


class ResultViewSet(_RecordViewSet):
    """Inspection results (抽查结果), one record per entity, task and item."""

    kind = "result"
    filterset_class = ResultFilter


class TaskViewSet(_RecordViewSet):
    """Task announcements (抽查任务公告)."""

    kind = "task"


class DrawViewSet(_RecordViewSet):
    """Draw announcements and results (抽取公告); the evidence bundle is linked from the draw page."""

    kind = "draw"


class PlanViewSet(_RecordViewSet):
    """Annual inspection plans (年度抽查工作计划)."""

    kind = "plan"


class ItemListViewSet(_RecordViewSet):
    """Each department's list of inspection items (随机抽查事项清单)."""

    kind = "item_list"


class MetaView(PublicAPIMixin):
    @extend_schema(responses=MetaSerializer, description="When anything was last published, and where to find it.")
    def get(self, request: Request) -> Response:
        names = ["results", "tasks", "draws", "plans", "item-lists"]
        endpoints = {n: reverse(f"publicapi:public-{n}-list") for n in names}
        endpoints["downloads"] = reverse("publicapi:downloads")
        return Response({"last_updated": selectors.last_updated(), "rate_limit": settings.PUBLIC_RATE_LIMIT,
                         "endpoints": endpoints})


class DownloadListView(PublicAPIMixin):
    @extend_schema(responses=DownloadSerializer(many=True), description="Bulk files of results per year and department.")
    def get(self, request: Request) -> Response:
        names = selectors.department_names()
        files = [
            {**f, "department": names.get(f["department_code"], f["department_code"]),
             **{fmt: reverse("publicapi:download", args=[f["year"], f["department_code"], fmt]) for fmt in ("csv", "json")}}
            for f in downloads.available()
        ]
        return Response(files)


class _AnyAccept(BaseContentNegotiation):
    """A file download answers whatever the client says it accepts."""

    def select_parser(self, request: Any, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


class DownloadView(PublicAPIMixin):
    content_negotiation_class = _AnyAccept

    @extend_schema(
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="UTF-8 with BOM, formula-safe"),
                   (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT)},
        description="All current results of one year and department, streamed.",
    )
    def get(self, request: Request, year: str, department: str, fmt: str) -> StreamingHttpResponse:
        name = f"results-{year}-{department}.{fmt}"
        if fmt == "csv":
            response = StreamingHttpResponse(downloads.csv_lines(int(year), department), content_type="text/csv; charset=utf-8")
        else:
            response = StreamingHttpResponse(downloads.json_chunks(int(year), department),
                                             content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        updated = selectors.last_updated()
        if updated:
            response["Last-Modified"] = http_date(updated.timestamp())
        return response
