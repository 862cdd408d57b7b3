"""API shapes of items, plans, campaigns, tasks and claims. Ratios are basis points (1/10,000)."""

from __future__ import annotations

from rest_framework import serializers

from agencies.models import Department
from inspections.models import (
    AnnualPlan,
    Campaign,
    InspectionItem,
    Method,
    PlanBatch,
    Task,
    TaskItem,
    TaskParticipant,
    TaskTransition,
)
from inspectors.models import Field


class ItemSerializer(serializers.ModelSerializer):
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())
    department_code = serializers.CharField(source="department.code", read_only=True)
    methods = serializers.ListField(child=serializers.ChoiceField(choices=Method.choices), allow_empty=True)
    required_fields = serializers.SlugRelatedField(slug_field="code", many=True, queryset=Field.objects.all(), required=False)
    parent = serializers.PrimaryKeyRelatedField(queryset=InspectionItem.objects.all(), allow_null=True, required=False)  # type: ignore[assignment]

    class Meta:
        model = InspectionItem
        fields = [
            "id", "department", "department_code", "parent", "code", "name", "legal_basis", "object_type", "category",
            "ratio_cap_bp", "min_yearly_ratio_bp", "frequency", "methods", "required_fields", "requires_expert",
            "materials", "is_active", "version", "updated_at",
        ]
        read_only_fields = ["id", "version", "updated_at"]


class ItemListPublishSerializer(serializers.Serializer):
    department = serializers.IntegerField()


class ItemListPublicationSerializer(serializers.Serializer):
    department = serializers.IntegerField(source="department_id")
    version = serializers.IntegerField()
    item_count = serializers.IntegerField()
    published_at = serializers.DateTimeField()


class PlanBatchSerializer(serializers.ModelSerializer):
    items = serializers.PrimaryKeyRelatedField(many=True, queryset=InspectionItem.objects.all())
    participants = serializers.PrimaryKeyRelatedField(many=True, queryset=Department.objects.all(), required=False)
    scope = serializers.DictField(required=False)
    risk_ratios_bp = serializers.DictField(child=serializers.IntegerField(min_value=1, max_value=10000), required=False)

    class Meta:
        model = PlanBatch
        fields = ["id", "seq", "title", "items", "participants", "scope", "window_start", "window_end", "ratio_bp",
                  "count", "risk_ratios_bp"]
        read_only_fields = ["id", "seq"]


class PlanSerializer(serializers.ModelSerializer):
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())
    batches = PlanBatchSerializer(many=True, read_only=True)
    warnings = serializers.SerializerMethodField()

    class Meta:
        model = AnnualPlan
        fields = ["id", "code", "department", "year", "title", "status", "filed_with", "filed_at", "published_at", "note",
                  "batches", "warnings"]
        read_only_fields = ["id", "code", "status", "filed_with", "filed_at", "published_at"]

    def get_warnings(self, plan: AnnualPlan) -> list[str]:
        from inspections.services import plan_ratio_warnings

        return plan_ratio_warnings(plan=plan)


class PlanFileSerializer(serializers.Serializer):
    filed_with = serializers.PrimaryKeyRelatedField(queryset=Department.objects.filter(is_active=True))


class CampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = ["id", "code", "name", "year", "lead", "departments", "description"]


class ParticipantSerializer(serializers.ModelSerializer):
    department_code = serializers.CharField(source="department.code", read_only=True)

    class Meta:
        model = TaskParticipant
        fields = ["department", "department_code", "status", "inspectors_per_entity", "responded_at", "decline_reason"]


class TaskItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaskItem
        fields = ["department", "item"]


class TransitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaskTransition
        fields = ["action", "from_status", "to_status", "actor", "at", "reason"]


class TaskSerializer(serializers.ModelSerializer):
    department_code = serializers.CharField(source="department.code", read_only=True)
    participants = ParticipantSerializer(many=True, read_only=True)
    items = TaskItemSerializer(source="task_items", many=True, read_only=True)
    transitions = TransitionSerializer(many=True, read_only=True)

    class Meta:
        model = Task
        fields = [
            "id", "code", "title", "department", "department_code", "year", "source", "superior", "superior_ref",
            "plan_batch", "campaign", "scope", "draw_mode", "filters", "sampling", "ratio_bp", "risk_ratios_bp", "count",
            "round_up", "inspectors_per_entity", "window_start", "window_end", "claim_deadline", "deadline", "secret",
            "status", "description", "participants", "items", "transitions", "created_at",
        ]
        read_only_fields = fields


class TaskCreateSerializer(serializers.Serializer):
    department = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    items = serializers.PrimaryKeyRelatedField(many=True, queryset=InspectionItem.objects.filter(is_active=True))
    participants = serializers.PrimaryKeyRelatedField(
        many=True, required=False, default=list,
        queryset=Department.objects.filter(is_active=True, kind=Department.Kind.REGULATOR),
    )
    plan_batch = serializers.PrimaryKeyRelatedField(queryset=PlanBatch.objects.all(), required=False, allow_null=True)
    campaign = serializers.PrimaryKeyRelatedField(queryset=Campaign.objects.all(), required=False, allow_null=True)
    source = serializers.ChoiceField(choices=Task.Source.choices, default=Task.Source.OWN)  # type: ignore[assignment]
    superior = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all(), required=False, allow_null=True)
    superior_ref = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    draw_mode = serializers.ChoiceField(choices=Task.DrawMode.choices, default=Task.DrawMode.TARGETED)
    filters = serializers.DictField(required=False, default=dict)
    sampling = serializers.ChoiceField(choices=Task.Sampling.choices, default=Task.Sampling.RATIO)
    ratio_bp = serializers.IntegerField(min_value=1, max_value=10000, required=False, allow_null=True)
    risk_ratios_bp = serializers.DictField(child=serializers.IntegerField(min_value=1, max_value=10000), required=False,
                                           default=dict)
    count = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    round_up = serializers.BooleanField(default=True)
    inspectors_per_entity = serializers.IntegerField(min_value=2, max_value=10, default=2)
    window_start = serializers.DateField()
    window_end = serializers.DateField()
    claim_deadline = serializers.DateField(required=False, allow_null=True)
    deadline = serializers.DateField()
    secret = serializers.BooleanField(default=False)


class ClaimSerializer(serializers.Serializer):
    items = serializers.PrimaryKeyRelatedField(many=True, queryset=InspectionItem.objects.filter(is_active=True))
    inspectors_per_entity = serializers.IntegerField(min_value=1, max_value=10, default=1)


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class TaskActionSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=30)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class SuperiorImportSerializer(serializers.Serializer):
    department = serializers.IntegerField()
    file = serializers.FileField()


class SuperiorImportResultSerializer(serializers.Serializer):
    created = serializers.ListField(child=serializers.CharField())
    skipped = serializers.ListField(child=serializers.CharField())
