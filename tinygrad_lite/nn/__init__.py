"""Neural-network building blocks (placeholder)."""
