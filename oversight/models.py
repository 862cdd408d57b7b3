"""The joint-meeting office's own records: reminder letters, meeting issues, assessments."""
