"""The fast engine: words, ruling lines and images of each page straight from pypdfium2.

pypdfium2 reads text 35-45 times faster than pdfminer. A page costs one call per character for
its code and two loose-box calls per word (its first and last character), not one box call per
character. PDFium keeps the halves of a surrogate pair as two characters, so character codes map
one to one onto character indices; it marks a hyphen at a line end with U+0002 (U+FFFE in its
text API) and joins the two lines, so a word is cut after the marker and the marker becomes "-".
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass

import pypdfium2
import pypdfium2.raw as pdfium_c
from PIL import Image

from cluster_nlp.ingest.errors import ExtractionError
from cluster_nlp.ingest.layout import Word
from cluster_nlp.ingest.pages import RawPage, dominant_direction
from cluster_nlp.ingest.settings import table_settings
from cluster_nlp.ingest.tables import Rule, rule_from_segment
from cluster_nlp.statuses import ErrorClass

ENGINE = "pdfium"
_SPACES = " \t\n\r\x0b\x0c\x00\xa0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000"
_HYPHEN_MARKS = "\x02\ufffe"
_TOKEN = re.compile(f"[^{_SPACES}{_HYPHEN_MARKS}]*[{_HYPHEN_MARKS}]|[^{_SPACES}{_HYPHEN_MARKS}]+")
_MARKS = str.maketrans({"\x02": "-", "\ufffe": "-"})
_SURROGATE = re.compile("[\ud800-\udfff]")
_FORM_DEPTH = 4

_ENCRYPTION_ERRORS = (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY)
_OPEN_ERRORS = {
    pdfium_c.FPDF_ERR_PASSWORD: ("encrypted: needs a password", ErrorClass.ENCRYPTED),
    pdfium_c.FPDF_ERR_SECURITY: ("encrypted: unsupported security handler", ErrorClass.ENCRYPTED),
    pdfium_c.FPDF_ERR_FORMAT: ("malformed PDF: not a valid PDF structure", ErrorClass.CORRUPT),
    pdfium_c.FPDF_ERR_FILE: ("cannot read the file", ErrorClass.CORRUPT),
    pdfium_c.FPDF_ERR_PAGE: (
        "malformed PDF: page tree or page content is broken",
        ErrorClass.CORRUPT,
    ),
    # A failure that sets no error: the file parses but has no usable page tree.
    pdfium_c.FPDF_ERR_SUCCESS: ("malformed PDF: no readable page tree", ErrorClass.CORRUPT),
}
_UNKNOWN_OPEN_ERROR = (
    "malformed PDF: broken structure or no readable page tree",
    ErrorClass.CORRUPT,
)


@dataclass(frozen=True)
class _Frame:
    """Maps PDF user space (origin bottom-left of the media box) to the displayed page,
    origin top-left, after the page's /Rotate, as pdfplumber reports coordinates."""

    x0: float
    y0: float
    width: float  # unrotated
    height: float
    rotation: int

    @property
    def size(self) -> tuple[float, float]:
        if self.rotation in (90, 270):
            return self.height, self.width
        return self.width, self.height

    def box(self, left: float, bottom: float, right: float, top: float) -> tuple[float, ...]:
        xa, ya, xb, yb = left - self.x0, bottom - self.y0, right - self.x0, top - self.y0
        if self.rotation == 90:
            x0, t0, x1, t1 = ya, xa, yb, xb
        elif self.rotation == 180:
            x0, t0, x1, t1 = self.width - xb, ya, self.width - xa, yb
        elif self.rotation == 270:
            x0, t0, x1, t1 = self.height - yb, self.width - xb, self.height - ya, self.width - xa
        else:
            x0, t0, x1, t1 = xa, self.height - yb, xb, self.height - ya
        return min(x0, x1), min(t0, t1), max(x0, x1), max(t0, t1)


