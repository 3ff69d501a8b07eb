"""What a file is, told from its bytes (never from its name or what the browser claims), and what it may be called."""

import re
import unicodedata
import zipfile

NAME_MAX = 200  # the column holds 200
PDF = 'application/pdf'
DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'
XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
PPTX = 'application/vnd.openxmlformats-officedocument.presentationml.presentation'
ZIP = 'application/zip'
OLE = 'application/x-ole-storage'  # .doc and .xls of old Office: one container format, told apart by the name
DOC = 'application/msword'
XLS = 'application/vnd.ms-excel'
TEXT = 'text/plain'
BINARY = 'application/octet-stream'
# images a browser may show inline from our origin: raster only, an SVG can carry script
PREVIEW_IMAGES = {'image/png', 'image/jpeg', 'image/gif', 'image/webp'}

_MAGIC = (
    (b'%PDF-', PDF),
    (b'\x89PNG\r\n\x1a\n', 'image/png'),
    (b'\xff\xd8\xff', 'image/jpeg'),
    (b'GIF87a', 'image/gif'),
    (b'GIF89a', 'image/gif'),
    (b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1', OLE),
    (b'PK\x03\x04', ZIP),
)
_OOXML = (('word/', DOCX), ('xl/', XLSX), ('ppt/', PPTX))


def sniff_type(head: bytes, name: str = '', open_zip=None) -> str:
    """The content type by magic bytes: pdf, png, jpeg, gif, webp, docx/xlsx/pptx (a zip whose parts say so),
    doc/xls (OLE), plain text (UTF-8 without control characters), else application/octet-stream. An HTML or an
    SVG file is plain text or octet-stream here, so it is never served as something a browser runs.
    `open_zip` gives the whole file for looking inside a zip (its directory is at the end)."""
    if head[:4] == b'RIFF' and head[8:12] == b'WEBP':
        return 'image/webp'
    kind = next((kind for magic, kind in _MAGIC if head.startswith(magic)), None)
    if kind == ZIP:
        return _office_kind(open_zip) if open_zip else ZIP
    if kind == OLE:
        return XLS if name.lower().endswith(('.xls', '.xlt')) else DOC
    if kind:
        return kind
    return TEXT if _looks_like_text(head) else BINARY


def _office_kind(open_zip) -> str:
    try:
        with zipfile.ZipFile(open_zip()) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return ZIP
    if '[Content_Types].xml' in names:
        for prefix, kind in _OOXML:
            if any(n.startswith(prefix) for n in names):
                return kind
    return ZIP


def _looks_like_text(head: bytes) -> bool:
    if not head:
        return True
    try:
        text = head.decode('utf-8')
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:  # only a character cut at the end of what was read is forgiven
            return False
        text = head[: error.start].decode('utf-8')
    return not any(unicodedata.category(c) == 'Cc' and c not in '\t\n\r\f' for c in text)


_UNSAFE = re.compile(r'[\\/:*?"<>|]+')


def clean_name(name: str | None, fallback: str = 'file') -> str:
    """A file name as kept and offered for download: no folders, no control or invisible characters, none of the
    characters file systems refuse, no leading dots, at most NAME_MAX characters with the extension kept."""
    text = unicodedata.normalize('NFC', name or '')
    text = text.replace('\\', '/').rsplit('/', 1)[-1]  # a browser may send C:\fakepath\… or a path
    text = ''.join(c for c in text if unicodedata.category(c)[0] != 'C')
    text = _UNSAFE.sub('_', text)
    text = ' '.join(text.split()).strip(' .')
    if not text:
        return fallback
    if len(text) > NAME_MAX:
        stem, dot, extension = text.rpartition('.')
        if dot and 0 < len(extension) <= 16 and stem:
            text = stem[: NAME_MAX - len(extension) - 1].rstrip(' .') + '.' + extension
        else:
            text = text[:NAME_MAX].rstrip(' .')
    return text


def icon_of(content_type: str) -> str:
    """The Material icon of a type, for the list."""
    if content_type.startswith('image/'):
        return 'image'
    if content_type == PDF:
        return 'picture_as_pdf'
    if content_type in (XLSX, XLS):
        return 'table_chart'
    if content_type in (DOCX, DOC, TEXT):
        return 'description'
    if content_type in (ZIP, PPTX):
        return 'folder_zip' if content_type == ZIP else 'slideshow'
    return 'insert_drive_file'
