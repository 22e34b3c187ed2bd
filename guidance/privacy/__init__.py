"""Personal data: who may see it, retention and erasure."""
