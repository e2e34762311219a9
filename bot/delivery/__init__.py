"""Messages on their way out: the outbox and each platform's pace."""
