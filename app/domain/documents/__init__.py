"""Documents: files attached to clients and deals, their limits and the store that keeps their bytes."""
