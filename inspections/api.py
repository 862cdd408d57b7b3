"""The API of items, plans, campaigns, tasks and claims: the same doors and services as the pages.

A refused action answers 400 with the service's message; an object the caller may not see, or
may not act on, answers 404 as on the pages.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.models import Department
from core.api import PK_REGEX
from inspections import selectors, services
from inspections.models import AnnualPlan, Campaign, InspectionItem, Task
from inspections.permissions import (
    access_campaign,
    access_item,
    access_participation,
    access_plan,
    access_task,
)
from inspections.serializers import (
    CampaignSerializer,
    ClaimSerializer,
    DeclineSerializer,
    ItemListPublicationSerializer,
    ItemListPublishSerializer,
    ItemSerializer,
    ParticipantSerializer,
    PlanBatchSerializer,
    PlanFileSerializer,
    PlanSerializer,
    SuperiorImportResultSerializer,
    SuperiorImportSerializer,
    TaskActionSerializer,
    TaskCreateSerializer,
    TaskSerializer,
)
from inspections.services import TaskError
from inspections.views import MANUAL_ACTIONS

SAFE = ("GET", "HEAD", "OPTIONS")


def _refused(exc: TaskError) -> serializers.ValidationError:
    return serializers.ValidationError({"detail": [str(exc)]})


class DepartmentWriter(permissions.BasePermission):
    """Writes need a writing role (staff, department admin) somewhere; the object's door then
    checks which department. Others get 404 before validation, as from the doors."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in SAFE or selectors.writable_departments(user=request.user).exists():
            return True
        raise NotFound


WRITERS = [permissions.IsAuthenticated, DepartmentWriter]


def _writable_department(user: Any, pk: Any) -> Department:
    department = selectors.writable_departments(user=user).filter(pk=pk).first()
    if department is None:
        raise Http404
    return department


class ItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                  viewsets.GenericViewSet):
    """The item list (一单) of the caller's departments; staff and admins of the department write."""

    permission_classes = WRITERS

    serializer_class = ItemSerializer
    queryset = InspectionItem.objects.none()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.item_list_for_user(user=self.request.user).prefetch_related("required_fields")

    # Digits only, so a non-numeric or absurdly long id is a 404 from the router, not a 500 from int().
    lookup_value_regex = PK_REGEX

    def get_object(self) -> InspectionItem:
        write = self.request.method not in SAFE
        return access_item(user=self.request.user, pk=int(self.kwargs["pk"]), write=write)

    def _save(self, serializer: serializers.BaseSerializer, department: Department, item: InspectionItem | None) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k != "department"}
        try:
            serializer.instance = services.item_save(department=department, user=self.request.user, item=item, **data)
        except TaskError as exc:
            raise _refused(exc) from exc

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        self._save(serializer, _writable_department(self.request.user, serializer.validated_data["department"].pk), None)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        item = self.get_object()
        self._save(serializer, item.department, item)

    @extend_schema(request=ItemListPublishSerializer, responses=ItemListPublicationSerializer)
    @action(detail=False, methods=["post"], url_path="publish")
    def publish(self, request: Request) -> Response:
        """Publish a new version of a department's item list (earlier versions stay on record)."""
        given = ItemListPublishSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        department = _writable_department(request.user, given.validated_data["department"])
        try:
            record = services.item_list_publish(department=department, user=request.user)
        except TaskError as exc:
            raise _refused(exc) from exc
        return Response(ItemListPublicationSerializer(record).data, status=status.HTTP_201_CREATED)


