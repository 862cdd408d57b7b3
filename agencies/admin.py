from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from agencies.models import Department, JointMeeting, Membership, Section, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("department",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), (_("平台"), {"fields": ("display_name",)}))
    list_display = ("username", "display_name", "email", "is_active", "is_staff")
    search_fields = ("username", "display_name", "email")
    inlines = [MembershipInline]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "level", "parent", "is_active")
    list_filter = ("kind", "level", "is_active")
    search_fields = ("code", "name", "short_name")


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("department", "code", "name", "kind", "area")
    list_filter = ("kind", "department")
    search_fields = ("code", "name")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "department", "section", "role", "is_active")
    list_filter = ("role", "department", "is_active")
    search_fields = ("user__username", "user__display_name")


@admin.register(JointMeeting)
class JointMeetingAdmin(admin.ModelAdmin):
    list_display = ("name", "office")
    filter_horizontal = ("members",)
