"""Email: the queue and its worker's round, the messages, the daily notifications."""
