"""The fictional demo company and its dataset (import format), loaded by `seed-demo`."""
