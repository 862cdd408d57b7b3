"""Demo reminder letters, meeting issues and an assessment scheme (filled in below)."""
