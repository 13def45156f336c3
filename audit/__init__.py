"""The append-only audit log: a leaf app every app writes to and that imports none of them."""