class PdfiumDocument:
    """An open PDF; raises ``ExtractionError`` when PDFium cannot open it."""

    def __init__(self, data: bytes) -> None:
        try:
            self._pdf = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError as error:
            code = getattr(error, "err_code", None)
            # PDFium's last-error code is global and not reset by every failure: a password
            # error left by an earlier file must not be reported for an unencrypted one.
            if code in _ENCRYPTION_ERRORS and b"/Encrypt" not in data:
                code = None
            raise ExtractionError(*_OPEN_ERRORS.get(code, _UNKNOWN_OPEN_ERROR)) from error

    def __len__(self) -> int:
        return len(self._pdf)

    def close(self) -> None:
        self._pdf.close()

    def title(self) -> str | None:
        try:
            return self._pdf.get_metadata_dict(skip_empty=True).get("Title")
        except pypdfium2.PdfiumError:
            return None

    def read_page(self, index: int) -> RawPage:
        """Words, ruling lines and image coverage of page ``index`` (0-based)."""
        try:
            page = self._pdf[index]
        except pypdfium2.PdfiumError as error:
            raise ExtractionError(
                f"page {index + 1} cannot be loaded: {error}", ErrorClass.CORRUPT
            ) from error
        try:
            frame = _frame(page)
            textpage = page.get_textpage()
            try:
                words, direction = _words(textpage.raw, frame)
            finally:
                textpage.close()
            rules, image_area = _graphics(page.raw, frame)
            width, height = frame.size
            coverage = min(1.0, image_area / (width * height)) if width * height > 0 else 0.0
            return RawPage(width, height, ENGINE, words, rules, None, coverage, direction)
        finally:
            page.close()

    def render(self, index: int, dpi: int, max_pixels: int) -> tuple[Image.Image, float]:
        """Page ``index`` as a greyscale image and its scale in pixels per point."""
        try:
            page = self._pdf[index]
        except pypdfium2.PdfiumError as error:
            raise ExtractionError(
                f"page {index + 1} cannot be loaded: {error}", ErrorClass.CORRUPT
            ) from error
        try:
            width, height = page.get_size()
            scale = min(dpi / 72, (max_pixels / max(width * height, 1.0)) ** 0.5)
            bitmap = page.render(scale=scale, grayscale=True)
            return bitmap.to_pil(), scale
        except pypdfium2.PdfiumError as error:
            raise ExtractionError(
                f"page {index + 1} cannot be rendered: {error}", ErrorClass.CORRUPT
            ) from error
        finally:
            page.close()


def _frame(page: pypdfium2.PdfPage) -> _Frame:
    left, bottom, right, top = page.get_mediabox()
    return _Frame(
        x0=min(left, right),
        y0=min(bottom, top),
        width=abs(right - left),
        height=abs(top - bottom),
        rotation=page.get_rotation() % 360,
    )


def _characters(textpage: pdfium_c.FPDF_TEXTPAGE, count: int) -> str:
    """The page's characters, one per character index. One ``FPDFText_GetText`` call serves
    when its output has one unit per character (the usual case); otherwise, when PDFium left
    characters out of it, each code is asked for separately."""
    buffer = (ctypes.c_ushort * (count + 1))()
    written = pdfium_c.FPDFText_GetText(textpage, 0, count, buffer)
    if written - 1 == count:
        return "".join(map(chr, buffer[:count]))
    unicode_of = pdfium_c.FPDFText_GetUnicode
    return "".join(map(chr, [unicode_of(textpage, index) for index in range(count)]))


def _words(textpage: pdfium_c.FPDF_TEXTPAGE, frame: _Frame) -> tuple[list[Word], str]:
    """The page's words, and the direction most of them run in ("ltr", "ttb" or "btt")."""
    count = pdfium_c.FPDFText_CountChars(textpage)
    if count <= 0:
        return [], "ltr"
    text = _characters(textpage, count)
    clean = text.translate(_MARKS)  # same length: slices of it are the words' texts
    has_surrogates = _SURROGATE.search(text) is not None
    rect = pdfium_c.FS_RECTF()
    box_of = pdfium_c.FPDFText_GetLooseCharBox
    upright = frame.rotation == 0
    dx, flip = frame.x0, frame.y0 + frame.height  # frame.box for an unrotated page, inlined
    words: list[Word] = []
    directions = {"ltr": 0, "ttb": 0, "btt": 0}
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        box_of(textpage, start, rect)
        left, bottom, right, top = rect.left, rect.bottom, rect.right, rect.top
        box_of(textpage, end - 1, rect)
        if upright:  # the common case, without building both boxes
            step_x, step_down, size = rect.left - left, top - rect.top, top - bottom
        else:
            first = frame.box(left, bottom, right, top)
            last = frame.box(rect.left, rect.bottom, rect.right, rect.top)
            step_x, step_down, size = last[0] - first[0], last[1] - first[1], first[3] - first[1]
        if step_x < -size and step_down > size / 2:  # as _wraps: the token runs onto a later line
            words.extend(_split_wrapped(textpage, frame, clean[start:end], start))
            continue
        if end - start >= 3:
            vertical = abs(step_down) > abs(step_x)
            directions[("ttb" if step_down > 0 else "btt") if vertical else "ltr"] += 1
        token = _joined_surrogates(clean[start:end]) if has_surrogates else clean[start:end]
        left, bottom = min(left, rect.left), min(bottom, rect.bottom)
        right, top = max(right, rect.right), max(top, rect.top)
        if upright:
            words.append(Word(token, left - dx, flip - top, right - dx, flip - bottom))
        else:
            words.append(Word(token, *frame.box(left, bottom, right, top)))
    return words, dominant_direction(directions)


