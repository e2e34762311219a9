"""Groups and what they share: challenges, digests and summaries, and /link across platforms."""
