"""Photos and documents of results: the type is read from the content (never from the name),
the size is capped by a setting, and the files live in a private directory that no URL serves.

Settings (with defaults): ``RESULT_UPLOAD_MAX_BYTES`` (10 MB), ``PRIVATE_MEDIA_ROOT``
(``var/private`` beside the code; must not be inside ``STATIC_ROOT`` or ``MEDIA_ROOT``). The only
way out is ``inspections.results_views.attachment_download``, behind the result's access check.
"""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record, rows_suppressed
from inspections.models import Result, ResultAttachment
from inspections.results import ResultError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# content type -> (extension, label shown to people)
ALLOWED: dict[str, tuple[str, str]] = {
    "image/jpeg": ("jpg", "JPEG"),
    "image/png": ("png", "PNG"),
    "application/pdf": ("pdf", "PDF"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx", "Word（docx）"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx", "Excel（xlsx）"),
}
IMAGE_TYPES = {"image/jpeg", "image/png"}


def max_bytes() -> int:
    return int(getattr(settings, "RESULT_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def private_root() -> Path:
    root = Path(getattr(settings, "PRIVATE_MEDIA_ROOT", None) or Path(settings.BASE_DIR) / "var" / "private").resolve()
    # STATICFILES_DIRS entries may be (prefix, directory) pairs.
    extra = [d[1] if isinstance(d, tuple | list) else d for d in getattr(settings, "STATICFILES_DIRS", [])]
    for served in (settings.STATIC_ROOT, settings.MEDIA_ROOT, *extra):
        if root.is_relative_to(Path(served).resolve()):
            raise ImproperlyConfigured("PRIVATE_MEDIA_ROOT must lie outside every directory a URL serves")
    return root


def private_storage() -> FileSystemStorage:
    # No base_url: this storage has no URL; files leave only through the access-checked view.
    return FileSystemStorage(location=str(private_root()), base_url=None)


def sniff(head: bytes, stream: IO[bytes] | None = None) -> str | None:
    """The content type from the first bytes (and, for zip, the package parts), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04") and stream is not None:
        try:
            names = set(zipfile.ZipFile(stream).namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return None


def allowed_labels() -> str:
    return "、".join(label for _ext, label in ALLOWED.values())


def check_upload(upload: Any) -> tuple[str, bytes]:
    """Refuse what is too big or of a type we do not take; return the type and the bytes."""
    limit = max_bytes()
    if upload.size is not None and upload.size > limit:
        raise ResultError(_("文件“%(name)s”过大（%(size).1f MB），单个文件不能超过 %(max).0f MB。")
                          % {"name": upload.name, "size": upload.size / 1048576, "max": limit / 1048576})
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise ResultError(_("文件“%(name)s”过大，单个文件不能超过 %(max).0f MB。") % {"name": upload.name, "max": limit / 1048576})
    kind = sniff(content[:16], io.BytesIO(content))
    if kind is None:
        raise ResultError(_("文件“%(name)s”的类型不允许上传（按文件内容识别，不看扩展名）。只接受：%(types)s。")
                          % {"name": upload.name, "types": allowed_labels()})
    return kind, content


@transaction.atomic
def attachment_add(*, result: Result, user: Any, upload: Any) -> ResultAttachment:
    if result.status not in (Result.Status.DRAFT, Result.Status.RETURNED):
        raise ResultError(_("该结果已提交审核，不能再添加附件。"))
    kind, content = check_upload(upload)
    ext = ALLOWED[kind][0]
    name = f"results/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"
    stored = private_storage().save(name, File(io.BytesIO(content)))
    original = Path(str(upload.name or "")).name[:255] or f"file.{ext}"
    # The generic audit snapshot cannot serialise a FieldFile: record this row by hand instead.
    with rows_suppressed():
        attachment = ResultAttachment.objects.create(
            result=result, file=stored, original_name=original, content_type=kind, size=len(content),
            sha256_hex=hashlib.sha256(content).hexdigest(), uploaded_by=user,
        )
    audit_record(action="create", object_type="inspections.resultattachment", object_id=str(attachment.pk),
                 changes={"result_id": result.pk, "file": stored, "content_type": kind, "size": len(content),
                          "sha256_hex": attachment.sha256_hex, "uploaded_by_id": user.pk})
    return attachment


def attachment_open(attachment: ResultAttachment) -> IO[bytes]:
    return private_storage().open(attachment.file.name, "rb")
