"""Names that are written into evidence and into every frame hash.

Why constants: a verifier dispatches on these strings, so changing what an algorithm computes
means a new name, never a silent change under the old one.
"""

from __future__ import annotations

FORMAT = "draw-evidence/1"
# ssj-draw/1: per-label order value = AES-128 (first 16 bytes of the 'entities' key) over the
# 16-byte packing of the USCC; matching with HMAC-SHA256 under the 'inspectors' key.
ALGORITHM = "ssj-draw/1"
# The reference variant: per-label order value = HMAC-SHA256('entities' key, label). Same
# frames, same matching; slower (about 3.5 µs a label) but needs only the standard library.
ALGORITHM_HMAC = "ssj-draw/1-hmac"
SUPPORTED_ALGORITHMS = (ALGORITHM, ALGORITHM_HMAC)

FRAME_DOMAIN = "ssj-frame/1"
MEMBERS_DOMAIN = "ssj-members/1"
STRATUM_DOMAIN = "ssj-stratum/1"

KIND_ENTITIES = "entities"
KIND_INSPECTORS = "inspectors"