def _joined_surrogates(token: str) -> str:
    """PDFium gives a character outside the BMP (math italic 𝛽) as two surrogate halves."""
    return token.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _wraps(first: tuple[float, ...], last: tuple[float, ...]) -> bool:
    """Whether ``last`` sits on a later line than ``first``, well left of it: PDFium joined two
    lines without a space (rare). Runs of text, horizontal or vertical, do not match this."""
    size = max(first[3] - first[1], 1.0)
    return last[0] - first[0] < -size and last[1] - first[1] > size / 2


def _split_wrapped(
    textpage: pdfium_c.FPDF_TEXTPAGE, frame: _Frame, token: str, start: int
) -> list[Word]:
    rect = pdfium_c.FS_RECTF()
    pieces: list[tuple[str, tuple[float, ...]]] = []
    for offset, character in enumerate(token):
        pdfium_c.FPDFText_GetLooseCharBox(textpage, start + offset, rect)
        box = frame.box(rect.left, rect.bottom, rect.right, rect.top)
        if pieces and _wraps(pieces[-1][1], box):
            pieces.append((character, box))
        elif pieces:
            text, union = pieces[-1]
            pieces[-1] = (
                text + character,
                (*map(min, union[:2], box[:2]), *map(max, union[2:], box[2:])),
            )
        else:
            pieces.append((character, box))
    return [Word(_joined_surrogates(text), *box) for text, box in pieces]


def _graphics(page: pdfium_c.FPDF_PAGE, frame: _Frame) -> tuple[list[Rule], float]:
    """Ruling lines (straight axis-aligned path segments) and the total area of images.

    Pages can hold thousands of path objects (Type3 glyphs, charts), so the loop is kept tight:
    a path's raw bounds rule out small ones before any other call."""
    rules: list[Rule] = []
    image_area = 0.0
    # (container, is a form, count, matrix to page space, depth)
    stack = [(page, False, pdfium_c.FPDFPage_CountObjects(page), _IDENTITY, 0)]
    matrix = pdfium_c.FS_MATRIX()
    min_length = table_settings().rule_min_length
    get_type, get_bounds = pdfium_c.FPDFPageObj_GetType, pdfium_c.FPDFPageObj_GetBounds
    left, bottom, right, top = _BOUNDS
    path, image, form = (
        pdfium_c.FPDF_PAGEOBJ_PATH,
        pdfium_c.FPDF_PAGEOBJ_IMAGE,
        pdfium_c.FPDF_PAGEOBJ_FORM,
    )
    while stack:
        container, in_form, count, outer, depth = stack.pop()
        get = pdfium_c.FPDFFormObj_GetObject if in_form else pdfium_c.FPDFPage_GetObject
        # How far a box of the container's space stretches on the page, per axis.
        scale_xx, scale_yx, scale_xy, scale_yy = (abs(value) for value in outer[:4])
        for index in range(max(count, 0)):
            obj = get(container, index)
            kind = get_type(obj)
            if kind == path:
                get_bounds(obj, left, bottom, right, top)
                width, height = right.value - left.value, top.value - bottom.value
                if width * scale_xx + height * scale_xy < min_length and (
                    width * scale_yx + height * scale_yy < min_length
                ):
                    continue  # small on the page: a glyph, a mark, a dot of a chart
                rules.extend(_rules_of_path(obj, outer, frame, matrix))
            elif kind == image:
                x0, y0, x1, y1 = _object_box(obj, outer, frame)
                image_area += (x1 - x0) * (y1 - y0)
            elif kind == form and depth < _FORM_DEPTH:
                x0, y0, x1, y1 = _object_box(obj, outer, frame)
                if max(x1 - x0, y1 - y0) < min_length:  # a glyph or a mark: nothing to find inside
                    continue
                pdfium_c.FPDFPageObj_GetMatrix(obj, matrix)
                inner = _compose(
                    (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f), outer
                )
                stack.append((obj, True, pdfium_c.FPDFFormObj_CountObjects(obj), inner, depth + 1))
    return rules, image_area


