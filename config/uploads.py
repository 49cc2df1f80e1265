"""What an uploaded file really is, judged from all of its bytes, and safe names for files we write.

Every upload goes through here: evidence (`sniff_evidence`), workbooks and school lists
(`check_zip_limits`). The client's file name and Content-Type are never trusted. A file is
accepted only when the whole of it is one allowed type:

* PDF and images must end where their format ends (nothing appended) and hold no markup
  a browser would render (HTML, script, SVG) anywhere in the file, nor a ZIP directory;
  PDFs are also refused when they carry JavaScript, launch actions or embedded files.
* Legacy Office files (OLE compound documents) are read as such: the streams decide
  Word or Excel; VBA projects, MSI installers and any other compound file are refused.
* Office Open XML packages are judged by their parts and by `[Content_Types].xml`:
  macro-enabled types, VBA projects, Excel 4 macro sheets, ActiveX, Java archives and
  executable or page parts are refused, and exactly one main document must be present.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePath

import filetype
import olefile
from defusedxml import ElementTree

from .text import is_invisible_or_control

# An Office or zip upload is refused when it would inflate far beyond any real document.
ZIP_MAX_MEMBERS = 2000
ZIP_MAX_UNCOMPRESSED = 50 * 1024 * 1024
# Workbooks we read back (school lists, offline scorecards): far smaller than any evidence file.
XLSX_MAX_MEMBERS = 200
XLSX_MAX_UNCOMPRESSED = 50 * 1024 * 1024

EVIDENCE_TYPES = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/msword": ".doc",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
}
# The kinds a rubric's evidence requirement may ask for (rubric.schema.EVIDENCE_KINDS), by detected type.
EVIDENCE_KIND_OF = {
    "application/pdf": "document",
    "application/msword": "document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "document",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "document",
    "image/png": "image",
    "image/jpeg": "image",
    "image/gif": "image",
    "image/webp": "image",
    "application/vnd.ms-excel": "spreadsheet",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "spreadsheet",
}
_DOCX, _XLSX, _PPTX = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
)
# Main part of each accepted package and the content type it must be declared with.
_OOXML_MAIN = {
    "word/document.xml": (_DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xl/workbook.xml": (_XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "ppt/presentation.xml": (_PPTX, "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
}
_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
# Anything a browser could render as a page, wherever it sits in the file.
_MARKUP_RE = re.compile(rb"<\s*(?:html|script|!doctype|svg|iframe|body|head|meta|object|embed)\b|<\?xml-stylesheet", re.I)
# PDF features that run code or carry other files.
_PDF_ACTIVE_RE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA)\b")
# Part names that mean code, not a document.
_BAD_PART_RE = re.compile(
    r"(?:^|/)(?:vbaproject\.bin|vbadata\.xml)$|^xl/macrosheets/|^xl/dialogsheets/|/activex/|^meta-inf/"
    r"|\.(?:class|jar|exe|dll|com|scr|msi|js|vbs|vbe|wsf|hta|html?|ps1|bat|cmd|jsp|php|sh)$",
    re.I,
)
_BAD_CONTENT_TYPE_RE = re.compile(r"macroenabled|vba|macrosheet|activex|java|x-msdownload|html|javascript", re.I)
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
# OLE streams that hold macros (Word: Macros/, Excel: _VBA_PROJECT_CUR/, VBA/).
_OLE_MACRO_STORAGES = {"macros", "_vba_project_cur", "vba", "_vba_project"}


class UploadRefused(ValueError):
    """The file is not acceptable; `message` is the Chinese reason, `code` "unreadable" or "too_big"."""

    def __init__(self, message: str, code: str = "unreadable"):
        self.message = message
        self.code = code
        super().__init__(message)


def _read_all(upload) -> bytes:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def zip_within_limits(archive: zipfile.ZipFile, *, max_members: int = ZIP_MAX_MEMBERS,
                      max_uncompressed: int = ZIP_MAX_UNCOMPRESSED) -> bool:
    """True when the archive's declared sizes stay within the limits.

    Python's zipfile (and openpyxl through it) never inflates a member beyond its declared
    size, so checking the directory bounds the memory any later reader can use.
    """
    members = archive.infolist()
    return len(members) <= max_members and sum(m.file_size for m in members) <= max_uncompressed


def check_xlsx_limits(file, *, max_members: int = XLSX_MAX_MEMBERS, max_uncompressed: int = XLSX_MAX_UNCOMPRESSED) -> None:
    """Raise UploadRefused when a workbook upload (bytes or file) is not a zip or would inflate too far.

    Called before openpyxl sees the file, by every workbook upload (school list, offline scorecard).
    """
    from django.utils.translation import gettext as _

    source = io.BytesIO(file) if isinstance(file, (bytes, bytearray)) else file
    try:
        with zipfile.ZipFile(source) as archive:
            ok = zip_within_limits(archive, max_members=max_members, max_uncompressed=max_uncompressed)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UploadRefused(_("文件无法读取：不是有效的 .xlsx 文件。")) from exc
    finally:
        if hasattr(source, "seek"):
            source.seek(0)
    if not ok:
        raise UploadRefused(_("Excel 文件解压后过大，已拒绝处理。"), code="too_big")


def sniff_evidence(upload) -> tuple[str, str] | None:
    """(content_type, extension) of an evidence upload judged from all its bytes, or None if refused."""
    data = _read_all(upload)
    if data.startswith(_OLE_MAGIC):
        return _sniff_ole(data)
    if data.startswith(b"PK\x03\x04"):
        return _sniff_ooxml(data)
    kind = filetype.guess(data[:8192])
    if kind is None or kind.mime not in EVIDENCE_TYPES or kind.mime.startswith("application/vnd."):
        return None
    if _MARKUP_RE.search(data) or _contains_zip(data):
        return None
    if not _ends_where_format_ends(kind.mime, data):
        return None
    if kind.mime == "application/pdf" and _PDF_ACTIVE_RE.search(data):
        return None
    return kind.mime, EVIDENCE_TYPES[kind.mime]


def evidence_kind(content_type: str) -> str | None:
    """document, image or spreadsheet: the kind of an accepted evidence file, from its detected type."""
    return EVIDENCE_KIND_OF.get(content_type)


class CheckedUpload:
    """An evidence upload that passed every check: detected type, extension, digest, the user's name."""

    def __init__(self, *, content_type: str, ext: str, sha256: str, original_name: str, size: int):
        self.content_type, self.ext, self.sha256 = content_type, ext, sha256
        self.original_name, self.size = original_name, size

    @property
    def kind(self) -> str | None:
        return evidence_kind(self.content_type)

    @property
    def stored_name(self) -> str:
        """A server-generated file name: never any user text."""
        import uuid

        return f"{uuid.uuid4().hex}{self.ext}"


