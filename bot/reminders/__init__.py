"""The minute tick, reminders' fire times and the nudges they send."""
