"""Small files to upload: real PDF, PNG and JPEG headers, and the disguises we must refuse."""
from __future__ import annotations

import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png() -> bytes:
    """A valid 1×1 white PNG."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
            + _chunk(b"IEND", b""))


def jpeg() -> bytes:
    """The start of a JFIF file (the type is decided by its first bytes) and its end marker."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def pdf(extra_objects: bytes = b"") -> bytes:
    """A one-page PDF saying 委任状 (letter of authority); `extra_objects` are appended."""
    return (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
            b"1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
            b"2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n"
            b"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]>> endobj\n"
            + extra_objects +
            b"trailer <</Root 1 0 R>>\n%%EOF\n")


def pdf_with_javascript() -> bytes:
    return pdf(b"4 0 obj <</Type /Action /S /JavaScript /JS (app.alert\\('hi'\\)) >> endobj\n")


def pdf_with_escaped_javascript() -> bytes:
    """/J#53 is /JS to a PDF reader."""
    return pdf(b"4 0 obj <</Type /Action /S /Java#53cript /J#53 (app.alert\\(1\\)) >> endobj\n")


def pdf_with_javascript_in_object_stream() -> bytes:
    """The action dictionary compressed inside an object stream (PDF 1.5+)."""
    objects = b"4 0 <</S /JavaScript /JS (app.alert\\(1\\))>>"
    packed = zlib.compress(objects)
    return pdf(b"5 0 obj <</Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length "
               + str(len(packed)).encode() + b">>\nstream\n" + packed + b"\nendstream\nendobj\n")


def pdf_with_harmless_object_stream() -> bytes:
    objects = b"4 0 <</Type /Annot /Subtype /Text /Contents (hello)>>"
    packed = zlib.compress(objects)
    return pdf(b"5 0 obj <</Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length "
               + str(len(packed)).encode() + b">>\nstream\n" + packed + b"\nendstream\nendobj\n")


def exe() -> bytes:
    """The start of a Windows program."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run in DOS mode."
