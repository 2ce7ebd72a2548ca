"""QR codes (check-in codes in confirmations and on the workspace, certificate checks).

segno picks the best of the eight data masks by scoring all of them, in pure Python:
about 6 ms of the 7 ms a code takes, and a confirmation mail carries one. Every mask
gives a valid code that any reader decodes; the scoring only avoids patterns that can be
harder for weak scanners (large blocks, finder-like runs). With error correction "M"
(15 % of the code may be damaged) and short URLs, a fixed mask reads as well in practice,
and the browser test of the door scanner decodes the codes we make."""

from __future__ import annotations

import segno

# Mask 0 (a checkerboard of (row + column) mod 2): spreads dark and light modules evenly.
MASK = 0


def make_qr(text: str) -> segno.QRCode:
    return segno.make(text, error="m", mask=MASK)