class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Annual plans with their batches; filing (备案) and publication are actions."""

    permission_classes = WRITERS

    serializer_class = PlanSerializer
    queryset = AnnualPlan.objects.none()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.plan_list_for_user(user=self.request.user).prefetch_related("batches__items", "batches__participants")

    # Digits only, so a non-numeric or absurdly long id is a 404 from the router, not a 500 from int().
    lookup_value_regex = PK_REGEX

    def get_object(self) -> AnnualPlan:
        write = self.request.method not in SAFE
        return access_plan(user=self.request.user, pk=int(self.kwargs["pk"]), write=write)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = serializer.validated_data
        department = _writable_department(self.request.user, data["department"].pk)
        serializer.instance = services.plan_save(
            department=department, user=self.request.user, year=data["year"], title=data["title"], note=data.get("note", "")
        )

    @extend_schema(request=PlanBatchSerializer, responses=PlanBatchSerializer)
    @action(detail=True, methods=["post"])
    def batches(self, request: Request, pk: str) -> Response:
        plan = self.get_object()
        given = PlanBatchSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            batch = services.plan_batch_save(plan=plan, **given.validated_data)
        except TaskError as exc:
            raise _refused(exc) from exc
        return Response(PlanBatchSerializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PlanFileSerializer, responses=PlanSerializer)
    @action(detail=True, methods=["post"], url_path="file")
    def file(self, request: Request, pk: str) -> Response:
        plan = self.get_object()
        given = PlanFileSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            plan = services.plan_file(plan=plan, user=request.user, filed_with=given.validated_data["filed_with"])
        except TaskError as exc:
            raise _refused(exc) from exc
        return Response(PlanSerializer(plan).data)

    @extend_schema(request=None, responses=PlanSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        plan = self.get_object()
        try:
            plan = services.plan_publish(plan=plan, user=request.user)
        except TaskError as exc:
            raise _refused(exc) from exc
        return Response(PlanSerializer(plan).data)


class CampaignViewSet(viewsets.ReadOnlyModelViewSet):
    """Special campaigns (专项整治) the caller's departments lead or join."""

    serializer_class = CampaignSerializer
    queryset = Campaign.objects.none()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.campaign_list_for_user(user=self.request.user)

    # Digits only, so a non-numeric or absurdly long id is a 404 from the router, not a 500 from int().
    lookup_value_regex = PK_REGEX

    def get_object(self) -> Campaign:
        return access_campaign(user=self.request.user, pk=int(self.kwargs["pk"]))


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tasks of the caller's departments and the tasks they were invited to; a department that
    was not invited gets 404. Claims and declines are actions of the invited department."""

    permission_classes = WRITERS

    serializer_class = TaskSerializer
    queryset = Task.objects.none()
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = selectors.task_list_for_user(user=self.request.user, status=self.request.query_params.get("status", ""))
        return qs.prefetch_related("participants__department", "task_items", "transitions")

    # Digits only, so a non-numeric or absurdly long id is a 404 from the router, not a 500 from int().
    lookup_value_regex = PK_REGEX

    def get_object(self) -> Task:
        return access_task(user=self.request.user, pk=int(self.kwargs["pk"]))

    @extend_schema(request=TaskCreateSerializer, responses={201: TaskSerializer})
    def create(self, request: Request) -> Response:
        given = TaskCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        fields = dict(given.validated_data)
        department = _writable_department(request.user, fields.pop("department"))
        items, participants = fields.pop("items"), fields.pop("participants")
        try:
            services.task_fields_check(fields, department=department)
            task = services.task_create(user=request.user, department=department, items=items,
                                        participants=participants, **fields)
        except TaskError as exc:
            raise _refused(exc) from exc
        return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        task = access_task(user=request.user, pk=int(pk), write=True)
        try:
            task = services.task_publish(task=task, user=request.user)
        except TaskError as exc:
            raise _refused(exc) from exc
        return Response(TaskSerializer(Task.objects.get(pk=task.pk)).data)

    @extend_schema(request=TaskActionSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str) -> Response:
        task = access_task(user=request.user, pk=int(pk), write=True)
        given = TaskActionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        if given.validated_data["action"] not in MANUAL_ACTIONS:
            raise serializers.ValidationError({"action": [f"one of {', '.join(MANUAL_ACTIONS)}"]})
        try:
            services.task_transition(task=task, user=request.user, **given.validated_data)
        except TaskError as exc:
            raise _refused(exc) from exc
        return Response(TaskSerializer(Task.objects.get(pk=task.pk)).data)

    @extend_schema(request=ClaimSerializer, responses=ParticipantSerializer)
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str) -> Response:
        """Claim the caller's department's part: its items and inspectors per entity."""
        part = access_participation(user=request.user, task_pk=int(pk), write=True)
        given = ClaimSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        items = given.validated_data["items"]
        try:
            services.task_check_caps(part.task, extra_items=items)
            part = services.task_claim(part=part, user=request.user, items=items,
                                       inspectors_per_entity=given.validated_data["inspectors_per_entity"])
        except TaskError as exc:
            raise _refused(exc) from exc
        return Response(ParticipantSerializer(part).data)

    @extend_schema(request=DeclineSerializer, responses=ParticipantSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        part = access_participation(user=request.user, task_pk=int(pk), write=True)
        given = DeclineSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            part = services.task_decline(part=part, user=request.user, reason=given.validated_data["reason"])
        except TaskError as exc:
            raise _refused(exc) from exc
        return Response(ParticipantSerializer(part).data)

    @extend_schema(request={"multipart/form-data": SuperiorImportSerializer}, responses=SuperiorImportResultSerializer)
    @action(detail=False, methods=["post"], url_path="import-superior")
    def import_superior(self, request: Request) -> Response:
        """Import tasks issued by a superior authority (docs/superior-task-format.md)."""
        given = SuperiorImportSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        department = _writable_department(request.user, given.validated_data["department"])
        upload = given.validated_data["file"]
        try:
            created, skipped = services.task_import_superior(
                department=department, user=request.user, data=upload.read(services.MAX_IMPORT_BYTES + 1),
                filename=upload.name or "",
            )
        except TaskError as exc:
            raise _refused(exc) from exc
        return Response({"created": [t.code for t in created], "skipped": skipped}, status=status.HTTP_201_CREATED)
