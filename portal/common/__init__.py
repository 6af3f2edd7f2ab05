"""Small building blocks shared by every feature package."""
