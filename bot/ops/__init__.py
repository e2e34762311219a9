"""What an operator runs beside the bot: metrics and health, JSON logs, the set-aside inbox,
retention, and the locks that keep one process where one must run."""
