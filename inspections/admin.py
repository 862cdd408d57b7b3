"""Admin for the list, plans, campaigns and tasks. Statuses are read-only here: only the services
move a plan or a task, after checking its state (and a task's transitions are kept on record)."""

from __future__ import annotations

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from inspections.models import (
    AnnualPlan,
    Campaign,
    InspectionItem,
    ItemListPublication,
    PlanBatch,
    Task,
    TaskItem,
    TaskParticipant,
    TaskTransition,
)


@admin.register(InspectionItem)
class InspectionItemAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "department", "category", "ratio_cap_bp", "min_yearly_ratio_bp", "version", "is_active"]
    list_filter = ["department", "category", "is_active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    filter_horizontal = ["required_fields"]
    readonly_fields = ["version", "updated_at"]


@admin.register(ItemListPublication)
class ItemListPublicationAdmin(ReadOnlyAdmin):
    """A published version of a department's list is a record of what was public: never edited."""

    list_display = ["department", "version", "item_count", "published_by", "published_at"]
    list_filter = ["department"]


class PlanBatchInline(admin.StackedInline):
    model = PlanBatch
    extra = 0
    filter_horizontal = ["items", "participants"]


@admin.register(AnnualPlan)
class AnnualPlanAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "department", "year", "status", "filed_with"]
    list_filter = ["year", "status", "department"]
    search_fields = ["code", "title"]
    readonly_fields = ["status", "filed_with", "filed_at", "published_at"]
    inlines = [PlanBatchInline]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "year", "lead"]
    list_filter = ["year", "lead"]
    search_fields = ["code", "name"]
    filter_horizontal = ["departments"]


class TaskParticipantInline(admin.TabularInline):
    model = TaskParticipant
    extra = 0
    readonly_fields = ["status", "responded_by", "responded_at", "decline_reason"]


class TaskItemInline(admin.TabularInline):
    model = TaskItem
    extra = 0


class TaskTransitionInline(admin.TabularInline):
    model = TaskTransition
    extra = 0
    can_delete = False
    readonly_fields = ["action", "from_status", "to_status", "actor", "at", "reason"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "department", "scope", "status", "window_start", "deadline"]
    list_filter = ["status", "scope", "source", "year", "department"]
    search_fields = ["code", "title", "superior_ref"]
    readonly_fields = ["code", "status", "created_by", "created_at", "updated_at"]
    inlines = [TaskParticipantInline, TaskItemInline, TaskTransitionInline]


# --- Draws and results (read-only: they change only through services) ----------------------
from inspections.models import (  # noqa: E402
    CaseItem,
    Draw,
    DrawAssignment,
    DrawEvidence,
    DrawFrame,
    DrawRoster,
    DrawSelection,
    EntityFeedback,
    EntityList,
    FollowUp,
    InspectionRecord,
    Notice,
    Objection,
    RedrawRequest,
    Result,
    ResultAttachment,
    ResultReview,
    Substitution,
    TaskCommitment,
    TeamMember,
    TrainingAttendance,
    TrainingSession,
    Visit,
)


@admin.register(TaskCommitment)
class TaskCommitmentAdmin(ReadOnlyAdmin):
    list_display = ("task", "chain_length", "commitment_hex", "next_iteration", "created_at")
    exclude = ("secret_hex",)


@admin.register(Draw)
class DrawAdmin(ReadOnlyAdmin):
    list_display = ("task", "kind", "iteration", "trial", "status", "frame_size", "selected_count", "announced_at", "done_at")
    list_filter = ("kind", "status", "trial")
    search_fields = ("task__code",)
    exclude = ("server_entropy_hex",)


@admin.register(DrawFrame)
class DrawFrameAdmin(ReadOnlyAdmin):
    list_display = ("draw",)
    exclude = ("blob",)


@admin.register(DrawEvidence)
class DrawEvidenceAdmin(ReadOnlyAdmin):
    list_display = ("draw", "sha256_hex")
    exclude = ("bundle", "public_bundle")


@admin.register(DrawSelection)
class DrawSelectionAdmin(ReadOnlyAdmin):
    list_display = ("draw", "rank", "entity_id", "stratum", "order_hex")
    show_full_result_count = False


@admin.register(DrawAssignment)
class DrawAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("draw", "entity_id", "department", "inspector", "is_leader", "order_hex")
    show_full_result_count = False


@admin.register(DrawRoster)
class DrawRosterAdmin(ReadOnlyAdmin):
    list_display = ("draw", "department", "inspector", "entities")
    show_full_result_count = False


for model in (PlanBatch, TaskItem, TaskParticipant, TaskTransition, Objection, Substitution, RedrawRequest, EntityList, Visit, InspectionRecord, TeamMember, Notice, Result,
              ResultReview, ResultAttachment, FollowUp, CaseItem, EntityFeedback, TrainingSession, TrainingAttendance):
    admin.site.register(model, ReadOnlyAdmin)


from inspections.models import NoticeEvent  # noqa: E402  (field work, issue 6 part A)

admin.site.register(NoticeEvent, ReadOnlyAdmin)
