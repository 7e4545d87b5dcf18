"""Figures as PNG bytes, and a multi-page PDF of such PNGs.

Figures are saved with a palette of at most 256 colours: a figure has few colours besides
the antialiased shades of its lines and text, so the palette changes no pixel by more than a
few levels, and the PNG is about a third of the size of an RGB one and quicker to compress.

A report's PDF pages are its PNG figures, embedded losslessly: the PNG's compressed pixel
data goes into the PDF as it is (PDF reads PNG's row filters through its ``/Predictor 15``
decode parameter, and a PNG palette is a PDF ``/Indexed`` colour space), so the PDF costs no
second rendering and shows exactly what the PNGs show.
"""

from __future__ import annotations

import io
import struct
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def agg_canvas(fig: Figure) -> FigureCanvasAgg:
    """The figure's Agg canvas (given one if it has another)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    return fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)


def png_bytes(fig: Figure, dpi: float = 100.0) -> bytes:
    """The figure rendered with Agg as a PNG with a palette (no alpha channel: pages are opaque)."""
    canvas = agg_canvas(fig)
    fig.set_dpi(dpi)
    canvas.draw()
    return rgba_png(np.asarray(canvas.buffer_rgba()), dpi)


def rgba_png(pixels: np.ndarray, dpi: float = 100.0) -> bytes:
    """RGBA pixels (rows × columns × 4, uint8) as a PNG with a palette, without alpha."""
    from PIL import Image

    height, width = pixels.shape[:2]
    image = Image.frombuffer("RGBA", (width, height), np.ascontiguousarray(pixels), "raw", "RGBA", 0, 1).convert("RGB")
    # octree: 10 ms a page where median cut takes 80 ms, and as close on figures' few colours
    image = image.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6, dpi=(dpi, dpi))
    return out.getvalue()


class PngPixels(NamedTuple):
    """What a PDF needs of a PNG: size, bits per sample, the palette (RGB triplets; None for
    an RGB image) and the zlib stream of pixel rows."""

    width: int
    height: int
    depth: int
    palette: bytes | None
    pixels: bytes


def read_png(data: bytes) -> PngPixels:
    """The :class:`PngPixels` of a non-interlaced PNG: 8-bit RGB, or with a palette.

    Raises
    ------
    ValueError
        Not a PNG, or a PNG of another kind.
    """
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG")
    pos, idat, header, palette = 8, [], None, None
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = body
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    if header is None or not idat:
        raise ValueError("PNG without header or pixel data")
    width, height, depth, colour_type, _, _, interlace = header
    if interlace or not ((colour_type, depth) == (2, 8) or (colour_type == 3 and palette)):
        raise ValueError(f"PNG must be 8-bit RGB or have a palette, non-interlaced (got depth {depth}, "
                         f"colour type {colour_type}, interlace {interlace})")
    return PngPixels(width, height, depth, palette if colour_type == 3 else None, b"".join(idat))


def pdf_from_pngs(pages: list[tuple[bytes, float]], title: str = "", producer: str = "") -> bytes:
    """A PDF with one page per ``(png, dpi)``, each page the size of its image at that dpi."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    def stream(header: str, payload: bytes) -> bytes:
        return f"<< {header} /Length {len(payload)} >>\nstream\n".encode() + payload + b"\nendstream"

    catalog = add(b"")  # filled in below, once the page tree exists
    tree = add(b"")
    kids = []
    for png, dpi in pages:
        w, h, depth, palette, pixels = read_png(png)
        if palette is None:
            space, colours = "/DeviceRGB", 3
        else:
            space, colours = f"[/Indexed /DeviceRGB {len(palette) // 3 - 1} <{palette.hex()}>]", 1
        image = add(stream(f"/Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace {space} "
                           f"/BitsPerComponent {depth} /Filter /FlateDecode /DecodeParms << /Predictor 15 "
                           f"/Colors {colours} /BitsPerComponent {depth} /Columns {w} >>", pixels))
        pw, ph = 72.0 * w / dpi, 72.0 * h / dpi
        content = add(stream("", f"q {pw:.2f} 0 0 {ph:.2f} 0 0 cm /Im0 Do Q".encode()))
        kids.append(add(f"<< /Type /Page /Parent {tree} 0 R /MediaBox [0 0 {pw:.2f} {ph:.2f}] "
                        f"/Resources << /XObject << /Im0 {image} 0 R >> >> /Contents {content} 0 R >>".encode()))
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {tree} 0 R >>".encode()
    objects[tree - 1] = f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode()
    info = add(f"<< /Title {_pdf_text(title)} /Producer {_pdf_text(producer)} >>".encode())
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for k, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{k} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    out.write("".join(f"{o:010d} 00000 n \n" for o in offsets).encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R /Info {info} 0 R >>\n"
              f"startxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _pdf_text(text: str) -> str:
    """A PDF text string (UTF-16 with byte-order mark, so any character survives)."""
    return "<" + (b"\xfe\xff" + text.encode("utf-16-be")).hex() + ">"

