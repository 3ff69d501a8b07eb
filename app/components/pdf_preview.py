"""A PDF shown page by page on canvases by pdf.js (served from our own /static/pdfjs): the file is read as data,
never framed or handed to the browser's own viewer."""

from nicegui import ui

PDFJS_URL = '/static/pdfjs/pdf.min.mjs'
PDFJS_WORKER_URL = '/static/pdfjs/pdf.worker.min.mjs'
PAGES_MAX = 20  # a preview, not a reader: a longer file is downloaded


class PdfPreview(ui.element, component='pdf_preview.js'):
    def __init__(self, url: str, *, pages_text: str, failed_text: str) -> None:
        super().__init__()
        self._props.update(
            url=url,
            library=PDFJS_URL,
            worker=PDFJS_WORKER_URL,
            pages_max=PAGES_MAX,
            pages_text=pages_text,
            failed_text=failed_text,
        )
        self.classes('vk-pdf-preview').mark('pdf-preview')
