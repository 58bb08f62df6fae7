"""The policy document as Markdown, a standalone HTML file, PDF (fpdf2) and DOCX (python-docx).

Statement text is Markdown written by the school. For PDF and DOCX it is rendered (and cleaned)
by bastion.lib.markdown first, then read back into plain blocks of styled runs, so every format
shows the same words and none of them ever runs what was typed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.template.loader import render_to_string

from bastion.lib.exports import latin1
from bastion.lib.markdown import render
from bastion.policy.document import TITLE, Document, Item

FORMATS = {
    "md": ("text/markdown; charset=utf-8", "md"),
    "html": ("text/html; charset=utf-8", "html"),
    "pdf": ("application/pdf", "pdf"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
}
NOT_APPLICABLE = "Not applicable at this school"


def document_bytes(document: Document, fmt: str) -> bytes:
    if fmt == "md":
        return to_markdown(document).encode()
    if fmt == "html":
        return to_html(document).encode()
    if fmt == "pdf":
        return to_pdf(document)
    if fmt == "docx":
        return to_docx(document)
    raise ValueError(f"unknown format {fmt!r}")


# Markdown -------------------------------------------------------------------------------------


def _cell(value: str) -> str:
    return " ".join(str(value).split()).replace("|", "\\|")


def _bullet(text: str) -> str:
    lines = text.strip().splitlines() or [""]
    return "\n".join(["- " + lines[0], *[("  " + line if line else "") for line in lines[1:]]])


def to_markdown(document: Document) -> str:
    out = [f"# {TITLE}", ""]
    if document.label:
        out += [f"*{document.label}*", ""]
    out += ["| | |", "|---|---|"]
    out += [f"| {label} | {_cell(value)} |" for label, value in document.header]
    for part in document.parts:
        out += ["", f"## {part.title}", ""]
        if part.intro:
            out += [part.intro, ""]
        out += [_bullet(item.text) for item in part.applicable]
    if document.not_applicable:
        out += ["", f"## {NOT_APPLICABLE}", ""]
        for item in document.not_applicable:
            out.append(_bullet(f"{item.text}\n\n*Not applicable: {_cell(item.reason)}*"))
    return "\n".join(out).rstrip() + "\n"


# HTML -----------------------------------------------------------------------------------------


def to_html(document: Document) -> str:
    """A standalone HTML file (the web page is policy/policy.html, inside the site)."""
    context = {
        "document": document,
        "title": TITLE,
        "na": NOT_APPLICABLE,
        "parts": [(p, [(i, render(i.text)) for i in p.applicable]) for p in document.parts],
        "not_applicable": [(i, render(i.text)) for i in document.not_applicable],
    }
    return render_to_string("policy/document_file.html", context)


# Blocks: rendered statement HTML read back as paragraphs and list items of styled runs -----


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    href: str = ""


@dataclass
class Block:
    level: int  # 0: a paragraph of the statement; 1, 2, ...: a list item, nested
    runs: list[Run] = field(default_factory=list)
    numbered: int = 0  # the number of an ordered list's item

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs).strip()


class _Reader(HTMLParser):
    BLOCKS = {"p", "li", "h2", "h3", "h4", "blockquote", "pre", "tr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.lists: list[list] = []  # [ordered?, counter]
        self.bold = self.italic = 0
        self.href = ""
        self.current: Block | None = None

    def _block(self) -> Block:
        if self.current is None:
            level = len(self.lists)
            self.current = Block(level)
            if self.lists and self.lists[-1][0]:
                self.current.numbered = self.lists[-1][1]
            self.blocks.append(self.current)
        return self.current

    def _end(self):
        self.current = None

    def handle_starttag(self, tag, attrs):
        if tag in ("ul", "ol"):
            self._end()
            self.lists.append([tag == "ol", 0])
        elif tag == "li":
            self._end()
            if self.lists:
                self.lists[-1][1] += 1
            self._block()
        elif tag in self.BLOCKS:
            self._end()
        elif tag in ("strong", "b", "th"):
            self.bold += 1
        elif tag in ("em", "i"):
            self.italic += 1
        elif tag == "a":
            self.href = dict(attrs).get("href") or ""
        elif tag == "br":
            self._block().runs.append(Run("\n"))
        elif tag == "td":
            self._block().runs.append(Run("  "))

    def handle_endtag(self, tag):
        if tag in ("ul", "ol"):
            self._end()
            if self.lists:
                self.lists.pop()
        elif tag in self.BLOCKS:
            self._end()
        elif tag in ("strong", "b", "th"):
            self.bold = max(0, self.bold - 1)
        elif tag in ("em", "i"):
            self.italic = max(0, self.italic - 1)
        elif tag == "a":
            if self.href and self.current and self.current.runs:
                shown = self.current.runs[-1].text.strip()
                if shown and shown != self.href and not self.href.startswith("mailto:"):
                    self.current.runs.append(Run(f" ({self.href})"))
            self.href = ""

    def handle_data(self, data):
        if not data.strip() and self.current is None:
            return
        text = " ".join(data.split()) if data.strip() else " "
        if data[:1].isspace() and data.strip():
            text = " " + text
        if data[-1:].isspace() and data.strip():
            text += " "
        self._block().runs.append(Run(text, bool(self.bold), bool(self.italic), self.href))


def blocks(markdown_text: str) -> list[Block]:
    reader = _Reader()
    reader.feed(str(render(markdown_text)))
    reader.close()
    return [b for b in reader.blocks if b.text]


def _statement_blocks(item: Item, note: str = "") -> list[Block]:
    found = blocks(item.text)
    if note:
        found.append(Block(0, [Run(note, italic=True)]))
    return found


def _sections(document: Document):
    """(title, intro, [(item, note)]) for each part, then the not-applicable statements."""
    for part in document.parts:
        yield part.title, part.intro, [(i, "") for i in part.applicable]
    if document.not_applicable:
        yield (
            NOT_APPLICABLE,
            "",
            [(i, f"Not applicable: {i.reason}") for i in document.not_applicable],
        )


# PDF ------------------------------------------------------------------------------------------


def to_pdf(document: Document) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(18, 16, 18)
    pdf.set_title(latin1(f"{TITLE}: {document.school_name}"))
    pdf.set_creator("Bastion")
    pdf.add_page()
    pdf.set_font("helvetica", "B", 18)
    pdf.cell(0, 10, TITLE, new_x="LMARGIN", new_y="NEXT")
    if document.label:
        pdf.set_font("helvetica", "I", 9)
        pdf.multi_cell(0, 5, latin1(document.label), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("helvetica", "", 10)
    with pdf.table(
        col_widths=(2, 3), text_align="LEFT", line_height=6, first_row_as_headings=False
    ) as grid:
        for label, value in document.header:
            row = grid.row()
            row.cell(latin1(label))
            row.cell(latin1(value or "-"))
    for title, intro, items in _sections(document):
        pdf.ln(4)
        pdf.set_font("helvetica", "B", 13)
        pdf.multi_cell(0, 7, latin1(title), new_x="LMARGIN", new_y="NEXT")
        if intro:
            pdf.set_font("helvetica", "", 10)
            pdf.multi_cell(0, 5.5, latin1(intro), new_x="LMARGIN", new_y="NEXT")
        for item, note in items:
            pdf.ln(1.5)
            for index, block in enumerate(_statement_blocks(item, note)):
                _pdf_block(pdf, block, first=index == 0)
    return bytes(pdf.output())


def _pdf_block(pdf, block: Block, first: bool) -> None:
    left = 18
    indent = left + 6 + 6 * block.level
    if first or block.level:
        pdf.set_font("helvetica", "", 10)
        pdf.set_x(indent - 5)
        marker = f"{block.numbered}." if block.numbered else ("-" if not first else chr(149))
        pdf.cell(5, 5.5, marker)
    pdf.set_left_margin(indent)
    pdf.set_x(indent)
    for run in block.runs:
        style = ("B" if run.bold else "") + ("I" if run.italic else "")
        pdf.set_font("helvetica", style, 10)
        pdf.write(5.5, latin1(run.text), link=run.href or "")
    pdf.ln(6.5)
    pdf.set_left_margin(left)


# DOCX -----------------------------------------------------------------------------------------


def to_docx(document: Document) -> bytes:
    from docx import Document as Docx
    from docx.shared import Pt

    out = Docx()
    out.core_properties.title = f"{TITLE}: {document.school_name}"
    out.add_heading(TITLE, level=0)
    if document.label:
        out.add_paragraph().add_run(document.label).italic = True
    table = out.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in document.header:
        cells = table.add_row().cells
        cells[0].text = label
        cells[1].text = value or "-"
    for title, intro, items in _sections(document):
        out.add_heading(title, level=1)
        if intro:
            out.add_paragraph(intro)
        for item, note in items:
            for index, block in enumerate(_statement_blocks(item, note)):
                if index == 0:
                    paragraph = out.add_paragraph(style="List Bullet")
                elif block.level:
                    style = "List Number" if block.numbered else "List Bullet"
                    level = min(block.level + 1, 3)
                    paragraph = out.add_paragraph(style=f"{style} {level}" if level > 1 else style)
                else:
                    paragraph = out.add_paragraph()
                    paragraph.paragraph_format.left_indent = Pt(18)
                for run in block.runs:
                    added = paragraph.add_run(run.text)
                    added.bold, added.italic = run.bold or None, run.italic or None
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()
