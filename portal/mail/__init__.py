"""Mail: the outbox that never loses a message, and the local catcher for development."""
