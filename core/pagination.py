from rest_framework.pagination import CursorPagination


class KeysetPagination(CursorPagination):
    """Keyset pages: stable and fast at any depth, no COUNT(*) on large tables."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
