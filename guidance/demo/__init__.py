"""The demo consultation that `make run` loads."""
