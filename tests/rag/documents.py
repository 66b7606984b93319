"""Documents the RAG tests ingest, made here: a hand-written PDF with real text, HTML, Markdown."""

from __future__ import annotations


def make_pdf(pages: list[list[str]], title: str = "") -> bytes:
    """A minimal valid PDF (Helvetica, one text line per string) that pypdf extracts text from."""

    def escaped(line: str) -> str:
        return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    page_count = len(pages)
    objects: list[bytes] = []
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(page_count))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {page_count} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for index, lines in enumerate(pages):
        content_id = 5 + 2 * index
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> "
            f">> /Contents {content_id} 0 R >>".encode()
        )
        text = "BT /F1 11 Tf 14 TL 72 740 Td " + " ".join(f"({escaped(line)}) Tj T*" for line in lines) + " ET"
        stream = text.encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    info_id = len(objects) + 1
    objects.append(f"<< /Title ({escaped(title)}) >>".encode())
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        info_id,
        xref,
    )
    return bytes(out)


HTML_PAGE = """<!doctype html>
<html><head><title>Clinic handbook</title><style>body { color: red }</style>
<script>var secret = "do-not-index-this-script";</script></head>
<body>
<nav>Home | About</nav>
<h1>Clinic handbook</h1>
<p>Welcome to the clinic. Opening hours are listed below.</p>
<h2>Vaccination schedule</h2>
<p>Influenza vaccines are given every autumn, from October to December.</p>
<ul><li>Bring your vaccination card.</li><li>Children need a parent present.</li></ul>
<h2>Billing</h2>
<table><tr><th>Service</th><th>Price</th></tr><tr><td>Consultation</td><td>40 EUR</td></tr></table>
</body></html>
"""

MARKDOWN_GUIDE = """---
author: tests
---
# Hypertension guide

High blood pressure rarely causes symptoms, which is why regular measurement matters.

## Measuring blood pressure

Sit quietly for five minutes before measuring. Use a cuff that fits the upper arm.

## Treatment

Lifestyle changes come first: less salt, more exercise, less alcohol.

```
# this is a code comment, not a heading
```

### Medication

ACE inhibitors and diuretics are common first-line medicines.
"""
