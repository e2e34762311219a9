"""What a person sees of their progress, and their data: totals, records, charts, export and
erasure."""
