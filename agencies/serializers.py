from rest_framework import serializers

from agencies.models import Department, Membership, Section


class SectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Section
        fields = ["id", "department", "code", "name", "kind", "area"]
        read_only_fields = ["id", "department"]


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name", "short_name", "kind", "level", "parent"]


class MembershipSerializer(serializers.ModelSerializer):
    department = DepartmentSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "department", "section", "role"]


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    memberships = MembershipSerializer(many=True)
