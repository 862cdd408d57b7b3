"""Import pages (upload, preview, progress, error report). Filled in by the imports work."""

urlpatterns: list = []
