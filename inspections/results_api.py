"""The API of result entry and review, for mobile clients: the same doors and services as the pages.

A refused action answers 400 with the service's message; an object the caller may not see, or
may not act on, answers 404 as on the pages. Saving is idempotent: the client sends a token per
form, and a resend after a dropped connection stores one result.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.models import DEPARTMENT_ROLES, OVERSIGHT_ROLES, Department
from agencies.selectors import has_role
from core.api import PK_REGEX
from inspections import uploads
from inspections.models import (
    Method,
    Result,
    ResultAttachment,
    ResultCategory,
    ResultReview,
    TaskItem,
    Violation,
    VisitTask,
)
from inspections.results import ResultError
from inspections.results_access import (
    access_entry,
    access_result,
    entry_slots,
    inspector_of,
    readable_result_departments,
)
from inspections.results_flow import entry_save, entry_submit, review_approve, review_return


def _refused(exc: ResultError) -> serializers.ValidationError:
    return serializers.ValidationError({"detail": [str(exc)]})


class ReviewSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.__str__", read_only=True)

    class Meta:
        model = ResultReview
        fields = ["action", "actor", "at", "opinion"]


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ResultAttachment
        fields = ["id", "original_name", "content_type", "size", "sha256_hex", "uploaded_at", "url"]

    def get_url(self, obj: ResultAttachment) -> str:
        return f"/results/files/{obj.pk}/"


class ResultSerializer(serializers.ModelSerializer):
    entity_name = serializers.CharField(source="entity.name", read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    reviews = ReviewSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Result
        fields = ["id", "visit", "task", "department", "item", "item_name", "entity", "entity_name", "categories", "violations",
                  "other_department", "methods", "findings", "avoidance_on_site", "inspected_on", "status", "version",
                  "client_token", "updated_at", "reviews", "attachments"]
        read_only_fields = fields


class ResultSaveSerializer(serializers.Serializer):
    visit = serializers.IntegerField()
    task = serializers.IntegerField()
    item = serializers.IntegerField()
    categories = serializers.ListField(child=serializers.ChoiceField(choices=ResultCategory.choices), allow_empty=False)
    violations = serializers.ListField(child=serializers.ChoiceField(choices=Violation.choices), required=False, default=list)
    other_department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.filter(is_active=True), required=False, allow_null=True)
    methods = serializers.ListField(child=serializers.ChoiceField(choices=Method.choices), allow_empty=False)
    findings = serializers.CharField(required=False, allow_blank=True, default="")
    avoidance_on_site = serializers.CharField(required=False, allow_blank=True, default="")
    inspected_on = serializers.DateField(required=False, allow_null=True)
    client_token = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class SubmitSerializer(serializers.Serializer):
    client_token = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class ReviewDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "return"])
    opinion = serializers.CharField(required=False, allow_blank=True, default="")


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class SlotItemSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    name = serializers.CharField()
    result = serializers.IntegerField(allow_null=True)
    status = serializers.CharField(allow_blank=True)


class SlotSerializer(serializers.Serializer):
    visit = serializers.IntegerField(source="visit_id")
    task = serializers.IntegerField(source="task_id")
    task_code = serializers.CharField(source="task.code")
    task_title = serializers.CharField(source="task.title")
    entity = serializers.CharField(source="visit.entity_id")
    window_start = serializers.DateField(source="visit.window_start")
    window_end = serializers.DateField(source="visit.window_end")
    items = serializers.SerializerMethodField()

    @extend_schema(responses=SlotItemSerializer(many=True))
    def get_items(self, slot: VisitTask) -> list[dict[str, Any]]:
        department_id = self.context["department_id"]
        results = {r.item_id: r for r in Result.objects.filter(visit_id=slot.visit_id, task_id=slot.task_id, department_id=department_id)}
        rows = TaskItem.objects.filter(task_id=slot.task_id, department_id=department_id).select_related("item").order_by("item__code")
        return [{"item": ti.item_id, "name": ti.item.name, "result": getattr(results.get(ti.item_id), "pk", None),
                 "status": getattr(results.get(ti.item_id), "status", "")} for ti in rows]


class DepartmentPeople(permissions.BasePermission):
    """Results are the departments' work, read also by oversight: anyone else gets 404 before
    validation (an assessor or a superior has no slots and no results)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        readers = DEPARTMENT_ROLES | (OVERSIGHT_ROLES if request.method in ("GET", "HEAD", "OPTIONS") else set())
        if has_role(request.user, *readers):
            return True
        raise NotFound


class ResultSlotViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's worklist: the visits and tasks they were drawn for or are a team member of."""

    permission_classes = [permissions.IsAuthenticated, DepartmentPeople]
    serializer_class = SlotSerializer
    queryset = VisitTask.objects.none()
    pagination_class = None

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return entry_slots(user=self.request.user)[:500]

    def get_serializer_context(self) -> dict[str, Any]:
        inspector = inspector_of(self.request.user)
        return {**super().get_serializer_context(), "department_id": inspector.department_id if inspector else None}


class ResultViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Results the caller may read (their department's, or their own entries); ``?status=submitted``
    is a section chief's review queue. Saving, submitting, uploading and reviewing are actions."""

    permission_classes = [permissions.IsAuthenticated, DepartmentPeople]
    serializer_class = ResultSerializer
    queryset = Result.objects.none()
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        departments = readable_result_departments(self.request.user)
        qs = Result.objects.select_related("entity", "item").prefetch_related("reviews__actor", "attachments")
        if departments is not None:
            qs = qs.filter(Q(department_id__in=departments) | Q(entered_by_id=self.request.user.pk))
        wanted = self.request.query_params.get("status", "")
        return qs.filter(status=wanted) if wanted in Result.Status.values else qs

    # Digits only, so a non-numeric or absurdly long id is a 404 from the router, not a 500 from int().
    lookup_value_regex = PK_REGEX

    def get_object(self) -> Result:
        return access_result(user=self.request.user, pk=int(self.kwargs["pk"]))

    @extend_schema(request=ResultSaveSerializer, responses={200: ResultSerializer, 201: ResultSerializer})
    def create(self, request: Request) -> Response:
        """Save a draft (or a returned result) for one item; the same client token twice stores one."""
        given = ResultSaveSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        slot, inspector = access_entry(user=request.user, visit_pk=data.pop("visit"), task_pk=data.pop("task"))
        item = TaskItem.objects.filter(task=slot.task, department_id=inspector.department_id, item_id=data.pop("item")).first()
        if item is None:
            raise Http404
        token = data.pop("client_token")
        other = data.pop("other_department", None)
        existed = Result.objects.filter(visit=slot.visit, task=slot.task, department_id=inspector.department_id, item_id=item.item_id).first()
        if existed is not None and existed.status == Result.Status.SUBMITTED and token and token == existed.client_token:
            return Response(ResultSerializer(existed).data)
        try:
            result = entry_save(slot=slot, inspector=inspector, item=item.item, user=request.user, client_token=token,
                                data={**data, "other_department": other.pk if other else None})
        except ResultError as exc:
            raise _refused(exc) from exc
        return Response(ResultSerializer(Result.objects.get(pk=result.pk)).data, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(request=SubmitSerializer, responses=ResultSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        result = access_result(user=request.user, pk=int(pk), write=True)
        given = SubmitSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            entry_submit(result=result, user=request.user, client_token=given.validated_data["client_token"])
        except ResultError as exc:
            raise _refused(exc) from exc
        return Response(ResultSerializer(Result.objects.get(pk=result.pk)).data)

    @extend_schema(request=ReviewDecisionSerializer, responses=ResultSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str) -> Response:
        """A section chief of the result's department (not the one who entered it) approves or returns."""
        result = access_result(user=request.user, pk=int(pk), review=True)
        given = ReviewDecisionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            if given.validated_data["decision"] == "approve":
                review_approve(result=result, user=request.user, opinion=given.validated_data["opinion"])
            else:
                review_return(result=result, user=request.user, opinion=given.validated_data["opinion"])
        except ResultError as exc:
            raise _refused(exc) from exc
        return Response(ResultSerializer(Result.objects.get(pk=result.pk)).data)

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses={201: AttachmentSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attachments(self, request: Request, pk: str) -> Response:
        """A photo or document, its type read from the content; served back only to staff."""
        result = access_result(user=request.user, pk=int(pk), write=True)
        given = UploadSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            attachment = uploads.attachment_add(result=result, user=request.user, upload=given.validated_data["file"])
        except ResultError as exc:
            raise _refused(exc) from exc
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)
