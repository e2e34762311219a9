"""Messages on their way in: the inbox, the workers, and the core's own process."""