def check_evidence_upload(upload) -> CheckedUpload:
    """Every rule an evidence file (inspectors' or a school's) must pass; UploadRefused with the reason.

    Size limit (settings.EVIDENCE_MAX_BYTES), not empty, and the whole content sniffed.
    """
    import hashlib

    from django.conf import settings
    from django.utils.translation import gettext as _

    if upload.size > settings.EVIDENCE_MAX_BYTES:
        raise UploadRefused(_("文件超过大小上限 %(mb)s MB。") % {"mb": settings.EVIDENCE_MAX_BYTES // (1024 * 1024)},
                            code="too_big")
    if upload.size == 0:
        raise UploadRefused(_("文件是空的。"))
    # Content sniffing over the whole file decides, never the client's name or Content-Type.
    sniffed = sniff_evidence(upload)
    if sniffed is None:
        raise UploadRefused(_("不支持的文件类型：只接受 PDF、图片（PNG/JPEG/GIF/WEBP）和 Office 文档。"))
    content_type, ext = sniffed
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    original = PurePath((upload.name or "").replace("\\", "/")).name[:255] or _("未命名")
    return CheckedUpload(content_type=content_type, ext=ext, sha256=digest.hexdigest(), original_name=original,
                         size=upload.size)


def _contains_zip(data: bytes) -> bool:
    # A ZIP reader looks for its directory at the end: a PDF or image that is also a ZIP (a JAR) is a polyglot.
    return b"PK\x05\x06" in data[-(65535 + 22):] and zipfile.is_zipfile(io.BytesIO(data))


def _ends_where_format_ends(mime: str, data: bytes) -> bool:
    """Nothing may follow the format's own end marker (the place polyglots hide their second file)."""
    if mime == "application/pdf":
        # Writers may add a line break after the final marker; nothing else.
        return data.rstrip(b"\r\n\t \x00").endswith(b"%%EOF")
    if mime == "image/png":
        return data.endswith(b"IEND\xaeB`\x82") and _pillow_verifies(data)
    if mime == "image/jpeg":
        return data.rstrip(b"\x00").endswith(b"\xff\xd9") and _pillow_verifies(data)
    if mime == "image/gif":
        return data.rstrip(b"\x00").endswith(b";") and _pillow_verifies(data)
    if mime == "image/webp":
        return len(data) >= 12 and int.from_bytes(data[4:8], "little") + 8 in (len(data), len(data) - 1) and _pillow_verifies(data)
    return False


def _pillow_verifies(data: bytes) -> bool:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except Exception:  # Pillow raises many types for a damaged image; all mean "not an image"
        return False
    return True


def _sniff_ole(data: bytes) -> tuple[str, str] | None:
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            streams = [[part.lower() for part in path] for path in ole.listdir(streams=True, storages=True)]
    except Exception:  # olefile raises several types for a damaged compound file
        return None
    if any(set(path) & _OLE_MACRO_STORAGES for path in streams):
        return None
    top = {path[0] for path in streams if len(path) == 1}
    # An MSI or any other compound file has neither stream: refused.
    if "worddocument" in top and not top & {"workbook", "book"}:
        return "application/msword", ".doc"
    if top & {"workbook", "book"} and "worddocument" not in top:
        return "application/vnd.ms-excel", ".xls"
    return None


def _sniff_ooxml(data: bytes) -> tuple[str, str] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if not zip_within_limits(archive):
                return None
            names = archive.namelist()
            if "[Content_Types].xml" not in names or any(_BAD_PART_RE.search(n) for n in names):
                return None
            types = ElementTree.fromstring(archive.read("[Content_Types].xml"))
    except Exception:  # a damaged zip or XML (defusedxml also refuses entity tricks): not a document
        return None
    declared = {}
    for node in types:
        content_type = node.get("ContentType") or ""
        if _BAD_CONTENT_TYPE_RE.search(content_type):
            return None
        if node.tag == f"{_CT_NS}Override":
            declared[(node.get("PartName") or "").lstrip("/")] = content_type
    mains = [main for main in _OOXML_MAIN if main in names]
    if len(mains) != 1:  # a Word file that is also a workbook (or a JAR with a document inside) is refused
        return None
    mime, main_type = _OOXML_MAIN[mains[0]]
    if declared.get(mains[0]) != main_type:
        return None
    return mime, EVIDENCE_TYPES[mime]


_UNSAFE_NAME_CHARS = set('/\\:*?"<>|')


def safe_file_name(text: str, *, ext: str = "", max_length: int = 120) -> str:
    """A file or ZIP entry name from user text: no separators, no `..`, no control or bidi characters.

    `ext` (".pdf") is appended after the text is cleaned, so the name always ends in the
    extension of what the file really is.
    """
    cleaned = "".join("_" if c in _UNSAFE_NAME_CHARS or c.isspace() and c != " " else c
                      for c in str(text) if not is_invisible_or_control(c) or c in "\t\n\r")
    cleaned = re.sub(r"\.{2,}", ".", cleaned).strip(" .")
    return (cleaned[:max_length].rstrip(" .") or "_") + ext


def download_name(original: str, content_type: str) -> str:
    """The name an evidence file is served under: the user's stem and the detected type's extension."""
    ext = EVIDENCE_TYPES.get(content_type, ".bin")
    return safe_file_name(PurePath(original.replace("\\", "/")).stem or original, ext=ext)