def _compose(inner: tuple[float, ...], outer: tuple[float, ...]) -> tuple[float, ...]:
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (
        a * A + b * C,
        a * B + b * D,
        c * A + d * C,
        c * B + d * D,
        e * A + f * C + E,
        e * B + f * D + F,
    )


def _apply(matrix: tuple[float, ...], x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = matrix
    return a * x + c * y + e, b * x + d * y + f


_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


_BOUNDS = tuple(ctypes.c_float() for _ in range(4))  # reused: one bounds query at a time


def _object_box(
    obj: pdfium_c.FPDF_PAGEOBJECT, outer: tuple[float, ...], frame: _Frame
) -> tuple[float, ...]:
    left, bottom, right, top = _BOUNDS
    pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top)
    if outer is _IDENTITY:
        return frame.box(left.value, bottom.value, right.value, top.value)
    corners = [
        _apply(outer, x, y) for x in (left.value, right.value) for y in (bottom.value, top.value)
    ]
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    return frame.box(min(xs), min(ys), max(xs), max(ys))


def _rules_of_path(
    obj: pdfium_c.FPDF_PAGEOBJECT,
    outer: tuple[float, ...],
    frame: _Frame,
    matrix: pdfium_c.FS_MATRIX,
) -> list[Rule]:
    """Ruling lines drawn by one path object. Its bounds decide cheaply: small paths (glyphs of
    Type3 fonts, marks) have none, a thin path is one rule; only stroked box-like paths with
    few segments (a cell frame, a whole grid) are walked segment by segment."""
    settings = table_settings()
    x0, top, x1, bottom = _object_box(obj, outer, frame)
    if max(x1 - x0, bottom - top) < settings.rule_min_length:
        return []
    if min(x1 - x0, bottom - top) <= settings.rule_max_thickness:
        rule = rule_from_segment(x0, top, x1, bottom, settings)
        return [rule] if rule else []
    fill_mode, stroked = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDFPath_GetDrawMode(obj, fill_mode, stroked)
    if not stroked.value:  # a filled box is a background or a highlight, not cell borders
        return []
    segments = pdfium_c.FPDFPath_CountSegments(obj)
    if not 0 < segments <= settings.box_max_segments:
        return []
    pdfium_c.FPDFPageObj_GetMatrix(obj, matrix)
    own = _compose((matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f), outer)
    return _path_rules(obj, segments, own, frame)


def _path_rules(
    obj: pdfium_c.FPDF_PAGEOBJECT, segments: int, matrix: tuple[float, ...], frame: _Frame
) -> list[Rule]:
    x, y = ctypes.c_float(), ctypes.c_float()
    rules: list[Rule] = []
    start = current = None
    for index in range(segments):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj, index)
        pdfium_c.FPDFPathSegment_GetPoint(segment, x, y)
        point = _apply(matrix, x.value, y.value)
        kind = pdfium_c.FPDFPathSegment_GetType(segment)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO:
            start = current = point
            continue
        if kind == pdfium_c.FPDF_SEGMENT_LINETO and current is not None:
            rules.extend(_rule(current, point, frame))
        current = point
        if pdfium_c.FPDFPathSegment_GetClose(segment) and start is not None:
            rules.extend(_rule(current, start, frame))
            current = start
    return rules


def _rule(a: tuple[float, float], b: tuple[float, float], frame: _Frame) -> list[Rule]:
    x0, top, x1, bottom = frame.box(
        min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])
    )
    rule = rule_from_segment(x0, top, x1, bottom)
    return [rule] if rule else []
