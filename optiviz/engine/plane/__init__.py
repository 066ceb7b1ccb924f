"""2D loss surfaces and the optimizer races on them (the race, map and landscape pages)."""
