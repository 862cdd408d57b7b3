"""Run in a child process: read one uploaded file the way an import does, print one JSON line
with the outcome and the process's peak RSS (so a bomb cannot hide in the test runner's peak)."""

from __future__ import annotations

import io
import json
import resource
import sys
import time


def main(path: str) -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.imports import ImportRefused, _check_xlsx, sniff_upload
    from core.tabular import TabularError, read_rows
    from entities.importers import READ_ALIASES, REQUIRED

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    outcome: dict[str, object] = {"stage": "read", "rows": 0, "message": ""}
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
            size = fh.seek(0, io.SEEK_END)
            fh.seek(0)
            ext = sniff_upload(head, size=size)
            if ext == "xlsx":
                _check_xlsx(SimpleUploadedFile("x.xlsx", fh.read()))
        longest = 0
        for row in read_rows(path, aliases=READ_ALIASES, required=REQUIRED):
            outcome["rows"] = int(outcome["rows"]) + 1  # type: ignore[call-overload]
            longest = max(longest, *(len(v) for v in row.values.values()))
        outcome["longest_cell"] = longest
    except ImportRefused as exc:
        outcome.update(stage="upload", message=str(exc))
    except TabularError as exc:
        outcome.update(stage="tabular", message=str(exc))
    except Exception as exc:  # what the tests must never see
        outcome.update(stage="crash", message=f"{type(exc).__name__}: {exc}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    outcome["rss_growth_mb"] = round((peak - base) / 1024, 1)
    outcome["seconds"] = round(time.monotonic() - started, 2)
    print(json.dumps(outcome, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
