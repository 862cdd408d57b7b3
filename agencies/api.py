from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies import selectors, services
from agencies.models import Department, Section
from agencies.permissions import access_department, access_section
from agencies.serializers import DepartmentSerializer, MeSerializer, SectionSerializer
from core.api import PK_REGEX


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Departments the caller works in; the office and discipline see all."""

    serializer_class = DepartmentSerializer
    queryset = Department.objects.none()
    ordering = "code"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.department_list_for_user(user=self.request.user).order_by("code")

    # Digits only, so a non-numeric or absurdly long id is a 404 from the router, not a 500 from int().
    lookup_value_regex = PK_REGEX

    def get_object(self) -> Department:
        return access_department(user=self.request.user, pk=int(self.kwargs["pk"]))


class SectionViewSet(mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """A section of a department: readable by its people, editable by the department admin."""

    serializer_class = SectionSerializer
    queryset = Section.objects.none()

    # Digits only, so a non-numeric or absurdly long id is a 404 from the router, not a 500 from int().
    lookup_value_regex = PK_REGEX

    def get_object(self) -> Section:
        write = self.request.method not in ("GET", "HEAD", "OPTIONS")
        return access_section(user=self.request.user, pk=int(self.kwargs["pk"]), write=write)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        section = self.get_object()
        data = {**SectionSerializer(section).data, **serializer.validated_data}
        try:
            serializer.instance = services.section_save(
                department=section.department, section=section,
                code=data["code"], name=data["name"], kind=data["kind"], area=data.get("area", ""),
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"code": exc.messages}) from exc


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user = request.user
        data = {
            "username": user.get_username(),
            "display_name": getattr(user, "display_name", ""),
            "memberships": selectors.memberships_of(user),
        }
        return Response(MeSerializer(data).data)
