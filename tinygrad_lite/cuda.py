"""``tinygrad_lite.cuda``: this build computes on the CPU only."""


def is_available() -> bool:
    """Always False: tinygrad_lite has no CUDA backend."""
    return False


def device_count() -> int:
    """Always 0."""
    return 0
