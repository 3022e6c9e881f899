"""Content hashes for evidence: SHA-256 of the bytes, and a perceptual hash of an image.

The perceptual hash is the difference hash (dHash) as ImageHash computes it: the image in
greyscale shrunk to 9×8 with Lanczos resampling, one bit per pixel "brighter than its left
neighbour", row by row, as 16 hex digits. Re-encoding, resizing or slight compression change
a few bits at most (compare with `hamming`), where SHA-256 changes entirely. Pillow only.
"""

from __future__ import annotations

import hashlib
import io
import warnings

from PIL import Image, UnidentifiedImageError

HASH_SIZE = 8


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dhash_hex(data: bytes, size: int = HASH_SIZE) -> str:
    """The image's difference hash as hex; "" when the bytes are not an image Pillow reads."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.seek(0)
                small = image.convert("L").resize((size + 1, size), Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombWarning):
        return ""
    pixels = small.tobytes()  # one byte a pixel in mode "L"
    bits = "".join(
        "1" if pixels[row * (size + 1) + col + 1] > pixels[row * (size + 1) + col] else "0"
        for row in range(size)
        for col in range(size)
    )
    return f"{int(bits, 2):0{(len(bits) + 3) // 4}x}"


def hamming(a: str, b: str) -> int:
    """Bits that differ between two hex hashes of the same length."""
    return bin(int(a, 16) ^ int(b, 16)).count("1")
