"""Reading what people type: figures with units, durations and clock times, commands' arguments."""
